import type { OpAttrs, OpKind } from '../ops.ts';
import type { Value } from '../program.ts';
import {
  bin,
  broadcastLike,
  dimsExcept,
  permInverse,
  reshapeTo,
  scalarOf,
  scale,
  sumAll,
  sumOver,
  zerosOf,
} from './emit.ts';
import { callVjp, caseVjp, whileVjp } from './vjp-control.ts';
import { convolutionVjp } from './vjp-convolution.ts';
import { dotGeneralVjp } from './vjp-dot.ts';
import { gatherVjp, scatterVjp, sortVjp } from './vjp-indexing.ts';
import { reduceVjp, reduceWindowVjp } from './vjp-reduce.ts';
import { UNSUPPORTED_KINDS, type DifferentiableKind, type UnsupportedKind } from './kinds.ts';
import { vjpError, type VjpContext, type VjpRule } from './vjp-rule.ts';

/**
 * The VJP registry: one vector-Jacobian rule per differentiable op kind, in alphabetical order
 * (keep it so). A rule maps the cotangents of an op's results to cotangents of its operands.
 * Kinds whose outputs are piecewise constant or not real-valued are listed in
 * NON_DIFFERENTIABLE_KINDS (their results never carry cotangents); kinds that cannot be
 * differentiated at all are in UNSUPPORTED_KINDS and fail with an IRError naming the op. Both
 * lists live in kinds.ts (the analysis needs them without the rules) and are re-exported here;
 * the types force every kind of ops.ts into exactly one of the three.
 */

export { NON_DIFFERENTIABLE_KINDS, UNSUPPORTED_KINDS, isNonDifferentiableKind } from './kinds.ts';
export type { DifferentiableKind, NonDifferentiableKind, UnsupportedKind } from './kinds.ts';

// ---- helpers ----------------------------------------------------------------

/** The single cotangent of a one-result op (the sweep only calls a rule when it exists). */
function ct(cx: VjpContext): Value {
  return cx.cts[0]!;
}

/** Emits the cotangent of operand i only when it is wanted. */
function want(cx: VjpContext, i: number, fn: () => Value): Value | undefined {
  return cx.wants[i] ? fn() : undefined;
}

/** g ⊙ f(x) for a unary op. */
function unary(fn: (cx: VjpContext, x: Value) => Value): VjpRule {
  return (cx) => [cx.b.mul(ct(cx), fn(cx, cx.x(0)))];
}

function attrs<K extends OpKind>(cx: VjpContext, _kind: K): OpAttrs[K] {
  return cx.op.attrs as OpAttrs[K];
}

/**
 * maximum/minimum: the cotangent goes to the operand that won; on a tie it is split half and
 * half (as JAX does), so the rule is symmetric and finite differences agree away from ties.
 */
function chooserVjp(winner: 'GT' | 'LT'): VjpRule {
  return (cx) => {
    const { b } = cx;
    const g = ct(cx);
    const [a, c] = [cx.x(0), cx.x(1)];
    const zero = zerosOf(b, g.type);
    const half = scale(b, g, 0.5);
    const tie = b.compare(a, c, 'EQ');
    const share = (won: Value) => b.select(won, g, b.select(tie, half, zero));
    return [
      want(cx, 0, () => share(b.compare(a, c, winner))),
      want(cx, 1, () => share(b.compare(c, a, winner))),
    ];
  };
}

/** clamp(lo, x, hi): x gets g strictly inside (lo, hi); lo below, hi above; scalar bounds sum. */
const clampVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  const x = cx.x(1);
  const lo = broadcastLike(b, cx.x(0), x.type.shape);
  const hi = broadcastLike(b, cx.x(2), x.type.shape);
  const zero = zerosOf(b, g.type);
  const bound = (i: number, pick: Value) => {
    const full = b.select(pick, g, zero);
    return cx.x(i).type.shape.length === 0 && x.type.shape.length > 0 ? sumAll(b, full) : full;
  };
  return [
    want(cx, 0, () => bound(0, b.compare(x, lo, 'LT'))),
    want(cx, 1, () =>
      b.select(b.op1('and', [b.compare(x, lo, 'GE'), b.compare(x, hi, 'LE')], {}), g, zero),
    ),
    want(cx, 2, () => bound(2, b.compare(x, hi, 'GT'))),
  ];
};

/** broadcast_in_dim: sum over the new dims and the expanded size-1 dims, then undo any reorder. */
const broadcastInDimVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  const { shape, dims } = attrs(cx, 'broadcast_in_dim');
  const xs = cx.xType(0).shape;
  const kept = xs.flatMap((n, i) => (n === shape[dims[i]] ? [i] : []));
  const keptOut = new Set(kept.map((i) => dims[i]));
  const summed = sumOver(b, g, dimsExcept(shape.length, [...keptOut]));
  // after the reduction the kept operand dims appear in increasing order of where they landed
  const byLanding = [...kept].sort((p, q) => dims[p] - dims[q]);
  const perm = kept.map((i) => byLanding.indexOf(i));
  return [reshapeTo(b, b.transpose(summed, perm), xs)];
};

