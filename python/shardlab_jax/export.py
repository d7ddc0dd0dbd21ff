"""Export a JAX function as StableHLO text that shardlab can import with readable names."""

from __future__ import annotations

import os
from typing import Any, Callable

import jax


def lower_text(fn: Callable[..., Any], *example_args: Any) -> str:
    """StableHLO text of `jax.jit(fn)` lowered for the example arguments.

    `debug_info=True` keeps the locations: each argument carries its pytree path as a name
    location (`%arg0: tensor<...> loc("params['w1']")`), each result its `jax.result_info`, and
    each op a name location with JAX's name stack (`jit(step)/jvp(layer0)/dot_general`), from
    which shardlab takes scopes. Without it JAX prints no locations and the names are lost.
    """
    jitted = fn if hasattr(fn, "lower") else jax.jit(fn)
    return jitted.lower(*example_args).as_text(debug_info=True)


def export(fn: Callable[..., Any], *example_args: Any, path: str | os.PathLike[str]) -> str:
    """Lower `fn` for the example arguments and write its StableHLO text to `path`.

    `fn` may be a plain function or one already wrapped in `jax.jit`; the example arguments may
    be arrays or `jax.ShapeDtypeStruct`s (only shapes and dtypes matter). Returns the text.
    """
    text = lower_text(fn, *example_args)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return text
