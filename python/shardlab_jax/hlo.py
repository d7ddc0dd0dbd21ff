"""Collectives of an XLA-compiled (SPMD-partitioned) program, read from its HLO text.

`compiled.as_text()` prints one instruction per line, e.g.

    %all-reduce.5 = (f32[64]{0}, f32[]) all-reduce(%a, %b), channel_id=2,
        replica_groups=[2,4]<=[4,2]T(1,0), use_global_device_ids=true, to_apply=%add

Replica groups come in four spellings, all handled here: explicit `{{0,1},{2,3}}`, iota
`[G,S]<=[N]` and `[G,S]<=[d0,d1]T(p0,p1)` (iota over the reshape dims, transposed, cut into G
groups of S), the mesh form newer XLA prints `mesh['axis_0'=4,'axis_1'=2] {'axis_0'}` (groups
along the named axes of that mesh, devices numbered row-major, or in the order of a
`device_ids=([4,2]T(1,0))` iota or `device_ids=[...]` list), and `{}` (one group of all).
Group members are partition ids: the position of the device in the mesh, row-major, because
JAX numbers partitions in `mesh.devices.flat` order.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

KINDS = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all", "collective-permute")

# The op name follows the result type; `-start` is the async form (its `-done` is skipped).
_OP = re.compile(
    r"^\s*(?:ROOT\s+)?%?(?P<name>[\w.\-]+)\s*=\s*(?P<type>.*?)\s+"
    r"(?P<kind>all-reduce|all-gather|reduce-scatter|all-to-all|collective-permute)(?P<start>-start)?\("
)
_COMPUTATION = re.compile(r"^\s*(?:ENTRY\s+)?%?(?P<name>[\w.\-]+)\s.*\{\s*$")
_ARRAY = re.compile(r"\b(?P<dtype>pred|[subf]\d+|bf16|f8\w*|c64|c128|token)\[(?P<dims>[\d,]*)\]")
_EXPLICIT = re.compile(r"replica_groups=\{(?P<groups>(?:\{[\d,\s]*\},?\s*)*)\}")
_IOTA = re.compile(r"replica_groups=\[(?P<shape>[\d,]+)\]<=\[(?P<dims>[\d,]+)\](?:T\((?P<perm>[\d,]+)\))?")
_MESH = re.compile(
    r"replica_groups=mesh\[(?P<axes>[^\]]*)\]"
    r"(?:,\s*device_ids=(?:\(\[(?P<iota>[\d,]+)\](?:T\((?P<perm>[\d,]+)\))?\)|\[(?P<ids>[\d,\s]+)\]))?"
    r"\s*\{(?P<used>[^}]*)\}"
)
_PAIRS = re.compile(r"source_target_pairs=\{(?P<pairs>(?:\{\d+,\d+\},?)*)\}")
_DIMENSIONS = re.compile(r"\bdimensions=\{(?P<dims>[\d,]*)\}")
_CHANNEL = re.compile(r"\bchannel_id=(?P<id>\d+)")


class HloParseError(ValueError):
    """A collective whose replica groups could not be read."""


@dataclass
class Collective:
    """One collective instruction. `shapes` are the per-device result shapes, one per operand
    (a combined all-reduce has several); `groups` lists the partition ids of each group."""

    name: str
    kind: str
    shapes: list[tuple[int, ...]]
    dtypes: list[str]
    groups: list[list[int]] | None = None
    pairs: list[tuple[int, int]] | None = None
    dimensions: list[int] = field(default_factory=list)
    channel_id: int | None = None
    computation: str = ""
    asynchronous: bool = False
    line: str = ""


def _ints(text: str) -> list[int]:
    return [int(t) for t in re.findall(r"\d+", text)]


def iota_groups(shape: Sequence[int], dims: Sequence[int], perm: Sequence[int] | None) -> list[list[int]]:
    """`[G,S]<=[dims]T(perm)`: iota over prod(dims), reshaped to dims, transposed, cut into G×S."""
    ids = np.arange(int(np.prod(dims))).reshape(dims)
    if perm is not None:
        ids = ids.transpose(perm)
    return ids.reshape(shape).tolist()


def mesh_groups(axes_text: str, used_text: str, device_ids: Sequence[int] | None = None) -> list[list[int]]:
    """`mesh['a'=4,'b'=2] {'a'}`: one group per coordinate of the unused axes, members ordered
    by the used axes as listed (major first). Position i of the mesh (row-major) holds device
    `device_ids[i]`, or device i when the mesh prints no `device_ids`."""
    axes = [(m.group(1), int(m.group(2))) for m in re.finditer(r"'([^']+)'\s*=\s*(\d+)", axes_text)]
    used = re.findall(r"'([^']+)'", used_text)
    if ":" in used_text:
        raise HloParseError(f"sub-axes in replica groups are not supported: {{{used_text}}}")
    names = [a for a, _ in axes]
    for u in used:
        if u not in names:
            raise HloParseError(f"replica groups name axis {u!r}, not in mesh {axes_text}")
    count = int(np.prod([s for _, s in axes]))
    if device_ids is not None and len(device_ids) != count:
        raise HloParseError(f"mesh {axes_text} has {count} positions but {len(device_ids)} device ids")
    ids = np.asarray(device_ids if device_ids is not None else np.arange(count)).reshape([s for _, s in axes])
    rest = [names.index(a) for a in names if a not in used]
    order = rest + [names.index(u) for u in used]
    group_size = int(np.prod([s for a, s in axes if a in used])) if used else 1
    return ids.transpose(order).reshape(-1, group_size).tolist()


def parse_replica_groups(attrs: str, num_devices: int | None = None) -> list[list[int]] | None:
    """The replica groups in an instruction's attribute text, or None when it has none."""
    if m := _IOTA.search(attrs):
        perm = _ints(m.group("perm")) if m.group("perm") else None
        return iota_groups(_ints(m.group("shape")), _ints(m.group("dims")), perm)
    if m := _MESH.search(attrs):
        device_ids = None
        if m.group("iota"):
            dims = _ints(m.group("iota"))
            perm = _ints(m.group("perm")) if m.group("perm") else None
            device_ids = np.asarray(iota_groups([int(np.prod(dims))], dims, perm)).ravel().tolist()
        elif m.group("ids"):
            device_ids = _ints(m.group("ids"))
        return mesh_groups(m.group("axes"), m.group("used"), device_ids)
    if m := _EXPLICIT.search(attrs):
        groups = [_ints(g) for g in re.findall(r"\{([\d,\s]*)\}", m.group("groups"))]
        if not groups and num_devices is not None:
            return [list(range(num_devices))]  # `{}`: one group of every partition
        return groups
    return None


