import type { HostTensor } from '../host-tensor.ts';
import type { OpAttrs } from '../ops.ts';
import type { Op } from '../program.ts';
import { shapeStrides } from '../shape.ts';
import { allocResult, expectArgCount, fail, resultType, type OpEvaluator } from './context.ts';
import { clampInt, copyStrided } from './indexing.ts';

/**
 * Ops that move elements without computing on them. Each is one strided copy between views
 * (see indexing.ts). Tensors are never mutated, so reshape shares its operand's buffer.
 */

export const evalReshape: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 1);
  const t = resultType(op, ctx);
  return [{ shape: t.shape, dtype: t.dtype, data: args[0].data }];
};

/** result dim i is operand dim permutation[i]. */
export const evalTranspose: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 1);
  const x = args[0];
  const { permutation } = op.attrs as OpAttrs['transpose'];
  const out = allocResult(op, ctx);
  const xs = shapeStrides(x.shape);
  copyStrided(
    x.data,
    0,
    permutation.map((p) => xs[p]),
    out.data,
    0,
    shapeStrides(out.shape),
    out.shape,
  );
  return [out];
};

/** Operand dim i lands on result dim dims[i]; a size-1 operand dim is repeated (stride 0). */
export const evalBroadcastInDim: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 1);
  const x = args[0];
  const { dims } = op.attrs as OpAttrs['broadcast_in_dim'];
  const out = allocResult(op, ctx);
  const xs = shapeStrides(x.shape);
  const src = out.shape.map(() => 0);
  dims.forEach((d, i) => (src[d] = x.shape[i] === 1 ? 0 : xs[i]));
  copyStrided(x.data, 0, src, out.data, 0, shapeStrides(out.shape), out.shape);
  return [out];
};

export const evalSlice: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 1);
  const x = args[0];
  const { start, strides } = op.attrs as OpAttrs['slice'];
  const out = allocResult(op, ctx);
  const xs = shapeStrides(x.shape);
  const base = start.reduce((acc, s, i) => acc + s * xs[i], 0);
  copyStrided(
    x.data,
    base,
    xs.map((s, i) => s * strides[i]),
    out.data,
    0,
    shapeStrides(out.shape),
    out.shape,
  );
  return [out];
};

export const evalReverse: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 1);
  const x = args[0];
  const { dims } = op.attrs as OpAttrs['reverse'];
  const out = allocResult(op, ctx);
  const xs = shapeStrides(x.shape);
  let base = 0;
  const src = xs.map((s, i) => {
    if (!dims.includes(i)) return s;
    base += (x.shape[i] - 1) * s;
    return -s;
  });
  copyStrided(x.data, base, src, out.data, 0, shapeStrides(out.shape), out.shape);
  return [out];
};

/**
 * Operand element i of a dim goes to low + i·(interior+1); negative low/high crop. Per dim, only
 * the operand indices that land inside the result are copied.
 */
export const evalPad: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 2);
  const [x, v] = args;
  const { low, interior } = op.attrs as OpAttrs['pad'];
  const out = allocResult(op, ctx);
  out.data.fill(v.data[0]);
  const xs = shapeStrides(x.shape);
  const os = shapeStrides(out.shape);
  let srcBase = 0;
  let dstBase = 0;
  const counts: number[] = [];
  const dstStrides: number[] = [];
  for (let d = 0; d < x.shape.length; d++) {
    const step = interior[d] + 1;
    const first = Math.max(0, Math.ceil(-low[d] / step));
    const last = Math.min(x.shape[d] - 1, Math.floor((out.shape[d] - 1 - low[d]) / step));
    counts.push(Math.max(0, last - first + 1));
    srcBase += first * xs[d];
    dstBase += (low[d] + first * step) * os[d];
    dstStrides.push(step * os[d]);
  }
  copyStrided(x.data, srcBase, xs, out.data, dstBase, dstStrides, counts);
  return [out];
};

export const evalConcatenate: OpEvaluator = (op, args, ctx) => {
  const { dimension } = op.attrs as OpAttrs['concatenate'];
  const out = allocResult(op, ctx);
  const os = shapeStrides(out.shape);
  let at = 0;
  for (const x of args) {
    copyStrided(x.data, 0, shapeStrides(x.shape), out.data, at * os[dimension], os, x.shape);
    at += x.shape[dimension];
  }
  if (at !== out.shape[dimension])
    fail(op, `arguments fill ${at} of ${out.shape[dimension]} along dimension ${dimension}`);
  return [out];
};

export const evalIota: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 0);
  const { dimension } = op.attrs as OpAttrs['iota'];
  const out = allocResult(op, ctx);
  const stride = shapeStrides(out.shape)[dimension];
  const n = out.shape[dimension];
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.floor(i / stride) % n;
  return [out];
};

export const evalConstant: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 0);
  const { value } = op.attrs as OpAttrs['constant'];
  const out = allocResult(op, ctx);
  if (typeof value === 'number') out.data.fill(value);
  else if (value.length !== out.data.length)
    fail(op, `holds ${value.length} elements for ${out.data.length} places`);
  else out.data.set(value);
  return [out];
};

/** Start indices from scalar arguments, each clamped so the window [start, start+size) fits,
 *  as StableHLO clamps them (never an out-of-bounds read or write). */
function clampedStarts(
  op: Op,
  starts: readonly HostTensor[],
  shape: readonly number[],
  sizes: readonly number[],
): number[] {
  if (starts.length !== shape.length)
    fail(op, `needs ${shape.length} start indices, got ${starts.length}`);
  return starts.map((s, i) => clampInt(Math.trunc(s.data[0]), 0, shape[i] - sizes[i]));
}

export const evalDynamicSlice: OpEvaluator = (op, args, ctx) => {
  const [x, ...starts] = args;
  const { sliceSizes } = op.attrs as OpAttrs['dynamic_slice'];
  const begin = clampedStarts(op, starts, x.shape, sliceSizes);
  const out = allocResult(op, ctx);
  const xs = shapeStrides(x.shape);
  const base = begin.reduce((acc, s, i) => acc + s * xs[i], 0);
  copyStrided(x.data, base, xs, out.data, 0, shapeStrides(out.shape), out.shape);
  return [out];
};

export const evalDynamicUpdateSlice: OpEvaluator = (op, args, ctx) => {
  const [x, update, ...starts] = args;
  const begin = clampedStarts(op, starts, x.shape, update.shape);
  const out = allocResult(op, ctx);
  out.data.set(x.data);
  const os = shapeStrides(out.shape);
  const base = begin.reduce((acc, s, i) => acc + s * os[i], 0);
  copyStrided(update.data, 0, shapeStrides(update.shape), out.data, base, os, update.shape);
  return [out];
};
