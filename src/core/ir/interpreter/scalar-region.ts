import { isBinaryKind, type OpAttrs } from '../ops.ts';
import type { Op, Region, ValueId } from '../program.ts';
import { scalarTensor, type EvalContext } from './context.ts';
import { binaryScalarFn, compareFn } from './elementwise.ts';

/**
 * Scalar regions (combiners, selectors, comparators) as plain functions. A region that is one
 * binary op or one compare on its two parameters runs as the same scalar function the
 * elementwise evaluators use, so a big reduction never builds tensors per element; any other
 * region runs through the interpreter, one call per element pair.
 */

type Scalar2 = (a: number, b: number) => number;

/** The region's only op, if the region is exactly `yield op(a, b)` or `yield op(b, a)`. */
function singleOpOn(r: Region, a: ValueId, b: ValueId): { op: Op; swapped: boolean } | undefined {
  if (r.ops.length !== 1 || r.yields.length !== 1) return undefined;
  const op = r.ops[0];
  if (op.results[0] !== r.yields[0] || op.operands.length !== 2) return undefined;
  const [x, y] = op.operands;
  if (x === a && y === b) return { op, swapped: false };
  if (x === b && y === a) return { op, swapped: true };
  return undefined;
}

/** The fast form of a region whose result depends only on params a and b through one op. */
export function fastScalarFn(
  r: Region,
  a: ValueId,
  b: ValueId,
  ctx: EvalContext,
): Scalar2 | undefined {
  const hit = singleOpOn(r, a, b);
  if (!hit) return undefined;
  const { op, swapped } = hit;
  let f: Scalar2 | undefined;
  if (op.kind === 'compare') f = compareFn((op.attrs as OpAttrs['compare']).direction);
  else if (isBinaryKind(op.kind)) f = binaryScalarFn(op.kind, ctx.program.values[a].type.dtype);
  if (!f) return undefined;
  const g = f;
  return swapped ? (x, y) => g(y, x) : g;
}

/** A two-parameter scalar region as (a, b) → yielded scalar. */
export function scalarRegionFn(r: Region, ctx: EvalContext): Scalar2 {
  const [a, b] = r.params;
  const fast = fastScalarFn(r, a, b, ctx);
  if (fast) return fast;
  const ta = ctx.program.values[a].type;
  const tb = ctx.program.values[b].type;
  return (x, y) => ctx.runRegion(r, [scalarTensor(x, ta), scalarTensor(y, tb)])[0].data[0];
}
