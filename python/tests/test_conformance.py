"""The conformance suite: shardlab's strategies against XLA, on real JAX models.

For each model × strategy: export the JAX step, import it into shardlab, let shardlab partition
it and export the strategy, apply the strategy to the JAX function, then check (1) the sharded
run gives the unsharded numbers, (2) XLA's collectives equal shardlab's after the documented
normalisation (exactly, for the standard strategies), (3) shardlab's peak memory against XLA's
memory analysis (reported; asserted only within a generous bound). Writes docs/conformance.md.
"""

from __future__ import annotations

import math
from pathlib import Path

import jax
import pytest
from cli import Running, shardlab, shardlab_json
from helpers import max_error

import models
import report
import shardlab_jax
from shardlab_jax import compare
from shardlab_jax.hlo import collectives_from_hlo

# (model, mesh, schedule, label, standard): standard strategies (BP, MP, BP+MP) must match XLA
# exactly after the normalisation; the others report their differences, explained in NOTES.
CASES = [
    ("mlp", "data=8", "BP(data)", "BP", True),
    ("mlp", "data=4,model=2", "MP(model)", "MP", True),
    ("mlp", "data=4,model=2", "BP(data),MP(model)", "BP+MP", True),
    ("mlp", "data=8", "BP(data),Z3(data)", "BP+Z3", False),
    ("mlp", "data=4,fsdp=2", "BP(data),Z3(fsdp)", "FSDP", False),
    ("transformer", "data=8", "BP(data)", "BP", True),
    ("transformer", "data=4,model=2", "MP(model)", "MP", True),
    ("transformer", "data=4,model=2", "BP(data),MP(model)", "BP+MP", True),
    ("transformer", "data=8", "BP(data),Z3(data)", "BP+Z3", False),
    ("transformer", "data=4,fsdp=2", "BP(data),Z3(fsdp)", "FSDP", False),
    ("cnn", "data=8", "BP(data)", "BP", True),
    ("cnn", "data=8", "BP(data),Z3(data)", "BP+Z3", False),
    ("cnn", "data=4,fsdp=2", "BP(data),Z3(fsdp)", "FSDP", False),
    ("moe", "data=8", "BP(data)", "BP", True),
    ("moe", "data=4,model=2", "EP(data),BP(data)", "EP", False),
    ("moe", "data=4,model=2", "EP(data),BP(data),MP(model)", "EP+MP", False),
]
report.EXPECTED_CASES[0] = len(CASES)

# Hand-written explanations of the differences each case shows, after reading both programs.
NOTES: dict[tuple[str, str], str] = {}

# shardlab's peak memory must be within this factor of XLA's: a sanity bound, not a claim of
# accuracy (the simulator models an accelerator's buffers, XLA:CPU adds its own temporaries).
MEMORY_FACTOR = 4.0


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[models.Model, Path, object]]:
    """Each model exported once to StableHLO, built once, with its unsharded reference outputs."""
    out: dict[str, tuple[models.Model, Path, object]] = {}
    folder = tmp_path_factory.mktemp("models")
    for name, build in models.ALL.items():
        m = build()
        path = folder / f"{name}.mlir"
        shardlab_jax.export(m.step, *m.args, path=path)
        out[name] = (m, path, jax.jit(m.step)(*m.args))
        report.MODELS[name] = m.description
    return out


def _param_count(summary: dict) -> int:
    params = summary["params"]
    if isinstance(params, (int, float)):
        return int(params)
    return sum(math.prod(p["shape"]) for p in params if p.get("role", "param") == "param")


@pytest.mark.parametrize("name", list(models.ALL))
def test_import_counts_parameters(name: str, imported) -> None:
    m, path, _ = imported[name]
    summary = shardlab_json("import", str(path), "--json")
    assert summary["ops"] > 0 and summary["functions"]
    assert _param_count(summary) == m.param_count


@pytest.mark.parametrize(("name", "mesh", "schedule", "label", "standard"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_conformance(name: str, mesh: str, schedule: str, label: str, standard: bool, imported, tmp_path: Path) -> None:
    m, path, reference = imported[name]
    result = report.CaseResult(name, mesh, schedule, label, standard, note=NOTES.get((name, label), ""))
    report.RESULTS.append(result)
    try:
        _run_case(m, path, reference, result, tmp_path)
    except Exception as e:  # recorded in the report, then re-raised as the test's failure
        result.error = f"{type(e).__name__}: {e}"
        raise
    assert result.numbers_ok, f"sharded run differs from the unsharded one by up to {result.max_error}"
    c = result.comparison
    assert c is not None
    if standard:
        assert c.matches, "collectives differ from XLA's:\n" + "\n".join(f"[{d.category}] {d.explanation}" for d in c.differences)
    assert result.xla_memory and result.shardlab_memory
    ratio = result.shardlab_memory / result.xla_memory
    assert 1 / MEMORY_FACTOR <= ratio <= MEMORY_FACTOR, f"shardlab peak {result.shardlab_memory} B vs XLA {result.xla_memory} B"


def _run_case(m: models.Model, path: Path, reference: object, result: report.CaseResult, tmp_path: Path) -> None:
    common = ["--model", str(path), "--mesh", result.mesh, "--schedule", result.schedule]
    partition = Running("partition", *common, "--json")
    simulate = Running("simulate", *common, "--json")
    strategy_path = tmp_path / "strategy.json"
    shardlab("export", *common, "--format", "strategy", "--out", str(strategy_path))
    strategy = shardlab_jax.load_strategy(strategy_path)
    mesh = shardlab_jax.build_mesh(strategy)

    sharded = shardlab_jax.apply(m.step, strategy, mesh)
    compiled = sharded.lower(*m.args).compile()
    result.numbers_ok, result.max_error = max_error(reference, sharded(*m.args), m.atol)

    names = [a["name"] for a in strategy["mesh"]["axes"]]
    sizes = [a["size"] for a in strategy["mesh"]["axes"]]
    xla, unmapped = compare.xla_entries(collectives_from_hlo(compiled.as_text(), math.prod(sizes)), names, sizes)
    ours = compare.shardlab_entries(partition.json()["collectives"], names)
    result.comparison = compare.compare(xla, ours, unmapped, dict(zip(names, sizes)))

    result.xla_memory = shardlab_jax.peak_memory_bytes(compiled)
    result.shardlab_memory = int(simulate.json()["peakMemoryBytes"])


@pytest.mark.xfail(reason="shardlab import: stablehlo.gather with operand_batching_dims (jnp.take_along_axis) is refused: 'offset_dims needs 2 entries'")
def test_import_take_along_axis(tmp_path: Path) -> None:
    """Cross-entropy by `take_along_axis`, the other common spelling of the transformer's loss:
    JAX lowers it to a gather with batching dims. Not strict, so the importer's fix does not
    break the suite; an XPASS in the summary says this marker can go."""
    import jax.numpy as jnp

    def loss(logp: jax.Array, targets: jax.Array) -> jax.Array:
        return -jnp.mean(jnp.take_along_axis(logp, targets[..., None], axis=-1))

    path = tmp_path / "take.mlir"
    shardlab_jax.export(loss, jnp.zeros((8, 16, 64)), jnp.zeros((8, 16), jnp.int32), path=path)
    assert shardlab_json("import", str(path), "--json")["ops"] > 0
