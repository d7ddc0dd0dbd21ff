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
CASES: list = [
    ("mlp", "data=8", "BP(data)", "BP", True),
    ("mlp", "data=4,model=2", "MP(model)", "MP", True),
    ("mlp", "data=4,model=2", "BP(data),MP(model)", "BP+MP", True),
    ("mlp", "data=8", "BP(data),Z3(data)", "BP+Z3", False),
    ("mlp", "data=4,fsdp=2", "BP(data),Z3(fsdp)", "FSDP", False),
    # the explanation of the FSDP rows, tested: gathered parameters pinned replicated by hand
    ("mlp-pinned", "data=4,fsdp=2", "BP(data),Z3(fsdp)", "FSDP, gathers pinned", False),
    ("transformer", "data=8", "BP(data)", "BP", True),
    ("transformer", "data=4,model=2", "MP(model)", "MP", True),
    ("transformer", "data=4,model=2", "BP(data),MP(model)", "BP+MP", True),
    ("transformer", "data=8", "BP(data),Z3(data)", "BP+Z3", False),
    ("transformer", "data=4,fsdp=2", "BP(data),Z3(fsdp)", "FSDP", False),
    # found a shardlab bug (BP all-gathered the log-probs at take_along_axis's gather), now fixed:
    # the importer writes take_along_axis as a one-hot select (src/core/io/stablehlo/batching.ts)
    ("transformer-take", "data=8", "BP(data)", "BP", True),
    ("cnn", "data=8", "BP(data)", "BP", True),
    ("cnn", "data=8", "BP(data),Z3(data)", "BP+Z3", False),
    ("cnn", "data=4,fsdp=2", "BP(data),Z3(fsdp)", "FSDP", False),
    ("moe", "data=8", "BP(data)", "BP", True),
    ("moe", "data=4,model=2", "EP(data),BP(data)", "EP", False),
    ("moe", "data=4,model=2", "EP(data),BP(data),MP(model)", "EP+MP", False),
]
report.EXPECTED_CASES[0] = len(CASES)


def _case_id(case: object) -> str:
    values = getattr(case, "values", case)  # a pytest.param or a plain tuple
    return f"{values[0]}-{values[3]}"

