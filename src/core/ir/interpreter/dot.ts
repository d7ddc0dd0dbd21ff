import type { HostTensor } from '../host-tensor.ts';
import type { OpAttrs } from '../ops.ts';
import { shapeStrides } from '../shape.ts';
import { allocResult, expectArgCount, type OpEvaluator } from './context.ts';
import { intWrapper } from './dtype-cast.ts';
import { offsetTable, otherDims, pick, product } from './indexing.ts';

/**
 * dot_general: result[b, m, n] = Σ_k lhs[b, m, k] · rhs[b, k, n], where b runs over the batch
 * dims, m over lhs free dims, n over rhs free dims and k over the contracting dims (each group
 * flattened row-major in the order the attributes list it). The result layout is exactly
 * [batch…, lhs free…, rhs free…], so packing lhs as [B, M, K] and rhs as [B, K, N] turns any
 * dot_general into a batch of plain matmuls with a contiguous inner loop.
 */

/** The operand's elements in the order of `groups` (flattened), sharing the buffer when the
 *  operand is already laid out that way. */
function packed(x: HostTensor, groups: readonly (readonly number[])[]): Float64Array {
  const order = groups.flat();
  if (order.every((d, i) => d === i)) return x.data;
  const strides = shapeStrides(x.shape);
  const tables = groups.map((g) => offsetTable(pick(x.shape, g), pick(strides, g)));
  const out = new Float64Array(x.data.length);
  packInto(x.data, tables, out);
  return out;
}

function packInto(src: Float64Array, tables: readonly Int32Array[], out: Float64Array): void {
  const [t0, t1, t2] = tables;
  let o = 0;
  for (let a = 0; a < t0.length; a++) {
    for (let b = 0; b < t1.length; b++) {
      const base = t0[a] + t1[b];
      for (let c = 0; c < t2.length; c++) out[o++] = src[base + t2[c]];
    }
  }
}

/** out[b] (M×N) += A[b] (M×K) · B[b] (K×N) for every batch b; out starts zeroed. */
function batchedMatmul(
  A: Float64Array,
  B: Float64Array,
  out: Float64Array,
  batch: number,
  M: number,
  K: number,
  N: number,
): void {
  for (let b = 0; b < batch; b++) {
    const aBase = b * M * K;
    const bBase = b * K * N;
    const oBase = b * M * N;
    for (let m = 0; m < M; m++) {
      const aRow = aBase + m * K;
      const oRow = oBase + m * N;
      for (let k = 0; k < K; k++) {
        const a = A[aRow + k];
        const bRow = bBase + k * N;
        for (let n = 0; n < N; n++) out[oRow + n] += a * B[bRow + n];
      }
    }
  }
}

export const evalDotGeneral: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 2);
  const [lhs, rhs] = args;
  const d = op.attrs as OpAttrs['dot_general'];
  const lhsFree = otherDims(lhs.shape.length, [...d.lhsBatch, ...d.lhsContract]);
  const rhsFree = otherDims(rhs.shape.length, [...d.rhsBatch, ...d.rhsContract]);
  const B = product(pick(lhs.shape, d.lhsBatch));
  const M = product(pick(lhs.shape, lhsFree));
  const K = product(pick(lhs.shape, d.lhsContract));
  const N = product(pick(rhs.shape, rhsFree));
  const A = packed(lhs, [d.lhsBatch, lhsFree, d.lhsContract]);
  const Bm = packed(rhs, [d.rhsBatch, d.rhsContract, rhsFree]);
  const out = allocResult(op, ctx);
  batchedMatmul(A, Bm, out.data, B, M, K, N);
  const wrap = intWrapper(out.dtype);
  if (wrap) for (let i = 0; i < out.data.length; i++) out.data[i] = wrap(out.data[i]);
  return [out];
};
