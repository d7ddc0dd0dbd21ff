import type { OpAttrs } from '../ops.ts';
import { shapeStrides } from '../shape.ts';
import { allocResult, expectArgCount, fail, type OpEvaluator } from './context.ts';
import { offsetTable } from './indexing.ts';
import { scalarRegionFn } from './scalar-region.ts';
import { windowOffsets } from './window.ts';

/**
 * Reductions with a scalar region. Every accumulator starts at the init value and folds the
 * elements in row-major order, acc = region(acc, element).
 */

export const evalReduce: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 2);
  const [x, init] = args;
  const { dims } = op.attrs as OpAttrs['reduce'];
  const f = scalarRegionFn(op.regions[0], ctx);
  const out = allocResult(op, ctx);
  out.data.fill(init.data[0]);
  // Where each operand element accumulates: kept dims step through the result, reduced dims stay.
  const os = shapeStrides(out.shape);
  let k = 0;
  const target = x.shape.map((_, d) => (dims.includes(d) ? 0 : os[k++]));
  const table = offsetTable(x.shape, target);
  const X = x.data;
  const O = out.data;
  for (let i = 0; i < X.length; i++) {
    const o = table[i];
    O[o] = f(O[o], X[i]);
  }
  return [out];
};

/**
 * reduce_window pads the operand with the init value (and fills base-dilation holes with it),
 * so padding positions fold in the init value: exact for any region, not only for identities.
 */
export const evalReduceWindow: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 2);
  const [x, initT] = args;
  const w = op.attrs as OpAttrs['reduce_window'];
  const f = scalarRegionFn(op.regions[0], ctx);
  const out = allocResult(op, ctx);
  const init = initT.data[0];
  const taps = windowOffsets({
    outSizes: out.shape,
    windowSizes: w.windowDimensions,
    inSizes: x.shape,
    inStrides: shapeStrides(x.shape),
    strides: w.windowStrides,
    padLow: w.padding.map((p) => p[0]),
    baseDilations: w.baseDilations,
    windowDilations: w.windowDilations,
  });
  const K = w.windowDimensions.reduce((a, b) => a * b, 1);
  const X = x.data;
  const O = out.data;
  for (let y = 0; y < O.length; y++) {
    let acc = init;
    for (let k = y * K, end = k + K; k < end; k++) {
      const t = taps[k];
      acc = f(acc, t < 0 ? init : X[t]);
    }
    O[y] = acc;
  }
  return [out];
};

/**
 * select_and_scatter (the gradient of max-pool): in each window, the select region picks one
 * operand element, visiting elements in row-major order and keeping the current pick while
 * select(current, candidate) holds; padding positions are never picked. The source value of the
 * window is then folded into the picked position with the scatter region. The result starts at
 * the init value everywhere.
 */
export const evalSelectAndScatter: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 3);
  const [x, source, initT] = args;
  const w = op.attrs as OpAttrs['select_and_scatter'];
  if (op.regions.length !== 2)
    fail(op, `needs a select and a scatter region, has ${op.regions.length}`);
  const select = scalarRegionFn(op.regions[0], ctx);
  const scatter = scalarRegionFn(op.regions[1], ctx);
  const out = allocResult(op, ctx);
  out.data.fill(initT.data[0]);
  const ones = x.shape.map(() => 1);
  const taps = windowOffsets({
    outSizes: source.shape,
    windowSizes: w.windowDimensions,
    inSizes: x.shape,
    inStrides: shapeStrides(x.shape),
    strides: w.windowStrides,
    padLow: w.padding.map((p) => p[0]),
    baseDilations: ones,
    windowDilations: ones,
  });
  const K = w.windowDimensions.reduce((a, b) => a * b, 1);
  const X = x.data;
  const S = source.data;
  const O = out.data;
  for (let y = 0; y < S.length; y++) {
    let picked = -1;
    for (let k = y * K, end = k + K; k < end; k++) {
      const t = taps[k];
      if (t < 0) continue;
      if (picked < 0 || select(X[picked], X[t]) === 0) picked = t;
    }
    if (picked >= 0) O[picked] = scatter(O[picked], S[y]);
  }
  return [out];
};
