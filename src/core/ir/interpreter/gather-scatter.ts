import type { HostTensor } from '../host-tensor.ts';
import type { OpAttrs } from '../ops.ts';
import type { Op } from '../program.ts';
import { shapeStrides } from '../shape.ts';
import { allocResult, expectArgCount, fail, type OpEvaluator } from './context.ts';
import { clampInt, offsetTable, otherDims, pick } from './indexing.ts';
import { scalarRegionFn } from './scalar-region.ts';

/**
 * gather and scatter with StableHLO dimension numbers. The indices tensor holds one start vector
 * per "batch" position: its dims other than index_vector_dim (which may equal its rank, meaning
 * each start vector is a single scalar). Batch positions pair up, in order, with the result's
 * non-offset dims (gather) or the updates' non-window dims (scatter); window dims pair up, in
 * order, with the operand dims that are not collapsed/inserted.
 */

/** Where each batch position's start vector begins in the indices, and its element stride. */
function startVectors(idx: HostTensor, indexVectorDim: number, batchShape: readonly number[]) {
  const strides = shapeStrides(idx.shape);
  const batchDims = otherDims(idx.shape.length, [indexVectorDim]);
  return {
    offsets: offsetTable(batchShape, pick(strides, batchDims)),
    step: indexVectorDim < idx.shape.length ? strides[indexVectorDim] : 0,
  };
}

function checkBatchShape(
  op: Op,
  idx: HostTensor,
  indexVectorDim: number,
  batchShape: readonly number[],
): void {
  const idxBatch = pick(idx.shape, otherDims(idx.shape.length, [indexVectorDim]));
  if (idxBatch.length !== batchShape.length || idxBatch.some((n, i) => n !== batchShape[i]))
    fail(op, `indices batch shape [${idxBatch}] does not match [${batchShape}]`);
}

/** Start indices are clamped so the whole slice fits, as StableHLO's gather does. */
export const evalGather: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 2);
  const [x, idx] = args;
  const g = op.attrs as OpAttrs['gather'];
  const out = allocResult(op, ctx);
  const xs = shapeStrides(x.shape);
  const os = shapeStrides(out.shape);
  const outBatchDims = otherDims(out.shape.length, g.offsetDims);
  const batchShape = pick(out.shape, outBatchDims);
  checkBatchShape(op, idx, g.indexVectorDim, batchShape);
  const starts = startVectors(idx, g.indexVectorDim, batchShape);
  const outBatch = offsetTable(batchShape, pick(os, outBatchDims));
  const windowDims = otherDims(x.shape.length, g.collapsedSliceDims);
  const windowShape = pick(g.sliceSizes, windowDims);
  const srcWin = offsetTable(windowShape, pick(xs, windowDims));
  const dstWin = offsetTable(windowShape, pick(os, g.offsetDims));
  const I = idx.data;
  const X = x.data;
  const O = out.data;
  for (let b = 0; b < outBatch.length; b++) {
    let base = 0;
    g.startIndexMap.forEach((d, k) => {
      const s = Math.trunc(I[starts.offsets[b] + k * starts.step]);
      base += clampInt(s, 0, x.shape[d] - g.sliceSizes[d]) * xs[d];
    });
    const dst = outBatch[b];
    for (let j = 0; j < srcWin.length; j++) O[dst + dstWin[j]] = X[base + srcWin[j]];
  }
  return [out];
};

/**
 * Scatter folds each update into a copy of the operand with the region, in row-major order of
 * the updates (so duplicate indices accumulate). An update window that does not fit entirely
 * inside the operand is skipped whole, as XLA does.
 */
export const evalScatter: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 3);
  const [x, idx, upd] = args;
  const s = op.attrs as OpAttrs['scatter'];
  const f = scalarRegionFn(op.regions[0], ctx);
  const out = allocResult(op, ctx);
  out.data.set(x.data);
  const xs = shapeStrides(x.shape);
  const us = shapeStrides(upd.shape);
  const updBatchDims = otherDims(upd.shape.length, s.updateWindowDims);
  const batchShape = pick(upd.shape, updBatchDims);
  checkBatchShape(op, idx, s.indexVectorDim, batchShape);
  const starts = startVectors(idx, s.indexVectorDim, batchShape);
  const updBatch = offsetTable(batchShape, pick(us, updBatchDims));
  const windowDims = otherDims(x.shape.length, s.insertedWindowDims);
  const windowShape = pick(upd.shape, s.updateWindowDims);
  const windowSize = x.shape.map(() => 1);
  windowDims.forEach((d, k) => (windowSize[d] = windowShape[k]));
  const srcWin = offsetTable(windowShape, pick(us, s.updateWindowDims));
  const dstWin = offsetTable(windowShape, pick(xs, windowDims));
  const I = idx.data;
  const U = upd.data;
  const O = out.data;
  const start = new Array<number>(x.shape.length);
  for (let b = 0; b < updBatch.length; b++) {
    start.fill(0);
    s.scatterDimsToOperandDims.forEach(
      (d, k) => (start[d] = Math.trunc(I[starts.offsets[b] + k * starts.step])),
    );
    if (start.some((v, d) => v < 0 || v > x.shape[d] - windowSize[d])) continue;
    const base = start.reduce((acc, v, d) => acc + v * xs[d], 0);
    const src = updBatch[b];
    for (let j = 0; j < srcWin.length; j++) {
      const o = base + dstWin[j];
      O[o] = f(O[o], U[src + srcWin[j]]);
    }
  }
  return [out];
};
