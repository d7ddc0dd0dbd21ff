import type { OpAttrs } from '../ops.ts';
import { shapeStrides } from '../shape.ts';
import { allocResult, expectArgCount, type OpEvaluator } from './context.ts';
import { intWrapper } from './dtype-cast.ts';
import { offsetTable, pick } from './indexing.ts';
import { windowOffsets } from './window.ts';

/**
 * convolution with StableHLO's full dimension numbers: a sliding window (window.ts) over the
 * spatial dims with lhs dilation as base dilation and rhs dilation as window dilation, where
 * padding and holes read zero. feature_group_count G splits input features and output
 * features into G contiguous groups that pair up; batch_group_count splits the batch and the
 * output features the same way (the output batch is batch / batch_group_count).
 */

export const evalConvolution: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 2);
  const [x, w] = args;
  const c = op.attrs as OpAttrs['convolution'];
  const out = allocResult(op, ctx);
  const xs = shapeStrides(x.shape);
  const ws = shapeStrides(w.shape);
  const os = shapeStrides(out.shape);
  const outSp = pick(out.shape, c.outputSpatialDims);
  const kSp = pick(w.shape, c.kernelSpatialDims);
  const taps = windowOffsets({
    outSizes: outSp,
    windowSizes: kSp,
    inSizes: pick(x.shape, c.inputSpatialDims),
    inStrides: pick(xs, c.inputSpatialDims),
    strides: c.windowStrides,
    padLow: c.padding.map((p) => p[0]),
    baseDilations: c.lhsDilation,
    windowDilations: c.rhsDilation,
  });
  const wTap = offsetTable(kSp, pick(ws, c.kernelSpatialDims));
  const oPos = offsetTable(outSp, pick(os, c.outputSpatialDims));
  const nY = oPos.length;
  const nK = wTap.length;
  const outBatch = out.shape[c.outputBatchDim];
  const O = w.shape[c.kernelOutputFeatureDim];
  const Cg = w.shape[c.kernelInputFeatureDim];
  const perFeatureGroup = O / c.featureGroupCount;
  const perBatchGroup = O / c.batchGroupCount;
  const X = x.data;
  const W = w.data;
  const Out = out.data;
  for (let ob = 0; ob < outBatch; ob++) {
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / perFeatureGroup);
      const ib = Math.floor(o / perBatchGroup) * outBatch + ob;
      const xBase = ib * xs[c.inputBatchDim] + g * Cg * xs[c.inputFeatureDim];
      const wBase = o * ws[c.kernelOutputFeatureDim];
      const oBase = ob * os[c.outputBatchDim] + o * os[c.outputFeatureDim];
      for (let y = 0; y < nY; y++) {
        const row = y * nK;
        let sum = 0;
        for (let ci = 0; ci < Cg; ci++) {
          const xc = xBase + ci * xs[c.inputFeatureDim];
          const wc = wBase + ci * ws[c.kernelInputFeatureDim];
          for (let k = 0; k < nK; k++) {
            const t = taps[row + k];
            if (t >= 0) sum += X[xc + t] * W[wc + wTap[k]];
          }
        }
        Out[oBase + oPos[y]] = sum;
      }
    }
  }
  const wrap = intWrapper(out.dtype);
  if (wrap) for (let i = 0; i < Out.length; i++) Out[i] = wrap(Out[i]);
  return [out];
};