# Hand-written explanations of the differences each case shows, after reading both programs.
# The strategy JSON carries in/out shardings plus the gradients ZeRO pins; `apply` passes the
# in/out shardings to jax.jit, the models call no `constrain`, and XLA's own propagation places
# everything else. Where shardlab's
# plan for the inside of the step is one of several that fit those boundary shardings, XLA may
# pick another: that is what the non-standard cases show.
_AR_SLICE = (
    "**ar-slice** (every Z3 case): shardlab reduce-scatters each gradient onto its shard, as ZeRO "
    "does; XLA:CPU all-reduces the whole gradient and keeps the local slice (its CPU pipeline has no "
    "reduce-scatter creation pass). Same result; XLA moves about twice the bytes. Not a shardlab bug."
)
_STORAGE_ONLY = (
    "shardlab's Z3 shards storage, not compute: parameters are all-gathered over the Z3 axis where "
    "they are used and the compute keeps the data-parallel sharding. XLA only sees parameters sharded "
    "over that axis at the boundary and propagates the axis *into* the compute instead: it splits the "
    "matmuls' contracting or feature dims over it (all-to-alls and all-gathers of activations, "
    "all-reduces of partial products and of layer-norm/softmax statistics over the Z3 axis) and never "
    "gathers a weight. Both are correct (the numbers agree); with these small batches XLA's plan moves "
    "activations instead of weights. To make XLA run FSDP as shardlab plans it, the strategy would have "
    "to pin each gathered parameter replicated over the Z3 axis (`with_sharding_constraint` at its use, "
    "as FSDP code in JAX does); `shardlab export --format strategy` pins only the gradients, and "
    "`apply` applies a pin only where the model calls `shardlab_jax.constrain` with its name, which "
    "these models (written before any strategy) do not. Not a shardlab bug; a gap between the "
    "strategy export and plain JAX code."
)
NOTES: dict[tuple[str, str], str] = {
    ("mlp", "BP+Z3"): _AR_SLICE
    + " **repeat**/**other**: shardlab gathers `wo` a second time for the backward pass "
    "(FSDP frees gathered parameters after use). XLA keeps no gathered `wo` for the backward: it "
    "computes the hidden gradient in `wo`'s stored sharding (hidden dim over data), so it all-gathers "
    "the output gradient over the batch (f32[32×64]) and moves the ReLU mask from batch- to "
    "hidden-sharding (one tuple all-to-all of 8 blocks, f32[8×4×16]). XLA's choice, legal either way.",
    ("mlp", "FSDP"): _STORAGE_ONLY,
    ("mlp-pinned", "FSDP, gathers pinned"): "The FSDP rows' explanation, checked: the same MLP and "
    "strategy, plus four pins written by hand that keep each parameter replicated where the loss uses "
    "it (`shardlab_jax.constrain`). XLA then runs FSDP as shardlab plans it: the four parameter "
    "all-gathers over fsdp, the loss and bias-gradient all-reduces over data all match. What remains "
    "is **repeat** (shardlab gathers `wo` again for the backward pass; XLA keeps the forward's copy) "
    "and **slice-first** (XLA all-reduces each whole weight gradient over data and then keeps its "
    "fsdp shard; shardlab slices first and all-reduces only the shard, half the bytes).",
    ("transformer", "BP+Z3"): _AR_SLICE
    + " **repeat**: shardlab re-gathers the 11 weight matrices for the backward pass (FSDP), XLA keeps "
    "the forward's gathered copies and instead re-gathers 5 layer-norm vectors. **other** "
    "all-reduce f32[64×32]: the tied embedding's two gradient contributions (lookup and output "
    "projection), reduced one by one by XLA (one of them paired with shardlab's reduce-scatter above), "
    "once by shardlab: N5 with a reduce-scatter on shardlab's side.",
    ("transformer", "FSDP"): _STORAGE_ONLY,
    ("cnn", "BP+Z3"): _AR_SLICE + " **repeat**: shardlab gathers the dense kernel again for the backward pass.",
    ("cnn", "FSDP"): _STORAGE_ONLY,
    ("moe", "EP"): (
        "Expert parallelism is not what XLA runs. shardlab splits the expert computation by expert "
        "(EP seeds the expert dim of `wi`/`wo` and propagates inside the `experts` scope): the dispatch "
        "and combine einsums become all-to-alls (two forward, one backward; the data input needs no "
        "gradient). XLA receives `wi`/`wo` sharded by expert and the tokens sharded by group on the "
        "*same* axis; nothing pins the dispatched activations, so it keeps the tokens' sharding, "
        "all-gathers both expert weights and all-reduces their full gradients (data parallelism for "
        "the experts). Pinning `egcd`/`egcf` to the expert axis by hand does not give GShard's "
        "all-to-alls either (XLA then gathers the tokens). Both plans are correct (numbers agree); "
        "reproducing EP in XLA needs the strategy to pin the expert activations, which the export does "
        "not do yet. Not a shardlab lowering bug; a gap in the strategy export."
    ),
    ("moe", "EP+MP"): "As for EP: XLA gathers the expert weights (now split on f over model) instead of "
    "the all-to-alls shardlab plans; the model-axis all-reduces of the expert outputs match.",
}

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


@pytest.mark.filterwarnings("ignore::shardlab_jax.StrategyWarning")  # the pins are discussed in NOTES
@pytest.mark.parametrize(("name", "mesh", "schedule", "label", "standard"), CASES, ids=[_case_id(c) for c in CASES])
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


def _gathered_pins(m: models.Model) -> list[dict]:
    """Pins that keep each parameter replicated where the model uses it (the model names the
    uses `gathered/<name>`): FSDP's all-gather before use, as FSDP code in JAX writes it."""
    params = m.args[0]["mlp"]
    return [{"name": f"gathered/{k}", "shape": list(v.shape), "spec": [[] for _ in v.shape]} for k, v in params.items()]


def _run_case(m: models.Model, path: Path, reference: object, result: report.CaseResult, tmp_path: Path) -> None:
    common = ["--model", str(path), "--mesh", result.mesh, "--schedule", result.schedule]
    partition = Running("partition", *common, "--json")
    simulate = Running("simulate", *common, "--json")
    strategy_path = tmp_path / "strategy.json"
    shardlab("export", *common, "--format", "strategy", "--out", str(strategy_path))
    strategy = shardlab_jax.load_strategy(strategy_path)
    if m.name.endswith("-pinned"):
        strategy["constraints"] += _gathered_pins(m)
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
