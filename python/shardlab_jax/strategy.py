"""Apply a shardlab strategy (the JSON of `shardlab export --format strategy`) to a JAX function.

The strategy lists, for every flattened argument and output of the module's `main` function,
its name (the pytree path), global shape and `spec`: one list of mesh axes per dimension, major
to minor. Flattened order is JAX's pytree order, so entry i is leaf i of `jax.tree.leaves(args)`.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import json
import os
import re
import warnings
from typing import Any, Callable, Sequence

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


# While `apply`'s function is traced: (mesh, pinned intermediates by name, names applied).
_ACTIVE: contextvars.ContextVar[tuple[Mesh, dict[str, Any], set[str]] | None] = contextvars.ContextVar(
    "shardlab_jax_strategy", default=None
)


class StrategyError(ValueError):
    """A strategy that does not fit the function or the devices it is applied to."""


class StrategyWarning(UserWarning):
    """Part of a strategy that `apply` leaves to XLA."""


def load_strategy(strategy: dict[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    """The strategy as a dict, read from a path if given one; checks its required fields."""
    if not isinstance(strategy, dict):
        with open(strategy, encoding="utf-8") as f:
            strategy = json.load(f)
    if strategy.get("version") != 1:
        raise StrategyError(f"strategy version {strategy.get('version')!r}: only version 1 is known")
    for key in ("mesh", "inputs", "outputs"):
        if key not in strategy:
            raise StrategyError(f"strategy has no '{key}' field")
    for i, axis in enumerate(strategy["mesh"].get("axes", [])):
        if not isinstance(axis.get("name"), str) or not isinstance(axis.get("size"), int) or axis["size"] < 1:
            raise StrategyError(f"strategy mesh axis {i} is {axis!r}: expected {{name: str, size: int >= 1}}")
    return strategy


def build_mesh(strategy: dict[str, Any], devices: Sequence[Any] | None = None) -> Mesh:
    """The strategy's mesh over the first devices, row-major (the last axis varies fastest),
    which is how shardlab numbers devices."""
    axes = strategy["mesh"]["axes"]
    names = tuple(a["name"] for a in axes)
    sizes = tuple(a["size"] for a in axes)
    devices = list(jax.devices() if devices is None else devices)
    need = int(np.prod(sizes)) if sizes else 1
    if len(devices) < need:
        raise StrategyError(
            f"mesh {dict(zip(names, sizes))} needs {need} devices but only {len(devices)} exist "
            "(on CPU set XLA_FLAGS=--xla_force_host_platform_device_count=N before importing jax)"
        )
    return Mesh(np.array(devices[:need], dtype=object).reshape(sizes), names)


def partition_spec(spec: Sequence[Sequence[str]]) -> PartitionSpec:
    """`[["data"], [], ["x", "y"]]` → `PartitionSpec('data', None, ('x', 'y'))`."""
    dims: list[Any] = []
    for axes in spec:
        axes = list(axes)
        dims.append(None if not axes else axes[0] if len(axes) == 1 else tuple(axes))
    return PartitionSpec(*dims)


def name_parts(name: str) -> list[str]:
    """Path components of a pytree name, spelling-independent: `params['a'][0].b`, `params/a/0/b`
    and `params.a[0].b` all give `['params', 'a', '0', 'b']`."""
    return [p for p in re.split(r"[\[\]'\"./]+", name) if p]


def leaf_names(prefix_names: Sequence[str], tree: Any) -> list[str]:
    """JAX's names for the flattened leaves: the argument name plus the key path of the leaf."""
    names: list[str] = []
    for prefix, sub in zip(prefix_names, tree):
        for path, _ in jax.tree_util.tree_flatten_with_path(sub)[0]:
            names.append(prefix + jax.tree_util.keystr(path))
    return names


def _arg_names(fn: Callable[..., Any], n: int) -> list[str]:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [names[i] if i < len(names) else f"args[{i}]" for i in range(n)]


def _check_entries(what: str, entries: list[dict[str, Any]], leaves: list[Any], names: list[str]) -> None:
    if len(entries) != len(leaves):
        raise StrategyError(
            f"strategy has {len(entries)} {what} but the function has {len(leaves)} flattened {what}"
        )
    for i, (entry, leaf, name) in enumerate(zip(entries, leaves, names)):
        where = f"{what[:-1]} {i} ({name})"
        if entry.get("index", i) != i:
            raise StrategyError(f"strategy {what} are out of order: entry {i} has index {entry['index']}")
        shape = list(np.shape(leaf))
        if list(entry.get("shape", shape)) != shape:
            raise StrategyError(f"{where}: strategy shape {entry['shape']} but the function has {shape}")
        if len(entry["spec"]) != len(shape):
            raise StrategyError(f"{where}: spec {entry['spec']} has {len(entry['spec'])} dims, the value {len(shape)}")
        given = entry.get("name")
        # A result's name may carry JAX's "result" prefix or not; the rest of the path must agree.
        if given and name_parts(given) != name_parts(name) and name_parts(given) != name_parts(name)[1:]:
            raise StrategyError(f"{where}: strategy names it {given!r}; the strategy belongs to another function?")


