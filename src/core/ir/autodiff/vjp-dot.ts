import type { ProgramBuilder } from '../builder.ts';
import type { OpAttrs } from '../ops.ts';
import type { Value } from '../program.ts';
import { dimsExcept, permInverse } from './emit.ts';
import type { VjpRule } from './vjp-rule.ts';

/**
 * dot_general with any batch and contracting dims. The result is laid out
 * [batch…, lhs free…, rhs free…]; the cotangent of one operand contracts g with the *other*
 * operand over the other's free dims (batching the batch dims). The lhs cotangent puts g
 * first and the rhs cotangent puts the other operand first, so a plain matmul needs no
 * transpose (dx = g·wᵀ as [B, in], dw = xᵀ·g as [in, out]); in general a transpose puts the
 * dims back where the operand had them.
 */
export const dotGeneralVjp: VjpRule = (cx) => {
  const { b } = cx;
  const a = cx.op.attrs as OpAttrs['dot_general'];
  const lhs = cx.x(0);
  const rhs = cx.x(1);
  const g = cx.cts[0]!;
  const nb = a.lhsBatch.length;
  const lFree = dimsExcept(lhs.type.shape.length, [...a.lhsBatch, ...a.lhsContract]);
  const rFree = dimsExcept(rhs.type.shape.length, [...a.rhsBatch, ...a.rhsContract]);
  const gBatch = a.lhsBatch.map((_, i) => i);
  const gL = lFree.map((_, i) => nb + i);
  const gR = rFree.map((_, i) => nb + lFree.length + i);
  return [
    cx.wants[0]
      ? operandCt(b, g, rhs, lhs, true, {
          gBatch,
          otherBatch: a.rhsBatch,
          gOtherFree: gR,
          otherFree: rFree,
          ownBatch: a.lhsBatch,
          ownFree: lFree,
          ownContract: a.lhsContract,
          otherContract: a.rhsContract,
        })
      : undefined,
    cx.wants[1]
      ? operandCt(b, g, lhs, rhs, false, {
          gBatch,
          otherBatch: a.lhsBatch,
          gOtherFree: gL,
          otherFree: lFree,
          ownBatch: a.rhsBatch,
          ownFree: rFree,
          ownContract: a.rhsContract,
          otherContract: a.lhsContract,
        })
      : undefined,
  ];
};

interface DotSides {
  /** g's batch dims and the other operand's batch dims, paired. */
  readonly gBatch: readonly number[];
  readonly otherBatch: readonly number[];
  /** g's dims that came from the other operand's free dims, and those free dims, paired. */
  readonly gOtherFree: readonly number[];
  readonly otherFree: readonly number[];
  /** The wanted operand's batch, free and contracting dims, and the other's contracting dims (paired with ownContract). */
  readonly ownBatch: readonly number[];
  readonly ownFree: readonly number[];
  readonly ownContract: readonly number[];
  readonly otherContract: readonly number[];
}

function operandCt(
  b: ProgramBuilder,
  g: Value,
  other: Value,
  own: Value,
  gFirst: boolean,
  s: DotSides,
): Value {
  const gIn = b.convert(g, other.type.dtype);
  const gSide = { batch: [...s.gBatch], contract: [...s.gOtherFree] };
  const otherSide = { batch: [...s.otherBatch], contract: [...s.otherFree] };
  const [l, r] = gFirst ? [gSide, otherSide] : [otherSide, gSide];
  const res = b.dotGeneral(gFirst ? gIn : other, gFirst ? other : gIn, {
    lhsBatch: l.batch,
    rhsBatch: r.batch,
    lhsContract: l.contract,
    rhsContract: r.contract,
  });
  // what is left of the other operand after contracting its free dims is its contracting
  // dims, in increasing order, each paired with one of ours; what is left of g is our free dims
  const otherRest = [...s.otherContract]
    .sort((p, q) => p - q)
    .map((d) => s.ownContract[s.otherContract.indexOf(d)]);
  const ownOfRes = gFirst
    ? [...s.ownBatch, ...s.ownFree, ...otherRest]
    : [...s.ownBatch, ...otherRest, ...s.ownFree];
  return b.convert(b.transpose(res, permInverse(ownOfRes)), own.type.dtype);
}
