"""shardlab_jax.export: the StableHLO text keeps the names shardlab selects by."""

import re

import models

import shardlab_jax


def test_export_writes_named_stablehlo(tmp_path):
    m = models.mlp()
    path = tmp_path / "mlp.mlir"
    text = shardlab_jax.export(m.step, *m.args, path=path)
    assert path.read_text() == text
    assert text.lstrip().startswith("#loc") or text.lstrip().startswith("module")
    main = re.search(r"func\.func public @main\((.*?)\) ->", text).group(1)
    # arguments named by pytree path, in flattened order (dict keys sorted: bi, bo, wi, wo)
    names = re.findall(r'loc\("([^"]+)"\)', main)
    assert names == ["params['mlp']['bi']", "params['mlp']['bo']", "params['mlp']['wi']", "params['mlp']['wo']", "x", "y"]
    assert "tensor<64x128xf32>" in main
    # results named too, and ops carry their named scopes
    assert 'jax.result_info = "result[0][\'mlp\'][\'wi\']"' in text
    assert 'jax.result_info = "result[1]"' in text
    assert re.search(r'loc\("jit\(train_step\)/jvp\(mlp\)/dot_general"', text)


def test_export_takes_jitted_functions_and_shape_structs(tmp_path):
    import jax

    m = models.moe()
    avals = jax.tree.map(lambda x: jax.ShapeDtypeStruct(x.shape, x.dtype), m.args)
    text = shardlab_jax.export(jax.jit(m.step), *avals, path=tmp_path / "moe.mlir")
    assert "params['moe']['wi']" in text and "tensor<4x16x32xf32>" in text
