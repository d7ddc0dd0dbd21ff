"""Compare the collectives XLA compiled with the collectives shardlab's lowering predicts.

Both sides become flat lists of `Entry(kind, axes, shape, dtype)`: one per operand, shapes per
device. The comparison is a multiset match after this normalisation (each rule is something
XLA does that moves the same bytes over the same devices):

  N1 combined collectives are split: XLA's all-reduce combiner merges independent all-reduces
     into one tuple-shaped instruction; each operand counts as one collective.
  N2 async pairs count once: `all-reduce-start`/`-done` is one collective (the `-done` is never
     read).
  N3 axes of an all-reduce are a set: XLA's replica groups list the devices in any order;
     all-reduces compare their axes in mesh order. Gathers, scatters and all-to-alls keep
     the order (it decides which device's block goes where).
  N4 an all-reduce moved across a transpose or reshape still matches: when one unmatched
     all-reduce on each side has the same axes, dtype and number of elements (e.g. XLA
     reduces the [out, in] product of a weight gradient before transposing it to [in, out]).

What is left is listed as differences, each classified:

  rs+ag      XLA runs a reduce-scatter and an all-gather where shardlab has one all-reduce (or
             the reverse): the same reduction, split so that the update between runs sharded.
  ar-slice   one side reduce-scatters where the other all-reduces the full value and slices it.
  unmapped   XLA's replica groups do not follow mesh axes.
  unexplained  anything else: a real disagreement, to be explained by hand in the report.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from .hlo import Collective, collective_axes


@dataclass(frozen=True)
class Entry:
    kind: str
    axes: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str

    def __str__(self) -> str:
        shape = "×".join(map(str, self.shape)) or "scalar"
        return f"{self.kind} over {','.join(self.axes) or '-'} of {self.dtype}[{shape}]"

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass
class Difference:
    side: str  # "xla" or "shardlab": where the entries come from
    entries: list[Entry]
    category: str
    explanation: str


@dataclass
class Comparison:
    exact: list[Entry]
    moved: list[tuple[Entry, Entry]]  # (xla, shardlab) pairs matched by N4
    differences: list[Difference]
    xla_count: int
    shardlab_count: int

    @property
    def matches(self) -> bool:
        return not self.differences


def _axes(kind: str, axes: Iterable[str], mesh_names: Sequence[str]) -> tuple[str, ...]:
    axes = tuple(axes)
    return tuple(a for a in mesh_names if a in axes) if kind == "all-reduce" else axes


def xla_entries(cols: Sequence[Collective], mesh_names: Sequence[str], mesh_sizes: Sequence[int]) -> tuple[list[Entry], list[Collective]]:
    """(entries, collectives whose groups do not follow mesh axes). Size-1 groups move nothing
    and are dropped."""
    entries: list[Entry] = []
    unmapped: list[Collective] = []
    for col in cols:
        axes = collective_axes(col, mesh_names, mesh_sizes)
        if axes is None:
            unmapped.append(col)
            continue
        if not axes:
            continue
        for shape, dtype in zip(col.shapes, col.dtypes):
            entries.append(Entry(col.kind, _axes(col.kind, axes, mesh_names), tuple(shape), dtype))
    return entries, unmapped


def shardlab_entries(cols: Sequence[dict[str, Any]], mesh_names: Sequence[str]) -> list[Entry]:
    """Entries from `shardlab partition --json` collectives (`tripCount` executions of one
    collective count once, as XLA prints the loop body once)."""
    return [
        Entry(c["kind"], _axes(c["kind"], c["axes"], mesh_names), tuple(c["shape"]), c["dtype"])
        for c in cols
        if c["kind"] != "slice" and c["axes"]
    ]


def _take(pool: list[Entry], pred: Any) -> Entry | None:
    for i, e in enumerate(pool):
        if pred(e):
            return pool.pop(i)
    return None


def compare(xla: Sequence[Entry], shardlab: Sequence[Entry], unmapped: Sequence[Collective] = ()) -> Comparison:
    common = Counter(xla) & Counter(shardlab)
    exact = sorted(common.elements(), key=str)
    xs = sorted((Counter(xla) - common).elements(), key=str)
    ss = sorted((Counter(shardlab) - common).elements(), key=str)

    moved: list[tuple[Entry, Entry]] = []
    for x in [e for e in xs if e.kind == "all-reduce"]:
        s = _take(ss, lambda s: s.kind == "all-reduce" and (s.axes, s.dtype, s.size) == (x.axes, x.dtype, x.size))
        if s is not None:
            xs.remove(x)
            moved.append((x, s))

    diffs: list[Difference] = []
    _pair_rs_ag(xs, ss, "xla", diffs)
    _pair_rs_ag(ss, xs, "shardlab", diffs)
    _pair_ar_slice(xs, ss, diffs)
    for col in unmapped:
        diffs.append(Difference("xla", [], "unmapped", f"{col.kind} {col.name}: replica groups {col.groups or col.pairs} do not follow mesh axes"))
    for side, rest in (("xla", xs), ("shardlab", ss)):
        for e in rest:
            only = "XLA" if side == "xla" else "shardlab"
            diffs.append(Difference(side, [e], "unexplained", f"only {only} has {e}"))
    return Comparison(exact, moved, diffs, len(xla), len(shardlab))


def _pair_rs_ag(a: list[Entry], b: list[Entry], side: str, diffs: list[Difference]) -> None:
    """Side `a` has reduce-scatter + all-gather over axes A where `b` has one all-reduce."""
    for rs in [e for e in a if e.kind == "reduce-scatter"]:
        ar = next((e for e in b if e.kind == "all-reduce" and set(e.axes) == set(rs.axes) and e.dtype == rs.dtype and e.size > rs.size and e.size % rs.size == 0), None)
        ag = next((e for e in a if e.kind == "all-gather" and set(e.axes) == set(rs.axes) and ar is not None and e.size == ar.size), None)
        if ar is None or ag is None:
            continue
        a.remove(rs)
        a.remove(ag)
        b.remove(ar)
        who, other = ("XLA", "shardlab") if side == "xla" else ("shardlab", "XLA")
        diffs.append(Difference(side, [rs, ag, ar], "rs+ag", f"{who} splits the all-reduce {other} has ({ar}) into {rs} and {ag}: same reduction, the elementwise update between them runs sharded"))


def _pair_ar_slice(xs: list[Entry], ss: list[Entry], diffs: list[Difference]) -> None:
    for a, b, side in ((xs, ss, "xla"), (ss, xs, "shardlab")):
        for rs in [e for e in b if e.kind == "reduce-scatter"]:
            ar = _take(a, lambda e: e.kind == "all-reduce" and set(e.axes) >= set(rs.axes) and e.dtype == rs.dtype and e.size > rs.size and e.size % rs.size == 0)
            if ar is None:
                continue
            b.remove(rs)
            who = "XLA" if side == "xla" else "shardlab"
            diffs.append(Difference(side, [ar, rs], "ar-slice", f"{who} all-reduces the full value ({ar}) and slices it where the other reduce-scatters ({rs})"))
