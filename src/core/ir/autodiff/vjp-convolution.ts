import type { ConvolutionAttrs, Padding } from '../ops.ts';
import type { Value } from '../program.ts';
import { axisRegroup } from './emit.ts';
import { vjpError, type VjpRule } from './vjp-rule.ts';

/**
 * convolution, following XLA's (and JAX's) transposes:
 * - input gradient: a convolution of g with the spatially reversed kernel, kernel in/out
 *   features swapped, lhs dilation = the forward strides, strides = the forward lhs dilation.
 *   With feature groups the kernel's output-feature groups move into its input-feature dim;
 *   with batch groups the same, and the result's feature groups move back into the batch.
 * - kernel gradient: a convolution of the input (batch and feature dims swapped) with g as the
 *   kernel, rhs dilation = the forward strides, strides = the forward rhs dilation; feature
 *   groups become batch groups and batch groups become feature groups.
 * Both group counts > 1 at once is not a valid StableHLO convolution and is refused.
 */
export const convolutionVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const c = op.attrs as ConvolutionAttrs;
  if (c.featureGroupCount > 1 && c.batchGroupCount > 1)
    throw vjpError(
      op,
      `feature_group_count ${c.featureGroupCount} and batch_group_count ${c.batchGroupCount} are both > 1`,
    );
  const x = cx.x(0);
  const w = cx.x(1);
  const g = b.convert(cx.cts[0]!, x.type.dtype);
  const spatial = (t: Value, dims: readonly number[]) => dims.map((d) => t.type.shape[d]);
  const xSp = spatial(x, c.inputSpatialDims);
  const wSp = spatial(w, c.kernelSpatialDims);
  const gSp = spatial(g, c.outputSpatialDims);
  const input = () => {
    const groups = Math.max(c.featureGroupCount, c.batchGroupCount);
    const regrouped =
      groups > 1 ? axisRegroup(b, w, c.kernelOutputFeatureDim, groups, c.kernelInputFeatureDim) : w;
    const reversed = b.op1('reverse', [regrouped], { dims: [...c.kernelSpatialDims] });
    const dx = b.op1('convolution', [g, reversed], {
      inputBatchDim: c.outputBatchDim,
      inputFeatureDim: c.outputFeatureDim,
      inputSpatialDims: [...c.outputSpatialDims],
      kernelInputFeatureDim: c.kernelOutputFeatureDim,
      kernelOutputFeatureDim: c.kernelInputFeatureDim,
      kernelSpatialDims: [...c.kernelSpatialDims],
      outputBatchDim: c.inputBatchDim,
      outputFeatureDim: c.inputFeatureDim,
      outputSpatialDims: [...c.inputSpatialDims],
      windowStrides: [...c.lhsDilation],
      padding: lhsGradPadding(
        xSp,
        wSp,
        c.windowStrides,
        gSp,
        c.padding,
        c.lhsDilation,
        c.rhsDilation,
      ),
      lhsDilation: [...c.windowStrides],
      rhsDilation: [...c.rhsDilation],
      featureGroupCount: groups,
      batchGroupCount: 1,
    });
    const back =
      c.batchGroupCount > 1
        ? axisRegroup(b, dx, c.inputFeatureDim, c.batchGroupCount, c.inputBatchDim)
        : dx;
    return b.convert(back, x.type.dtype);
  };
  const kernel = () => {
    const dw = b.op1('convolution', [x, g], {
      inputBatchDim: c.inputFeatureDim,
      inputFeatureDim: c.inputBatchDim,
      inputSpatialDims: [...c.inputSpatialDims],
      kernelInputFeatureDim: c.outputBatchDim,
      kernelOutputFeatureDim: c.outputFeatureDim,
      kernelSpatialDims: [...c.outputSpatialDims],
      outputBatchDim: c.kernelInputFeatureDim,
      outputFeatureDim: c.kernelOutputFeatureDim,
      outputSpatialDims: [...c.kernelSpatialDims],
      windowStrides: [...c.rhsDilation],
      padding: rhsGradPadding(
        xSp,
        wSp,
        c.windowStrides,
        gSp,
        c.padding,
        c.lhsDilation,
        c.rhsDilation,
      ),
      lhsDilation: [...c.lhsDilation],
      rhsDilation: [...c.windowStrides],
      featureGroupCount: c.batchGroupCount,
      batchGroupCount: c.featureGroupCount,
    });
    return b.convert(dw, w.type.dtype);
  };
  return [cx.wants[0] ? input() : undefined, cx.wants[1] ? kernel() : undefined];
};

/** Size of n elements with d−1 holes between neighbours. */
function dilate(n: number, d: number): number {
  return n === 0 ? 0 : (n - 1) * d + 1;
}

/**
 * Padding of g for the input gradient: the window must reach each input position from every
 * output that read it, so low = dilated window − 1 − forward low, and high makes the result
 * exactly the dilated input size. Either may be negative (the forward pad cropped).
 */
export function lhsGradPadding(
  xSp: readonly number[],
  wSp: readonly number[],
  strides: readonly number[],
  gSp: readonly number[],
  padding: Padding,
  lhsDil: readonly number[],
  rhsDil: readonly number[],
): [number, number][] {
  return xSp.map((n, i) => {
    const win = dilate(wSp[i], rhsDil[i]);
    const lo = win - padding[i][0] - 1;
    const hi = dilate(n, lhsDil[i]) + win - 1 - dilate(gSp[i], strides[i]) - lo;
    return [lo, hi];
  });
}

/** Padding of the input for the kernel gradient: the forward low, and a high that lands on the kernel size. */
function rhsGradPadding(
  xSp: readonly number[],
  wSp: readonly number[],
  strides: readonly number[],
  gSp: readonly number[],
  padding: Padding,
  lhsDil: readonly number[],
  rhsDil: readonly number[],
): [number, number][] {
  return xSp.map((n, i) => {
    const lo = padding[i][0];
    const fromLhs = dilate(gSp[i], strides[i]) - dilate(n, lhsDil[i]);
    const fromRhs = dilate(wSp[i], rhsDil[i]) - lo - 1;
    return [lo, fromLhs + fromRhs];
  });
}