def shardings(
    strategy: dict[str, Any], mesh: Mesh, fn: Callable[..., Any], *example_args: Any
) -> tuple[Any, Any]:
    """(in_shardings, out_shardings) as pytrees shaped like the arguments and the outputs."""
    leaves, in_tree = jax.tree.flatten(example_args)
    _check_entries("inputs", strategy["inputs"], leaves, leaf_names(_arg_names(fn, len(example_args)), example_args))
    out = jax.eval_shape(fn, *example_args)
    out_leaves, out_tree = jax.tree.flatten(out)
    out_names = ["result" + jax.tree_util.keystr(p) for p, _ in jax.tree_util.tree_flatten_with_path(out)[0]]
    _check_entries("outputs", strategy["outputs"], out_leaves, out_names)

    def named(entries: list[dict[str, Any]]) -> list[NamedSharding]:
        return [NamedSharding(mesh, partition_spec(e["spec"])) for e in entries]

    in_s = jax.tree.unflatten(in_tree, named(strategy["inputs"]))
    out_s = jax.tree.unflatten(out_tree, named(strategy["outputs"]))
    return in_s, out_s


class StrategyJit:
    """`fn` jitted with a strategy's shardings. The shardings follow the pytree structure of the
    arguments, so the jitted function is built on first use for each argument structure."""

    def __init__(self, fn: Callable[..., Any], strategy: dict[str, Any], mesh: Mesh, jit_kwargs: dict[str, Any]):
        self.fn, self.strategy, self.mesh, self.jit_kwargs = fn, strategy, mesh, jit_kwargs
        self._cache: dict[Any, Any] = {}

    def jitted(self, *args: Any) -> Any:
        """The `jax.jit` object for arguments shaped like these."""
        key = jax.tree.structure(args)
        if key not in self._cache:
            in_s, out_s = shardings(self.strategy, self.mesh, self.fn, *args)
            self._cache[key] = jax.jit(self._pinning(), in_shardings=in_s, out_shardings=out_s, **self.jit_kwargs)
        return self._cache[key]

    def _pinning(self) -> Callable[..., Any]:
        """`fn` with the strategy's pinned intermediates active while JAX traces it, so that
        `constrain(x, name)` calls inside it apply them; pins no call reached are reported."""
        pins = {c["name"]: c for c in self.strategy.get("constraints", [])}
        fn, mesh = self.fn, self.mesh

        @functools.wraps(fn)
        def traced(*args: Any) -> Any:
            used: set[str] = set()
            token = _ACTIVE.set((mesh, pins, used))
            try:
                out = fn(*args)
            finally:
                _ACTIVE.reset(token)
            if missed := sorted(set(pins) - used):
                warnings.warn(
                    f"{len(missed)} of the strategy's {len(pins)} pinned intermediates are left to XLA "
                    f"(no shardlab_jax.constrain call names them): {', '.join(missed[:5])}"
                    + (", ..." if len(missed) > 5 else ""),
                    StrategyWarning,
                    stacklevel=2,
                )
            return out

        return traced

    def lower(self, *args: Any) -> Any:
        return self.jitted(*args).lower(*args)

    def __call__(self, *args: Any) -> Any:
        return self.jitted(*args)(*args)


def apply(
    fn: Callable[..., Any],
    strategy: dict[str, Any] | str | os.PathLike[str],
    mesh: Mesh | None = None,
    **jit_kwargs: Any,
) -> StrategyJit:
    """`fn` jitted with the strategy's in/out shardings on `mesh` (default: built from the
    strategy over `jax.devices()`). Extra keyword arguments go to `jax.jit` (e.g.
    `donate_argnums`). Arguments are checked against the strategy by count, shape and name on
    first call; a mismatch raises `StrategyError`.

    The strategy's `constraints` (intermediates shardlab pinned, named as shardlab names them,
    e.g. `mlp/%47`) apply where `fn` calls `constrain(x, name)` with their name, as in the code
    `shardlab export --format jax` writes; nothing else maps them onto the traced function. Pins
    no call reaches are left to XLA's propagation, and a `StrategyWarning` at trace time lists
    them. The in/out shardings alone fix every standard strategy.
    """
    strategy = load_strategy(strategy)
    return StrategyJit(fn, strategy, mesh if mesh is not None else build_mesh(strategy), jit_kwargs)


def constrain(x: Any, name: str) -> Any:
    """`x` pinned to the sharding the active strategy gives the intermediate `name`, when
    traced inside a function that `apply` jitted and the strategy pins that name; `x` itself
    otherwise (so a model can mark its intermediates and still run without a strategy)."""
    active = _ACTIVE.get()
    if active is None:
        return x
    mesh, pins, used = active
    pin = pins.get(name)
    if pin is None:
        return x
    if "shape" in pin and list(np.shape(x)) != list(pin["shape"]):
        raise StrategyError(f"pinned intermediate {name!r}: strategy shape {pin['shape']} but the value is {list(np.shape(x))}")
    used.add(name)
    return jax.lax.with_sharding_constraint(x, NamedSharding(mesh, partition_spec(pin["spec"])))


def place(strategy: dict[str, Any] | str | os.PathLike[str], mesh: Mesh | None, fn: Callable[..., Any], *args: Any) -> Any:
    """The arguments moved onto the devices with the strategy's input shardings (a tuple)."""
    strategy = load_strategy(strategy)
    mesh = mesh if mesh is not None else build_mesh(strategy)
    in_s, _ = shardings(strategy, mesh, fn, *args)
    return jax.device_put(args, in_s)
