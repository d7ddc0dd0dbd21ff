import type { ConvolutionAttrs } from './ops.ts';

/** A convolution's dimension numbers: where batch, features and spatial dims sit in each tensor. */
export type ConvolutionLayout = Pick<
  ConvolutionAttrs,
  | 'inputBatchDim'
  | 'inputFeatureDim'
  | 'inputSpatialDims'
  | 'kernelInputFeatureDim'
  | 'kernelOutputFeatureDim'
  | 'kernelSpatialDims'
  | 'outputBatchDim'
  | 'outputFeatureDim'
  | 'outputSpatialDims'
>;

/** NHWC activations with HWIO kernels, the layout JAX/Flax use. */
export const NHWC_HWIO: ConvolutionLayout = {
  inputBatchDim: 0,
  inputFeatureDim: 3,
  inputSpatialDims: [1, 2],
  kernelInputFeatureDim: 2,
  kernelOutputFeatureDim: 3,
  kernelSpatialDims: [0, 1],
  outputBatchDim: 0,
  outputFeatureDim: 3,
  outputSpatialDims: [1, 2],
};

/** A plain convolution in a layout: unit strides and dilations, no padding, one group, unless overridden. */
export function convolutionAttrs(
  layout: ConvolutionLayout,
  o: Partial<ConvolutionAttrs> = {},
): ConvolutionAttrs {
  const n = layout.inputSpatialDims.length;
  const ones = Array.from({ length: n }, () => 1);
  return {
    ...layout,
    windowStrides: ones,
    padding: Array.from({ length: n }, () => [0, 0] as const),
    lhsDilation: ones,
    rhsDilation: ones,
    featureGroupCount: 1,
    batchGroupCount: 1,
    ...o,
  };
}
