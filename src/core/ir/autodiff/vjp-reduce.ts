import type { OpAttrs } from '../ops.ts';
import { dimsExcept, regionCombiner, scalarOf, sumAll, zerosOf } from './emit.ts';
import { lhsGradPadding } from './vjp-convolution.ts';
import { vjpError, type VjpRule } from './vjp-rule.ts';

/**
 * reduce, by combiner:
 * - add: g broadcast back over the reduced dims; the init value (added once per result) gets Σg.
 * - maximum/minimum: g goes to every element equal to the result, divided by how many there
 *   are (ties share equally, as in JAX), so finite differences agree away from ties.
 * - multiply: g·y/x, exact where no element is zero (a zero element makes it inf/NaN).
 * A differentiable init value is supported for add only.
 */
export const reduceVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const { dims } = op.attrs as OpAttrs['reduce'];
  const xt = cx.xType(0);
  const g = cx.cts[0]!;
  const kind = regionCombiner(op.regions[0]);
  const kept = dimsExcept(xt.shape.length, dims);
  const back = (v: typeof g) => b.broadcastInDim(v, xt.shape, kept);
  if (kind === 'add')
    return [cx.wants[0] ? back(g) : undefined, cx.wants[1] ? sumAll(b, g) : undefined];
  if (cx.wants[1])
    throw vjpError(
      op,
      `the init value of a '${kind}' reduction is differentiable; only sum reductions support that`,
    );
  const x = cx.x(0);
  if (kind === 'maximum' || kind === 'minimum') {
    const hit = b.compare(x, back(cx.y(0)), 'EQ');
    const count = b.sum(b.convert(hit, x.type.dtype), dims);
    return [b.select(hit, back(b.div(g, count)), zerosOf(b, x.type))];
  }
  if (kind === 'multiply') return [b.div(back(b.mul(g, cx.y(0))), x)];
  throw vjpError(
    op,
    `the reduction region is not a single add/maximum/minimum/multiply of its params`,
  );
};

/**
 * reduce_window:
 * - add: the transpose of a windowed sum is a windowed sum of g, spread back to input
 *   positions: pad g (interior = stride−1, edges as for a convolution's input gradient) and sum
 *   windows of the same size with strides = the forward base dilation. The init value starts
 *   each window and fills its padding and dilation holes, so it gets Σ g·(1 + holes).
 * - maximum/minimum: select_and_scatter routes each window's g to the element the window picked
 *   (the first max/min in row-major order, XLA's rule), which needs no dilations. Padding
 *   never wins there, which is exact when the init value is the identity (−inf / +inf).
 */
export const reduceWindowVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const w = op.attrs as OpAttrs['reduce_window'];
  const xt = cx.xType(0);
  const g = cx.cts[0]!;
  const kind = regionCombiner(op.regions[0]);
  if (kind === 'add') {
    // the init value starts every window and also fills its padding and dilation holes
    const initCt = () => {
      const ones = b.constant(1, xt.shape, xt.dtype);
      const real = b.op1(
        'reduce_window',
        [ones, scalarOf(b, 0, xt.dtype)],
        { ...w },
        { regions: [b.combiner(xt.dtype, 'add')] },
      );
      const taps = w.windowDimensions.reduce((n, d) => n * d, 1);
      return sumAll(b, b.mul(g, b.sub(taps + 1, real)));
    };
    const operand = () => {
      const pads = lhsGradPadding(
        xt.shape,
        w.windowDimensions,
        w.windowStrides,
        g.type.shape,
        w.padding,
        w.baseDilations,
        w.windowDilations,
      );
      const zero = scalarOf(b, 0, g.type.dtype);
      const padded = b.op1('pad', [g, zero], {
        low: pads.map((p) => p[0]),
        high: pads.map((p) => p[1]),
        interior: w.windowStrides.map((s) => s - 1),
      });
      const ones = xt.shape.map(() => 1);
      return b.op1(
        'reduce_window',
        [padded, zero],
        {
          windowDimensions: [...w.windowDimensions],
          windowStrides: [...w.baseDilations],
          padding: xt.shape.map(() => [0, 0] as const),
          baseDilations: ones,
          windowDilations: [...w.windowDilations],
        },
        { regions: [b.combiner(g.type.dtype, 'add')] },
      );
    };
    return [cx.wants[0] ? operand() : undefined, cx.wants[1] ? initCt() : undefined];
  }
  if (kind !== 'maximum' && kind !== 'minimum')
    throw vjpError(op, 'the window region is not a single add/maximum/minimum of its params');
  if (cx.wants[1])
    throw vjpError(
      op,
      `the init value of a '${kind}' window reduction is differentiable; only sums support that`,
    );
  if (w.baseDilations.some((d) => d !== 1) || w.windowDilations.some((d) => d !== 1))
    throw vjpError(
      op,
      `a '${kind}' window reduction with base or window dilation has no select_and_scatter form`,
    );
  const x = cx.x(0);
  const s = { shape: [], dtype: x.type.dtype } as const;
  const select = b.region([s, s], (p, q) => [b.compare(p, q, kind === 'maximum' ? 'GE' : 'LE')]);
  const scatter = b.combiner(x.type.dtype, 'add');
  const routed = b.op1(
    'select_and_scatter',
    [x, b.convert(g, x.type.dtype), scalarOf(b, 0, x.type.dtype)],
    {
      windowDimensions: [...w.windowDimensions],
      windowStrides: [...w.windowStrides],
      padding: w.padding.map((p) => [p[0], p[1]] as const),
    },
    { regions: [select, scatter] },
  );
  return [routed];
};
