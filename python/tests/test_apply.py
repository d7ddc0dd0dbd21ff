"""shardlab_jax.apply with hand-written strategies: sharded runs give the unsharded numbers,
the arrays come out with the strategy's shardings, and a strategy for another function is
refused with a clear message."""

import jax
import numpy as np
import pytest
from helpers import hand_strategy, max_error
from jax.sharding import PartitionSpec

import models
import shardlab_jax
from shardlab_jax import StrategyError

MESH = [("data", 4), ("model", 2)]


def megatron_mlp(name, shape):
    """BP(data) + MP(model) on the MLP, written out by hand."""
    if name.startswith("[1]") or name.startswith("[2]"):
        return [["data"], []]
    if name.endswith("['wi']"):
        return [[], ["model"]]
    if name.endswith("['bi']"):
        return [["model"]]
    if name.endswith("['wo']"):
        return [["model"], []]
    return [[] for _ in shape]


def test_apply_mlp_matches_unsharded_run():
    m = models.mlp()
    strategy = hand_strategy(m.step, m.args, MESH, megatron_mlp)
    ref = jax.jit(m.step)(*m.args)
    sharded = shardlab_jax.apply(m.step, strategy)
    got = sharded(*m.args)
    ok, err = max_error(ref, got)
    assert ok, f"max error {err}"
    new_params, loss = got
    assert new_params["mlp"]["wi"].sharding.spec == PartitionSpec(None, "model")
    assert new_params["mlp"]["wo"].sharding.spec == PartitionSpec("model", None)
    assert loss.sharding.spec == PartitionSpec()
    # the local shard of wi on one device is 64 × 128/2
    assert new_params["mlp"]["wi"].addressable_shards[0].data.shape == (64, 64)


def test_place_puts_arguments_on_their_shardings():
    m = models.mlp()
    strategy = hand_strategy(m.step, m.args, MESH, megatron_mlp)
    params, x, y = shardlab_jax.place(strategy, None, m.step, *m.args)
    assert x.sharding.spec == PartitionSpec("data", None)
    assert x.addressable_shards[0].data.shape == (8, 64)
    assert params["mlp"]["bi"].sharding.spec == PartitionSpec("model")


def test_partition_spec_spelling():
    assert shardlab_jax.partition_spec([["data"], [], ["x", "y"]]) == PartitionSpec("data", None, ("x", "y"))
    assert shardlab_jax.partition_spec([]) == PartitionSpec()


def test_build_mesh_is_row_major():
    mesh = shardlab_jax.build_mesh({"mesh": {"axes": [{"name": "data", "size": 4}, {"name": "model", "size": 2}]}})
    ids = np.vectorize(lambda d: d.id)(mesh.devices)
    assert ids.tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]


def test_too_many_devices_is_refused():
    with pytest.raises(StrategyError, match="needs 16 devices but only 8"):
        shardlab_jax.build_mesh({"mesh": {"axes": [{"name": "data", "size": 16}]}})


def test_strategy_for_another_function_is_refused():
    m = models.mlp()
    strategy = hand_strategy(m.step, m.args, MESH, megatron_mlp)

    wrong_shape = {**strategy, "inputs": [dict(e) for e in strategy["inputs"]]}
    wrong_shape["inputs"][2]["shape"] = [32, 128]
    with pytest.raises(StrategyError, match=r"input 2 \(params\['mlp'\]\['wi'\]\): strategy shape \[32, 128\]"):
        shardlab_jax.apply(m.step, wrong_shape)(*m.args)

    wrong_name = {**strategy, "inputs": [dict(e) for e in strategy["inputs"]]}
    wrong_name["inputs"][4]["name"] = "images"
    with pytest.raises(StrategyError, match="input 4 .*names it 'images'"):
        shardlab_jax.apply(m.step, wrong_name)(*m.args)

    short = {**strategy, "inputs": strategy["inputs"][:-1]}
    with pytest.raises(StrategyError, match="5 inputs but the function has 6"):
        shardlab_jax.apply(m.step, short)(*m.args)


