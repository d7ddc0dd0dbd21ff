import type { ProgramBuilder } from '../builder.ts';
import type { DType } from '../dtype.ts';
import type { Region, Value } from '../program.ts';
import { shapeEqual, type Shape, type TensorType } from '../shape.ts';

/**
 * Small emission helpers shared by the VJP rules: each skips the op when it would be an
 * identity, so rules stay short and the backward pass carries no no-op reshapes.
 */

export function zerosOf(b: ProgramBuilder, t: TensorType): Value {
  return b.constant(0, t.shape, t.dtype);
}

export function scalarOf(b: ProgramBuilder, value: number, dtype: DType): Value {
  return b.constant(value, [], dtype);
}

export function indexConst(b: ProgramBuilder, value: number): Value {
  return b.constant(value, [], 'i32');
}

/** Sum over dims (reduce with add); x itself when dims is empty. */
export function sumOver(b: ProgramBuilder, x: Value, dims: readonly number[]): Value {
  return dims.length ? b.sum(x, dims) : x;
}

export function sumAll(b: ProgramBuilder, x: Value): Value {
  return sumOver(
    b,
    x,
    x.type.shape.map((_, i) => i),
  );
}

export function reshapeTo(b: ProgramBuilder, x: Value, shape: Shape): Value {
  return shapeEqual(x.type.shape, shape) ? x : b.reshape(x, shape);
}

export function convertTo(b: ProgramBuilder, x: Value, dtype: DType): Value {
  return b.convert(x, dtype);
}

/** Elementwise binary op on equal types (no broadcasting sugar: rules know their shapes). */
export function bin(
  b: ProgramBuilder,
  kind: 'add' | 'subtract' | 'multiply' | 'divide' | 'maximum' | 'minimum' | 'power' | 'and',
  x: Value,
  y: Value,
): Value {
  return b.op1(kind, [x, y], {});
}

/** x ⊙ scalar c, with c broadcast to x's shape. */
export function scale(b: ProgramBuilder, x: Value, c: number): Value {
  return b.mul(x, scalarOf(b, c, x.type.dtype));
}

/** Broadcasts a scalar (or same-shaped) value to a type's shape. */
export function broadcastLike(b: ProgramBuilder, x: Value, shape: Shape): Value {
  return shapeEqual(x.type.shape, shape)
    ? x
    : b.broadcastInDim(
        x,
        shape,
        x.type.shape.map((_, i) => i + shape.length - x.type.shape.length),
      );
}

/** The permutation p with p[perm[i]] = i. */
export function permInverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** 0..n-1 without the given dims, in order. */
export function dimsExcept(n: number, drop: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!drop.includes(i)) out.push(i);
  return out;
}

/**
 * Splits dim `src` of x into (groups, n/groups) and merges the `groups` part into dim `dst` as
 * its major part; the rank is unchanged (dim src shrinks by groups, dim dst grows by it). The
 * convolution VJPs use this to move a feature group axis between kernel or batch dims.
 */
export function axisRegroup(
  b: ProgramBuilder,
  x: Value,
  src: number,
  groups: number,
  dst: number,
): Value {
  const s = x.type.shape;
  const split = [...s.slice(0, src), groups, s[src] / groups, ...s.slice(src + 1)];
  const y = b.reshape(x, split);
  // dims of y: the group axis sits at src; every dim of x at or after src moved one up
  const at = (d: number) => (d < src ? d : d + 1);
  const order: number[] = [];
  for (let d = 0; d < s.length; d++) {
    if (d === dst) order.push(src);
    order.push(d === src ? src + 1 : at(d));
  }
  const t = b.transpose(y, order);
  const merged = s.map((n, d) => (d === src ? n / groups : d === dst ? n * groups : n));
  return b.reshape(t, merged);
}

export type CombinerKind = 'add' | 'maximum' | 'minimum' | 'multiply' | 'replace' | 'other';

/** What a scalar combiner region computes: one binary op of its two params, or its second param. */
export function regionCombiner(r: Region | undefined): CombinerKind {
  if (!r || r.params.length !== 2 || r.yields.length !== 1) return 'other';
  const [p0, p1] = r.params;
  if (r.ops.length === 0) return r.yields[0] === p1 ? 'replace' : 'other';
  const op = r.ops[0];
  if (r.ops.length !== 1 || op.results[0] !== r.yields[0] || op.operands.length !== 2)
    return 'other';
  const [a, c] = op.operands;
  if (!((a === p0 && c === p1) || (a === p1 && c === p0))) return 'other';
  return op.kind === 'add' ||
    op.kind === 'maximum' ||
    op.kind === 'minimum' ||
    op.kind === 'multiply'
    ? op.kind
    : 'other';
}