def _result_shapes(kind: str, start: bool, type_text: str) -> tuple[list[tuple[int, ...]], list[str]]:
    arrays = [(m.group("dtype"), tuple(_ints(m.group("dims")))) for m in _ARRAY.finditer(type_text)]
    arrays = [a for a in arrays if a[0] != "token"]
    if start and kind in ("all-gather", "collective-permute"):
        # async start results are (operands, results[, contexts]): keep the results
        if kind == "collective-permute":
            arrays = arrays[1:2]
        else:
            arrays = arrays[len(arrays) // 2 :]
    return [a[1] for a in arrays], [a[0] for a in arrays]


def collectives_from_hlo(text: str, num_devices: int | None = None) -> list[Collective]:
    """Every collective instruction in HLO text, in order, with the computation it sits in."""
    found: list[Collective] = []
    computation = ""
    for line in text.splitlines():
        m = _OP.match(line)
        if m is None:
            c = _COMPUTATION.match(line)
            if c and "=" not in line.split("{")[0]:
                computation = c.group("name")
            continue
        kind, start = m.group("kind"), bool(m.group("start"))
        attrs = line[m.end() :]
        shapes, dtypes = _result_shapes(kind, start, m.group("type"))
        col = Collective(
            name=m.group("name"),
            kind=kind,
            shapes=shapes,
            dtypes=dtypes,
            computation=computation,
            asynchronous=start,
            line=line.strip(),
        )
        if kind == "collective-permute":
            p = _PAIRS.search(attrs)
            if p is None:
                raise HloParseError(f"collective-permute without source_target_pairs: {line.strip()[:200]}")
            nums = _ints(p.group("pairs"))
            col.pairs = list(zip(nums[0::2], nums[1::2]))
        else:
            col.groups = parse_replica_groups(attrs, num_devices)
            if col.groups is None:
                raise HloParseError(f"{kind} without replica_groups: {line.strip()[:200]}")
        if d := _DIMENSIONS.search(attrs):
            col.dimensions = _ints(d.group("dims"))
        if c := _CHANNEL.search(attrs):
            col.channel_id = int(c.group("id"))
        found.append(col)
    return found


def _ordered_groups(sizes: Sequence[int], axes: Sequence[int]) -> set[tuple[int, ...]]:
    """Groups along `axes` (first = major) of a row-major mesh, as ordered tuples."""
    ids = np.arange(int(np.prod(sizes))).reshape(sizes)
    rest = [i for i in range(len(sizes)) if i not in axes]
    size = int(np.prod([sizes[a] for a in axes])) if axes else 1
    return {tuple(g) for g in ids.transpose(rest + list(axes)).reshape(-1, size).tolist()}


def axes_of_groups(groups: Sequence[Sequence[int]], names: Sequence[str], sizes: Sequence[int]) -> tuple[str, ...] | None:
    """The mesh axes (major to minor) whose devices each group spans, or None when the groups
    do not follow mesh axes. An ordered match is preferred; otherwise the member sets decide."""
    want_ordered = {tuple(g) for g in groups}
    want_sets = {frozenset(g) for g in groups}
    unordered = None
    k = len(sizes)
    for r in range(k + 1):
        for axes in itertools.permutations(range(k), r):
            got = _ordered_groups(sizes, axes)
            if got == want_ordered:
                return tuple(names[a] for a in axes)
            if unordered is None and {frozenset(g) for g in got} == want_sets:
                unordered = tuple(names[a] for a in sorted(axes))
    return unordered


def axes_of_pairs(pairs: Sequence[tuple[int, int]], names: Sequence[str], sizes: Sequence[int]) -> tuple[str, ...]:
    """The mesh axes along which a collective-permute moves data: those whose coordinate
    differs between a source and its target."""
    moved = set()
    for s, t in pairs:
        cs, ct = np.unravel_index(s, sizes), np.unravel_index(t, sizes)
        moved |= {i for i in range(len(sizes)) if cs[i] != ct[i]}
    return tuple(names[i] for i in sorted(moved))


def collective_axes(col: Collective, names: Sequence[str], sizes: Sequence[int]) -> tuple[str, ...] | None:
    if col.pairs is not None:
        return axes_of_pairs(col.pairs, names, sizes)
    assert col.groups is not None
    return axes_of_groups(col.groups, names, sizes)