/** concatenate: each operand gets its slice of g. */
const concatenateVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  const { dimension } = attrs(cx, 'concatenate');
  let at = 0;
  return cx.op.operands.map((_, i) => {
    const n = cx.xType(i).shape[dimension];
    const start = at;
    at += n;
    return want(cx, i, () =>
      b.slice(
        g,
        g.type.shape.map((_, d) => (d === dimension ? start : 0)),
        g.type.shape.map((s, d) => (d === dimension ? start + n : s)),
      ),
    );
  });
};

/** dynamic_slice: g lands in zeros at the same (clamped) start. */
const dynamicSliceVjp: VjpRule = (cx) => {
  const { b } = cx;
  const starts = cx.op.operands.slice(1).map((_, i) => cx.x(i + 1));
  return [
    want(cx, 0, () =>
      b.op1('dynamic_update_slice', [zerosOf(b, cx.xType(0)), ct(cx), ...starts], {}),
    ),
  ];
};

/** dynamic_update_slice: the operand gets g with the window zeroed; the update gets the window. */
const dynamicUpdateSliceVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  const u = cx.xType(1);
  const starts = cx.op.operands.slice(2).map((_, i) => cx.x(i + 2));
  return [
    want(cx, 0, () => b.op1('dynamic_update_slice', [g, zerosOf(b, u), ...starts], {})),
    want(cx, 1, () => b.op1('dynamic_slice', [g, ...starts], { sliceSizes: [...u.shape] })),
  ];
};

/**
 * pad: the operand's cotangent is the un-padded, un-dilated part of g. Negative padding
 * cropped the operand, so g is first padded back with zeros there (pad by −low/−high), then a
 * strided slice skips the interior padding (as JAX's transpose does).
 */
const padVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  const { low, high, interior } = attrs(cx, 'pad');
  const operandCt = () => {
    const n = cx.xType(0).shape;
    if (low.every((l) => l >= 0) && high.every((h) => h >= 0))
      return b.slice(
        g,
        [...low],
        n.map((s, i) => low[i] + (s === 0 ? 0 : (s - 1) * (interior[i] + 1) + 1)),
        interior.map((k) => k + 1),
      );
    const unpadded = b.op1('pad', [g, scalarOf(b, 0, g.type.dtype)], {
      low: low.map((l) => -l),
      high: high.map((h) => -h),
      interior: low.map(() => 0),
    });
    return b.slice(
      unpadded,
      n.map(() => 0),
      [...unpadded.type.shape],
      interior.map((k) => k + 1),
    );
  };
  const xCt = cx.wants[0] || cx.wants[1] ? operandCt() : undefined;
  return [cx.wants[0] ? xCt : undefined, want(cx, 1, () => b.sub(sumAll(b, g), sumAll(b, xCt!)))];
};

/** power(a, c) = a^c: d/da = c·a^(c−1) (0 where c = 0), d/dc = y·log(a) (0 where a = 0). */
const powerVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  const [a, c] = [cx.x(0), cx.x(1)];
  const zero = zerosOf(b, g.type);
  return [
    want(cx, 0, () => {
      const d = bin(b, 'multiply', c, bin(b, 'power', a, b.sub(c, scalarOf(b, 1, c.type.dtype))));
      return b.mul(g, b.select(b.compare(c, zero, 'EQ'), zero, d));
    }),
    want(cx, 1, () => {
      const isZero = b.compare(a, zero, 'EQ');
      const safeA = b.select(isZero, b.constant(1, a.type.shape, a.type.dtype), a);
      return b.mul(g, b.select(isZero, zero, b.mul(cx.y(0), b.log(safeA))));
    }),
  ];
};

/** remainder(a, c) = a − c·trunc(a/c): d/da = 1, d/dc = −trunc(a/c). */
const remainderVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  return [
    want(cx, 0, () => g),
    want(cx, 1, () => {
      const q = b.div(cx.x(0), cx.x(1));
      const trunc = b.mul(b.unary('sign', q), b.unary('floor', b.unary('abs', q)));
      return b.neg(b.mul(g, trunc));
    }),
  ];
};

/** select(p, a, c): p (scalar or elementwise) gets no cotangent; a gets g where p, c where not. */
const selectVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  const p = cx.x(0);
  const zero = zerosOf(b, g.type);
  return [
    undefined,
    want(cx, 1, () => b.op1('select', [p, g, zero], {})),
    want(cx, 2, () => b.op1('select', [p, zero, g], {})),
  ];
};

/** slice: g lands back in zeros at stride positions (pad with interior padding). */
const sliceVjp: VjpRule = (cx) => {
  const { b } = cx;
  const g = ct(cx);
  const x = cx.xType(0);
  const { start, strides } = attrs(cx, 'slice');
  if (g.type.shape.some((n) => n === 0)) return [zerosOf(b, x)];
  const high = x.shape.map((n, i) => n - (start[i] + (g.type.shape[i] - 1) * strides[i] + 1));
  return [
    b.op1('pad', [g, scalarOf(b, 0, g.type.dtype)], {
      low: [...start],
      high,
      interior: strides.map((s) => s - 1),
    }),
  ];
};

