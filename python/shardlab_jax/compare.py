"""Compare the collectives XLA compiled with the collectives shardlab's lowering predicts.

Both sides become flat lists of `Entry(kind, axes, shape, dtype)`: one per operand, shapes per
device. The comparison is a multiset match after this normalisation (each rule is something
XLA does that moves the same bytes over the same devices):

  N1 combined collectives are split: XLA's all-reduce combiner merges independent all-reduces
     into one tuple-shaped instruction; each operand counts as one collective. A tuple-form
     all-to-all (no `dimensions`: operand i goes to the i-th device of the group) is one
     all-to-all of the operands concatenated along their first dim.
  N2 async pairs count once: `all-reduce-start`/`-done` is one collective (the `-done` is never
     read).
  N3 axes of an all-reduce are a set: XLA's replica groups list the devices in any order;
     all-reduces compare their axes in mesh order. Gathers, scatters and all-to-alls keep
     the order (it decides which device's block goes where).
  N4 an all-reduce moved across a transpose or reshape still matches: when one unmatched
     all-reduce on each side has the same axes, dtype and number of elements (e.g. XLA
     reduces the [out, in] product of a weight gradient before transposing it to [in, out]).
  N5 a sum of partial sums may be reduced once or term by term: an extra all-reduce on one
     side, identical (kind, axes, shape, dtype) to one that matched, counts as matched. XLA
     all-reduces each contribution to a value used twice (the tied embedding's lookup and
     output projection; the input of Q, K and V under Megatron) and then adds them; shardlab
     adds the partial sums and reduces once.

What is left is listed as differences, each classified:

  ar-slice   one side reduce-scatters where the other all-reduces the whole value and keeps
             a slice (XLA:CPU has no reduce-scatter creation pass): same result, twice the bytes.
  slice-first  both all-reduce over the same axes, one side the whole value, the other a
             1/k slice of it (it sliced over other axes before reducing): same result.
  repeat     one side runs a gather/scatter/all-to-all once more, identical to one that
             matched (e.g. a parameter gathered again for the backward pass instead of kept).
  unmapped   XLA's replica groups do not follow mesh axes.
  other      anything else: two different plans, or a bug; each case of the conformance report
             explains its differences by hand.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
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
    split: list[tuple[str, Entry]] = field(default_factory=list)  # (side with the extra one, entry), N5

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
        axes = _axes(col.kind, axes, mesh_names)
        if col.kind == "all-to-all" and len(col.shapes) > 1 and not col.dimensions:
            # tuple form: operand i goes to the i-th device of the group, so the operands are
            # the blocks of one all-to-all over their concatenation (not combined collectives)
            first, rest = sum(s[0] for s in col.shapes), col.shapes[0][1:]
            entries.append(Entry(col.kind, axes, (first, *rest), col.dtypes[0]))
            continue
        for shape, dtype in zip(col.shapes, col.dtypes):
            entries.append(Entry(col.kind, axes, tuple(shape), dtype))
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


def compare(
    xla: Sequence[Entry],
    shardlab: Sequence[Entry],
    unmapped: Sequence[Collective] = (),
    axis_sizes: dict[str, int] | None = None,
) -> Comparison:
    """Match the two multisets; `axis_sizes` (mesh axis → size) lets the classifier pair a
    reduce-scatter with the all-reduce it equals (whole size = shard size × group size)."""
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

    # N5: an all-reduce one side runs once more than the other, identical to one that matched
    split: list[tuple[str, Entry]] = []
    matched = set(exact) | {x for x, _ in moved} | {s for _, s in moved}
    for side, pool in (("xla", xs), ("shardlab", ss)):
        for e in [e for e in pool if e.kind == "all-reduce" and e in matched]:
            pool.remove(e)
            split.append((side, e))

    sizes = axis_sizes or {}
    diffs: list[Difference] = []
    _pair_ar_slice(xs, ss, sizes, diffs)
    _pair_slice_first(xs, ss, diffs)
    for col in unmapped:
        diffs.append(Difference("xla", [], "unmapped", f"{col.kind} {col.name}: replica groups {col.groups or col.pairs} do not follow mesh axes"))
    for side, rest in (("xla", xs), ("shardlab", ss)):
        who = "XLA" if side == "xla" else "shardlab"
        for e in rest:
            if e in matched:
                diffs.append(Difference(side, [e], "repeat", f"{who} runs {e} once more (the same collective as a matched one, e.g. a parameter gathered again for the backward pass)"))
            else:
                diffs.append(Difference(side, [e], "other", f"only {who} has {e}"))
    return Comparison(exact, moved, diffs, len(xla), len(shardlab), split)


def _group(axes: Iterable[str], sizes: dict[str, int]) -> int | None:
    try:
        return math.prod(sizes[a] for a in axes)
    except KeyError:
        return None


def _reduces_to(ar: Entry, rs: Entry, sizes: dict[str, int]) -> bool:
    """`rs` is `ar`'s reduce-scatter: same axes and dtype, a 1/group-size share of it."""
    n = _group(rs.axes, sizes)
    return (
        ar.kind == "all-reduce"
        and set(ar.axes) == set(rs.axes)
        and ar.dtype == rs.dtype
        and (ar.size == rs.size * n if n else ar.size > rs.size and ar.size % rs.size == 0)
    )


def _pair_ar_slice(xs: list[Entry], ss: list[Entry], sizes: dict[str, int], diffs: list[Difference]) -> None:
    """One side reduce-scatters where the other all-reduces the whole value (and slices it)."""
    for a, b, side in ((xs, ss, "xla"), (ss, xs, "shardlab")):
        for rs in [e for e in b if e.kind == "reduce-scatter"]:
            ar = _take(a, lambda e: _reduces_to(e, rs, sizes))
            if ar is None:
                continue
            b.remove(rs)
            who, other = ("XLA", "shardlab") if side == "xla" else ("shardlab", "XLA")
            diffs.append(Difference(side, [ar, rs], "ar-slice", f"{who} all-reduces the whole value ({ar}) and keeps a slice where {other} reduce-scatters ({rs}): same result, {who} moves about twice the bytes"))


def _pair_slice_first(xs: list[Entry], ss: list[Entry], diffs: list[Difference]) -> None:
    """Both sides all-reduce over the same axes, one the whole value, the other a 1/k slice of
    it: the second sliced the value (over other axes) before reducing."""
    for a, b, side in ((xs, ss, "xla"), (ss, xs, "shardlab")):
        for whole in [e for e in a if e.kind == "all-reduce"]:
            part = next((e for e in b if e.kind == "all-reduce" and (e.axes, e.dtype) == (whole.axes, whole.dtype) and e.size < whole.size and whole.size % e.size == 0), None)
            if part is None or whole not in a:
                continue
            a.remove(whole)
            b.remove(part)
            who, other = ("XLA", "shardlab") if side == "xla" else ("shardlab", "XLA")
            diffs.append(Difference(side, [whole, part], "slice-first", f"{who} all-reduces the whole value ({whole}) and slices it afterwards; {other} slices first and reduces only its part ({part})"))

