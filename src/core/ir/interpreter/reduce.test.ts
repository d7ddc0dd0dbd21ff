import { describe, expect, it } from 'vitest';
import type { ProgramBuilder } from '../builder.ts';
import type { Padding, ReduceWindowAttrs } from '../ops.ts';
import type { Value } from '../program.ts';
import { tensorType } from '../shape.ts';
import { run1, scalar, tensor } from './testing.ts';

const f32 = tensorType([], 'f32');

function reduceWindow(
  b: ProgramBuilder,
  x: Value,
  init: Value,
  kind: 'add' | 'maximum',
  w: Partial<ReduceWindowAttrs>,
): Value {
  const r = x.type.shape.length;
  const ones = new Array(r).fill(1);
  const attrs: ReduceWindowAttrs = {
    windowDimensions: ones,
    windowStrides: ones,
    padding: ones.map(() => [0, 0] as const),
    baseDilations: ones,
    windowDilations: ones,
    ...w,
  };
  return b.op1('reduce_window', [x, init], attrs, { regions: [b.combiner('f32', kind)] });
}

describe('reduce', () => {
  const m = () => tensor([2, 3], [1, 2, 3, 4, 5, 6]);

  it('sums over one dim or all of them', () => {
    expect(run1([m()], (b, x) => b.sum(x, [0]))).toEqual([5, 7, 9]);
    expect(run1([m()], (b, x) => b.sum(x, [1]))).toEqual([6, 15]);
    expect(run1([m()], (b, x) => b.sum(x, [0, 1]))).toEqual([21]);
  });

  it('takes maxima and minima, starting from the init value', () => {
    expect(run1([m()], (b, x) => b.reduce(x, [1], 'maximum'))).toEqual([3, 6]);
    expect(run1([m()], (b, x) => b.reduce(x, [0], 'minimum'))).toEqual([1, 2, 3]);
    const withInit = run1([m(), scalar(5)], (b, x, init) =>
      b.op1('reduce', [x, init], { dims: [1] }, { regions: [b.combiner('f32', 'maximum')] }),
    );
    expect(withInit).toEqual([5, 6]);
  });

  it('folds an arbitrary region in row-major order, accumulator first', () => {
    // acc·10 + x over [1,2,3] from 0 reads the digits in order: 123
    const out = run1([tensor([2, 3], [1, 2, 3, 4, 5, 6]), scalar(0)], (b, x, init) => {
      const digits = b.region([f32, f32], (acc, e) => [b.add(b.mul(acc, 10), e)]);
      return b.op1('reduce', [x, init], { dims: [1] }, { regions: [digits] });
    });
    expect(out).toEqual([123, 456]);
  });

  it('reduces a non-commutative single-op region with its operands in the written order', () => {
    // region yields e - acc: from 0 over [1,2,3]: 1, 1, 2
    const out = run1([tensor([3], [1, 2, 3]), scalar(0)], (b, x, init) => {
      const r = b.region([f32, f32], (acc, e) => [b.op1('subtract', [e, acc], {})]);
      return b.op1('reduce', [x, init], { dims: [0] }, { regions: [r] });
    });
    expect(out).toEqual([2]);
  });
});

describe('reduce_window', () => {
  it('max-pools 2x2 windows with stride 2', () => {
    const x = tensor([4, 4], [1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 1, 1, 9, 0, 1, 7]);
    const out = run1([x, scalar(-Infinity)], (b, a, init) =>
      reduceWindow(b, a, init, 'maximum', { windowDimensions: [2, 2], windowStrides: [2, 2] }),
    );
    expect(out).toEqual([5, 8, 9, 7]);
  });

  it('folds the init value in for padding, as if the operand were padded with it', () => {
    // padded [10, 1, 2]: windows [10,1] and [1,2], each also starting from 10
    const out = run1([tensor([2], [1, 2]), scalar(10)], (b, a, init) =>
      reduceWindow(b, a, init, 'add', { windowDimensions: [2], padding: [[1, 0]] }),
    );
    expect(out).toEqual([21, 13]);
  });

  it('fills base-dilation holes with the init value', () => {
    // [1,2,3] dilated by 2 is [1,_,2,_,3]; window-2 sums: 1, 2, 2, 3
    const out = run1([tensor([3], [1, 2, 3]), scalar(0)], (b, a, init) =>
      reduceWindow(b, a, init, 'add', { windowDimensions: [2], baseDilations: [2] }),
    );
    expect(out).toEqual([1, 2, 2, 3]);
  });

  it('spreads window taps with window dilation', () => {
    const out = run1([tensor([5], [1, 2, 3, 4, 5]), scalar(0)], (b, a, init) =>
      reduceWindow(b, a, init, 'add', { windowDimensions: [2], windowDilations: [2] }),
    );
    expect(out).toEqual([4, 6, 8]);
  });
});

describe('select_and_scatter', () => {
  function maxPoolGrad(
    x: number[],
    shape: number[],
    src: number[],
    srcShape: number[],
    window: number[],
    strides: number[],
    padding: Padding = window.map(() => [0, 0]),
  ) {
    return run1([tensor(shape, x), tensor(srcShape, src), scalar(0)], (b, a, s, init) => {
      const select = b.region([f32, f32], (p, q) => [b.compare(p, q, 'GE')]);
      return b.op1(
        'select_and_scatter',
        [a, s, init],
        { windowDimensions: window, windowStrides: strides, padding },
        { regions: [select, b.combiner('f32', 'add')] },
      );
    });
  }

  it('routes each window’s source value to the window’s maximum (max-pool gradient)', () => {
    const x = [1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 1, 1, 9, 0, 1, 7];
    const out = maxPoolGrad(x, [4, 4], [10, 20, 30, 40], [2, 2], [2, 2], [2, 2]);
    expect(out).toEqual([0, 10, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 30, 0, 0, 40]);
  });

  it('adds the sources of overlapping windows that pick the same element', () => {
    expect(maxPoolGrad([1, 3, 2], [3], [10, 20], [2], [2], [1])).toEqual([0, 30, 0]);
  });

  it('keeps the first of equal elements under GE', () => {
    expect(maxPoolGrad([5, 5], [2], [1], [1], [2], [1])).toEqual([1, 0]);
  });

  it('never picks padding', () => {
    // padding [1,1] around [-3,-1]: windows [pad,-3], [-3,-1], [-1,pad]
    expect(maxPoolGrad([-3, -1], [2], [1, 2, 4], [3], [2], [1], [[1, 1]])).toEqual([1, 6]);
  });
});
