import type { ProgramBuilder } from '../ir/builder.ts';
import { convolutionAttrs, NHWC_HWIO } from '../ir/convolution.ts';
import { IRError } from '../ir/errors.ts';
import type { Value } from '../ir/program.ts';

/** Convolution layers on NHWC activations with HWIO kernels (the layout JAX/Flax use). */

/** 2-D convolution, TensorFlow/XLA 'SAME' padding (output = ceil(size / stride)) or 'VALID'. */
export function conv2d(
  b: ProgramBuilder,
  x: Value,
  w: Value,
  stride = 1,
  padding: 'same' | 'valid' = 'same',
): Value {
  const [, H, W] = x.type.shape;
  const [kh, kw] = w.type.shape;
  const pad = (size: number, k: number): [number, number] => {
    if (padding === 'valid') return [0, 0];
    const total = Math.max((Math.ceil(size / stride) - 1) * stride + k - size, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  };
  return b.op1(
    'convolution',
    [x, w],
    convolutionAttrs(NHWC_HWIO, {
      windowStrides: [stride, stride],
      padding: [pad(H, kh), pad(W, kw)],
    }),
  );
}

/** GroupNorm of x [B, H, W, C]: statistics over H, W and the C/groups channels of each group. */
export function groupNorm(
  b: ProgramBuilder,
  x: Value,
  scale: Value,
  bias: Value,
  groups: number,
  eps = 1e-5,
): Value {
  const [B, H, W, C] = x.type.shape;
  if (C % groups !== 0)
    throw new IRError(`groupNorm: ${groups} groups do not divide ${C} channels`);
  const shape = [B, H, W, groups, C / groups];
  const g = b.reshape(x, shape);
  const n = H * W * (C / groups);
  const back = (s: Value) => b.broadcastInDim(s, shape, [0, 3]);
  const mean = b.div(b.sum(g, [1, 2, 4]), n);
  const xc = b.sub(g, back(mean));
  const variance = b.div(b.sum(b.mul(xc, xc), [1, 2, 4]), n);
  const y = b.reshape(b.mul(xc, back(b.rsqrt(b.add(variance, eps)))), [B, H, W, C]);
  return b.add(b.mul(y, scale), bias);
}

/** Nearest-neighbour upsampling of x [B, H, W, C] by `factor`: broadcast, then reshape. */
export function upsampleNearest(b: ProgramBuilder, x: Value, factor = 2): Value {
  const [B, H, W, C] = x.type.shape;
  const wide = b.broadcastInDim(x, [B, H, factor, W, factor, C], [0, 1, 3, 5]);
  return b.reshape(wide, [B, H * factor, W * factor, C]);
}