// ---- the registry, alphabetical --------------------------------------------

export const VJP_RULES: Readonly<Record<DifferentiableKind, VjpRule>> = {
  abs: unary((cx, x) => cx.b.unary('sign', x)),
  add: (cx) => [want(cx, 0, () => ct(cx)), want(cx, 1, () => ct(cx))],
  atan2: (cx) => {
    // atan2(a, c): d/da = c/(a²+c²), d/dc = −a/(a²+c²)
    const { b } = cx;
    const [a, c] = [cx.x(0), cx.x(1)];
    const over = b.div(ct(cx), b.add(b.mul(a, a), b.mul(c, c)));
    return [want(cx, 0, () => b.mul(over, c)), want(cx, 1, () => b.neg(b.mul(over, a)))];
  },
  broadcast_in_dim: broadcastInDimVjp,
  call: callVjp,
  case: caseVjp,
  clamp: clampVjp,
  concatenate: concatenateVjp,
  convert: (cx) => [want(cx, 0, () => cx.b.convert(ct(cx), cx.xType(0).dtype))],
  convolution: convolutionVjp,
  cosine: (cx) => [cx.b.neg(cx.b.mul(ct(cx), cx.b.unary('sine', cx.x(0))))],
  divide: (cx) => {
    // y = a/c: d/da = 1/c, d/dc = −y/c
    const { b } = cx;
    const c = cx.x(1);
    return [
      want(cx, 0, () => b.div(ct(cx), c)),
      want(cx, 1, () => b.neg(b.div(b.mul(ct(cx), cx.y(0)), c))),
    ];
  },
  dot_general: dotGeneralVjp,
  dynamic_slice: dynamicSliceVjp,
  dynamic_update_slice: dynamicUpdateSliceVjp,
  erf: unary((cx, x) => scale(cx.b, cx.b.exp(cx.b.neg(cx.b.mul(x, x))), 2 / Math.sqrt(Math.PI))),
  exponential: (cx) => [cx.b.mul(ct(cx), cx.y(0))],
  exponential_minus_one: (cx) => [cx.b.mul(ct(cx), cx.b.add(cx.y(0), 1))],
  gather: gatherVjp,
  log: (cx) => [cx.b.div(ct(cx), cx.x(0))],
  log_plus_one: (cx) => [cx.b.div(ct(cx), cx.b.add(cx.x(0), 1))],
  logistic: (cx) => {
    const y = cx.y(0);
    return [cx.b.mul(ct(cx), cx.b.mul(y, cx.b.sub(1, y)))];
  },
  maximum: chooserVjp('GT'),
  minimum: chooserVjp('LT'),
  multiply: (cx) => [
    want(cx, 0, () => cx.b.mul(ct(cx), cx.x(1))),
    want(cx, 1, () => cx.b.mul(ct(cx), cx.x(0))),
  ],
  negate: (cx) => [cx.b.neg(ct(cx))],
  pad: padVjp,
  power: powerVjp,
  reduce: reduceVjp,
  reduce_window: reduceWindowVjp,
  remainder: remainderVjp,
  reshape: (cx) => [cx.b.reshape(ct(cx), cx.xType(0).shape)],
  reverse: (cx) => [cx.b.op1('reverse', [ct(cx)], { dims: [...attrs(cx, 'reverse').dims] })],
  rsqrt: (cx) => [cx.b.mul(ct(cx), scale(cx.b, cx.b.div(cx.y(0), cx.x(0)), -0.5))],
  scatter: scatterVjp,
  select: selectVjp,
  sine: unary((cx, x) => cx.b.unary('cosine', x)),
  slice: sliceVjp,
  sort: sortVjp,
  sqrt: (cx) => [cx.b.div(ct(cx), scale(cx.b, cx.y(0), 2))],
  subtract: (cx) => [want(cx, 0, () => ct(cx)), want(cx, 1, () => cx.b.neg(ct(cx)))],
  tanh: (cx) => {
    const y = cx.y(0);
    return [cx.b.mul(ct(cx), cx.b.sub(1, cx.b.mul(y, y)))];
  },
  transpose: (cx) => [cx.b.transpose(ct(cx), permInverse(attrs(cx, 'transpose').permutation))],
  while: whileVjp,
};

/** The rule for a kind, or an IRError naming the op when the kind has none. */
export function vjpRuleOf(cx: Pick<VjpContext, 'op'>): VjpRule {
  const kind = cx.op.kind;
  if (kind in UNSUPPORTED_KINDS) throw vjpError(cx.op, UNSUPPORTED_KINDS[kind as UnsupportedKind]);
  const rule = (VJP_RULES as Readonly<Record<string, VjpRule>>)[kind];
  if (!rule) throw vjpError(cx.op, `kind '${kind}' has no VJP rule`);
  return rule;
}
