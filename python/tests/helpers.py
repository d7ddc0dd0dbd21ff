"""Shared test helpers: hand-written strategies and the numbers-equal check."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import jax
import numpy as np

# f32 throughout. A sharded run sums the same terms in another order (per-device partial sums,
# then an all-reduce), so results differ by rounding: a few ulps times the number of terms
# (≤ 4096 here), well under 1e-5 relative; 1e-6 absolute covers values that cancel to ~0.
RTOL, ATOL = 1e-5, 1e-6


def hand_strategy(fn: Callable[..., Any], args: Sequence[Any], mesh: Sequence[tuple[str, int]], spec_of: Callable[[str, tuple[int, ...]], list[list[str]]]) -> dict[str, Any]:
    """A strategy dict in shardlab's format, with `spec_of(keypath, shape)` for every leaf
    (keypaths as `jax.tree_util.keystr` prints them: `[0]['mlp']['wi']` for argument 0)."""

    def entries(tree: Any, out: bool) -> list[dict[str, Any]]:
        leaves = jax.tree_util.tree_flatten_with_path(tree)[0]
        return [
            {"index": i, "name": "", "shape": list(np.shape(x)), "spec": spec_of(("result" if out else "") + jax.tree_util.keystr(p), tuple(np.shape(x)))}
            for i, (p, x) in enumerate(leaves)
        ]

    return {
        "version": 1,
        "mesh": {"axes": [{"name": n, "size": s} for n, s in mesh]},
        "inputs": entries(tuple(args), False),
        "outputs": entries(jax.eval_shape(fn, *args), True),
        "constraints": [],
    }


def max_error(ref: Any, got: Any, atol: float = ATOL) -> tuple[bool, float]:
    """(all close within RTOL and `atol`, largest absolute difference) over every leaf."""
    ok, worst = True, 0.0
    for a, b in zip(jax.tree.leaves(ref), jax.tree.leaves(got), strict=True):
        a, b = np.asarray(a), np.asarray(b)
        if a.size:
            worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))))
        ok = ok and a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=atol))
    return ok, worst