def test_names_compare_by_path_not_spelling():
    m = models.mlp()
    strategy = hand_strategy(m.step, m.args, MESH, megatron_mlp)
    strategy["inputs"][2]["name"] = "params/mlp/wi"
    strategy["outputs"][2]["name"] = "result[0]['mlp']['wi']"
    strategy["outputs"][4]["name"] = "[1]"
    assert shardlab_jax.apply(m.step, strategy).lower(*m.args) is not None


def test_megatron_mlp_collectives_as_worked_out_by_hand():
    """BP(data)+MP(model) on the MLP, batch 32 → 8 per data shard, hidden 128 → 64 per model
    shard. Megatron's analysis: the row-parallel output x·wi·wo is a partial sum over model, so
    one all-reduce of [8, 64] over model in the forward pass; x is data, so no backward
    all-reduce of its gradient; every gradient (wi [64,64], bi [64], wo [64,64], bo [64]) and
    the loss are partial sums over data: all-reduces over data."""
    from shardlab_jax.compare import Entry, xla_entries
    from shardlab_jax.hlo import collectives_from_hlo

    m = models.mlp()
    strategy = hand_strategy(m.step, m.args, MESH, megatron_mlp)
    compiled = shardlab_jax.apply(m.step, strategy).lower(*m.args).compile()
    entries, unmapped = xla_entries(collectives_from_hlo(compiled.as_text(), 8), ["data", "model"], [4, 2])
    assert not unmapped

    def ar(axis, *shape):
        return Entry("all-reduce", (axis,), shape, "f32")

    expected = [ar("model", 8, 64), ar("data", 64, 64), ar("data", 64), ar("data", 64, 64), ar("data", 64), ar("data")]
    assert sorted(map(str, entries)) == sorted(map(str, expected))


def test_load_strategy_checks_its_fields(tmp_path):
    with pytest.raises(StrategyError, match="version 2"):
        shardlab_jax.load_strategy({"version": 2})
    with pytest.raises(StrategyError, match="no 'inputs' field"):
        shardlab_jax.load_strategy({"version": 1, "mesh": {"axes": []}, "outputs": []})
    with pytest.raises(StrategyError, match="mesh axis 0"):
        shardlab_jax.load_strategy({"version": 1, "mesh": {"axes": [{"name": "data", "size": 0}]}, "inputs": [], "outputs": []})
    path = tmp_path / "s.json"
    path.write_text('{"version": 1, "mesh": {"axes": []}, "inputs": [], "outputs": []}')
    assert shardlab_jax.load_strategy(path)["inputs"] == []


def test_unapplied_constraints_are_announced():
    m = models.mlp()
    strategy = hand_strategy(m.step, m.args, MESH, megatron_mlp)
    strategy["constraints"] = [{"op": 3, "name": "mlp/%5", "shape": [32, 128], "spec": [["data"], ["model"]]}]
    with pytest.warns(shardlab_jax.StrategyWarning, match="1 of the strategy's 1 pinned intermediates .*mlp/%5"):
        shardlab_jax.apply(m.step, strategy).lower(*m.args)


def test_constrain_pins_a_named_intermediate():
    import jax.numpy as jnp

    def f(x):
        h = shardlab_jax.constrain(jnp.tanh(x), "h")
        return jnp.sum(h * 2.0)

    x = jnp.ones((8, 16))
    strategy = hand_strategy(f, (x,), MESH, lambda name, shape: [[] for _ in shape])
    assert "sharding_constraint" not in shardlab_jax.apply(f, strategy).lower(x).as_text()
    strategy["constraints"] = [{"name": "h", "shape": [8, 16], "spec": [["model"], ["data"]]}]
    text = shardlab_jax.apply(f, strategy).lower(x).as_text()
    assert 'sdy.sharding_constraint' in text and '[{"model"}, {"data"}]' in text
    # outside apply, constrain is the identity
    assert float(f(x)) == pytest.approx(2 * 8 * 16 * float(np.tanh(1.0)), rel=1e-6)
    strategy["constraints"][0]["shape"] = [16, 8]
    with pytest.raises(StrategyError, match="pinned intermediate 'h': strategy shape \\[16, 8\\]"):
        shardlab_jax.apply(f, strategy).lower(x)
