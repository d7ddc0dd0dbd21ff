import type { ProgramBuilder } from '../ir/builder.ts';
import type { CollectiveReduction } from '../ir/ops.ts';
import type { Value } from '../ir/program.ts';
import type { Sharding } from '../sharding/sharding.ts';
import type { CollectiveKind } from './collective.ts';

/** A local value together with how it is laid out and, if partial, how its parts combine. */
export interface Placed {
  readonly value: Value;
  readonly sharding: Sharding;
  readonly reduction: CollectiveReduction;
  /** For a reshard that gathered: the phase it was made in (a gathered copy is not kept across phases). */
  readonly gatheredIn?: string;
}

export type EmitHook = (
  kind: CollectiveKind,
  axes: readonly string[],
  result: Value,
  operand: Value,
) => void;

/**
 * Emits the collectives that turn `from` into `to` (the reshard table of DESIGN.md):
 *   drop axes from a dim → all-gather;      move an axis between dims → all-to-all;
 *   partial → replicated → all-reduce;      partial → tiled → reduce-scatter;
 *   add axes to a dim → local slice (free); replicated → partial → keep on rank 0, zero elsewhere;
 *   the same axes in another order → collective permute.
 * Steps run in that order so each works on the layout the previous one left.
 */
export function reshard(b: ProgramBuilder, x: Placed, to: Sharding, emit: EmitHook): Placed {
  const from = x.sharding;
  const cur = from.dims.map((axes, d) => {
    let k = 0;
    while (k < axes.length && k < to.dims[d].length && axes[k] === to.dims[d][k]) k++;
    return axes.slice(0, k);
  });
  let v = x.value;
  const op = (kind: CollectiveKind, next: Value, axes: readonly string[]) => {
    emit(kind, axes, next, v);
    v = next;
  };
  // 0. the same axes split a dim in another order: devices swap chunks (collective permute)
  const have = from.dims.map((axes, d) => {
    const want = to.dims[d];
    if (
      axes.length < 2 ||
      cur[d].length === axes.length ||
      want.length !== axes.length ||
      !axes.every((a) => want.includes(a))
    )
      return axes;
    op('collective-permute', b.op1('collective_permute', [v], { axes, dim: d, to: want }), axes);
    cur[d] = [...want];
    return want;
  });
  // 1. gathers and all-to-alls; an axis moves into a dim only once that dim has nothing left to
  // drop (its layout is then its kept prefix, which the new axis extends on the minor side)
  const pending = have.map((axes, d) => axes.length > cur[d].length);
  have.forEach((axes, d) => {
    const drop = axes.slice(cur[d].length);
    if (drop.length === 0) return;
    const target =
      drop.length === 1
        ? to.dims.findIndex(
            (t, e) => e !== d && !pending[e] && t[cur[e].length] === drop[0] && isPrefix(cur[e], t),
          )
        : -1;
    pending[d] = false;
    if (target >= 0) {
      op(
        'all-to-all',
        b.op1('all_to_all', [v], { axes: drop, splitDim: target, concatDim: d }),
        drop,
      );
      cur[target] = [...cur[target], drop[0]];
    } else {
      op('all-gather', b.op1('all_gather', [v], { axes: drop, dim: d }), drop);
    }
  });
  // 2. partial sums
  const reduceAll: string[] = [];
  for (const a of from.partial) {
    if (to.partial.includes(a)) continue;
    const d = to.dims.findIndex((t, e) => t[cur[e].length] === a && isPrefix(cur[e], t));
    if (d >= 0) {
      op(
        'reduce-scatter',
        b.op1('reduce_scatter', [v], { axes: [a], dim: d, reduction: x.reduction }),
        [a],
      );
      cur[d] = [...cur[d], a];
    } else reduceAll.push(a);
  }
  if (reduceAll.length)
    op(
      'all-reduce',
      b.op1('all_reduce', [v], { axes: reduceAll, reduction: x.reduction }),
      reduceAll,
    );
  // 3. replicated → partial: only rank 0 of the new partial axes keeps the value
  const newPartial = to.partial.filter((a) => !from.partial.includes(a));
  if (newPartial.length) {
    const rank = b.op1('axis_index', [], { axes: newPartial });
    const keep = b.compare(rank, b.constant(0, [], 'i32'), 'EQ');
    const zeros = b.broadcastTo(b.scalarLike(v, 0), v.type.shape);
    v = b.op1('select', [keep, v, zeros], {});
  }
  // 4. local slices
  to.dims.forEach((t, d) => {
    const extra = t.slice(cur[d].length);
    if (extra.length) op('slice', b.op1('shard_slice', [v], { axes: extra, dim: d }), extra);
  });
  return { value: v, sharding: to, reduction: to.partial.length ? x.reduction : 'sum' };
}

function isPrefix(p: readonly string[], full: readonly string[]): boolean {
  return p.length <= full.length && p.every((a, i) => full[i] === a);
}
