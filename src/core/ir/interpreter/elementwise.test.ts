import { describe, expect, it } from 'vitest';
import type { BinaryKind, CompareDirection, UnaryKind } from '../ops.ts';
import { run, run1, scalar, tensor } from './testing.ts';

const bin = (
  kind: BinaryKind,
  x: number[],
  y: number[],
  dtype: 'f32' | 'i32' | 'i8' | 'i64' | 'i1' = 'f32',
) =>
  run1([tensor([x.length], x, dtype), tensor([y.length], y, dtype)], (b, a, c) =>
    b.op1(kind, [a, c], {}),
  );

const un = (kind: UnaryKind, x: number[], dtype: 'f32' | 'i32' | 'i1' = 'f32') =>
  run1([tensor([x.length], x, dtype)], (b, a) => b.op1(kind, [a], {}));

describe('elementwise arithmetic', () => {
  it('adds, subtracts, multiplies and divides floats element by element', () => {
    expect(bin('add', [1, 2, 3], [4, 5, 6])).toEqual([5, 7, 9]);
    expect(bin('subtract', [1, 2, 3], [4, 5, 6])).toEqual([-3, -3, -3]);
    expect(bin('multiply', [1, 2, 3], [4, 5, 6])).toEqual([4, 10, 18]);
    expect(bin('divide', [1, 3, -1], [4, 2, 0])).toEqual([0.25, 1.5, -Infinity]);
  });

  it('truncates integer division and remainder toward zero, like C', () => {
    expect(bin('divide', [7, -7, 7, -7], [2, 2, -2, -2], 'i32')).toEqual([3, -3, -3, 3]);
    expect(bin('remainder', [7, -7, 7, -7], [2, 2, -2, -2], 'i32')).toEqual([1, -1, 1, -1]);
  });

  it('gives -1 for an integer divided by zero and keeps the dividend as the remainder, as XLA does', () => {
    expect(bin('divide', [5, -5], [0, 0], 'i32')).toEqual([-1, -1]);
    expect(bin('remainder', [5, -5], [0, 0], 'i32')).toEqual([5, -5]);
  });

  it('takes float remainders with the sign of the dividend', () => {
    expect(bin('remainder', [5.5, -5.5], [2, 2])).toEqual([1.5, -1.5]);
  });

  it('wraps integer overflow to the width of the dtype', () => {
    expect(bin('add', [2147483647], [1], 'i32')).toEqual([-2147483648]);
    expect(bin('multiply', [65536, 65537], [65536, 65537], 'i32')).toEqual([0, 131073]);
    expect(bin('add', [127], [1], 'i8')).toEqual([-128]);
    expect(bin('divide', [-2147483648], [-1], 'i32')).toEqual([-2147483648]);
  });

  it('propagates NaN through maximum and minimum', () => {
    expect(bin('maximum', [1, NaN, -0], [2, 3, 0])).toEqual([2, NaN, 0]);
    expect(bin('minimum', [1, NaN], [2, 3])).toEqual([1, NaN]);
  });

  it('raises to powers, with integer powers of negative exponent giving 0 except for ±1', () => {
    expect(bin('power', [2, 9], [10, 0.5])).toEqual([1024, 3]);
    expect(bin('power', [2, 1, -1, -1], [-1, -5, -3, -2], 'i32')).toEqual([0, 1, -1, 1]);
  });

  it('computes atan2 in the right quadrant', () => {
    expect(bin('atan2', [1, -1], [-1, -1])).toEqual([(3 * Math.PI) / 4, (-3 * Math.PI) / 4]);
  });
});

describe('elementwise logic and comparisons', () => {
  it('treats and/or/xor/not on i1 as logic', () => {
    expect(bin('and', [0, 0, 1, 1], [0, 1, 0, 1], 'i1')).toEqual([0, 0, 0, 1]);
    expect(bin('or', [0, 0, 1, 1], [0, 1, 0, 1], 'i1')).toEqual([0, 1, 1, 1]);
    expect(bin('xor', [0, 0, 1, 1], [0, 1, 0, 1], 'i1')).toEqual([0, 1, 1, 0]);
    expect(un('not', [0, 1], 'i1')).toEqual([1, 0]);
  });

  it('treats and/or/xor/not on integers as bitwise, over all 64 bits of an i64', () => {
    expect(bin('and', [12], [10], 'i32')).toEqual([8]);
    expect(bin('or', [12], [10], 'i32')).toEqual([14]);
    expect(bin('xor', [12], [10], 'i32')).toEqual([6]);
    expect(un('not', [5, -1], 'i32')).toEqual([-6, 0]);
    expect(bin('or', [2 ** 40], [1], 'i64')).toEqual([2 ** 40 + 1]);
    expect(bin('and', [2 ** 40 + 3], [2 ** 40 + 6], 'i64')).toEqual([2 ** 40 + 2]);
  });

  it('produces 0/1 from comparisons, false for NaN except NE', () => {
    const cmp = (d: CompareDirection) =>
      run1([tensor([3], [1, 2, NaN]), tensor([3], [2, 2, 1])], (b, x, y) =>
        b.op1('compare', [x, y], { direction: d }),
      );
    expect(cmp('LT')).toEqual([1, 0, 0]);
    expect(cmp('LE')).toEqual([1, 1, 0]);
    expect(cmp('GT')).toEqual([0, 0, 0]);
    expect(cmp('GE')).toEqual([0, 1, 0]);
    expect(cmp('EQ')).toEqual([0, 1, 0]);
    expect(cmp('NE')).toEqual([1, 0, 1]);
  });

  it('selects with an elementwise or a scalar predicate', () => {
    const x = tensor([3], [1, 2, 3]);
    const y = tensor([3], [10, 20, 30]);
    expect(
      run1([tensor([3], [1, 0, 1], 'i1'), x, y], (b, p, a, c) => b.op1('select', [p, a, c], {})),
    ).toEqual([1, 20, 3]);
    expect(run1([scalar(0, 'i1'), x, y], (b, p, a, c) => b.op1('select', [p, a, c], {}))).toEqual([
      10, 20, 30,
    ]);
  });

  it('clamps between scalar or elementwise bounds', () => {
    const x = tensor([4], [-5, 0.5, 3, 9]);
    expect(
      run1([scalar(0), x, scalar(2)], (b, lo, a, hi) => b.op1('clamp', [lo, a, hi], {})),
    ).toEqual([0, 0.5, 2, 2]);
    const lo = tensor([4], [-9, 1, 1, 1]);
    const hi = tensor([4], [-6, 2, 2, 10]);
    expect(run1([lo, x, hi], (b, l, a, h) => b.op1('clamp', [l, a, h], {}))).toEqual([-6, 1, 2, 9]);
  });
});

describe('elementwise math functions', () => {
  it('evaluates the transcendental functions at points known by heart', () => {
    expect(un('exponential', [0, 1])).toEqual([1, Math.E]);
    expect(un('log', [1, Math.E])).toEqual([0, 1]);
    expect(un('tanh', [0])).toEqual([0]);
    expect(un('logistic', [0, -1000, 1000])).toEqual([0.5, 0, 1]);
    expect(un('rsqrt', [4, 0.25])).toEqual([0.5, 2]);
    expect(un('sqrt', [9])).toEqual([3]);
    expect(un('sine', [0])).toEqual([0]);
    expect(un('cosine', [0])).toEqual([1]);
    expect(un('log_plus_one', [1e-20])).toEqual([1e-20]);
    expect(un('exponential_minus_one', [1e-20])).toEqual([1e-20]);
  });

  it('computes erf to about machine precision', () => {
    // Reference values of erf from standard tables (Abramowitz & Stegun 7.1, to 16 digits).
    const xs = [0.1, 0.5, 1, -2, 3, 4];
    const ref = [
      0.1124629160182849, 0.5204998778130465, 0.8427007929497149, -0.9953222650189527,
      0.9999779095030014, 0.9999999845827421,
    ];
    un('erf', xs).forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(5e-16));
    expect(un('erf', [0, 7, -7])).toEqual([0, 1, -1]);
  });

  it('rounds half to even, and floors, ceils, takes signs and magnitudes', () => {
    expect(un('round_nearest_even', [0.5, 1.5, 2.5, -0.5, -2.5, 2.4, -2.6])).toEqual([
      0, 2, 2, -0, -2, 2, -3,
    ]);
    expect(un('floor', [-1.5, 1.5])).toEqual([-2, 1]);
    expect(un('ceil', [-1.5, 1.5])).toEqual([-1, 2]);
    expect(un('sign', [-3, 0, 2])).toEqual([-1, 0, 1]);
    expect(un('abs', [-3, 2])).toEqual([3, 2]);
    expect(un('negate', [-3, 2])).toEqual([3, -2]);
  });

  it('wraps the absolute value and negation of the most negative i32', () => {
    expect(un('abs', [-2147483648], 'i32')).toEqual([-2147483648]);
    expect(un('negate', [-2147483648, 0], 'i32')).toEqual([-2147483648, 0]);
  });

  it('tells finite from infinite and NaN with an i1 result', () => {
    const [out] = run([tensor([3], [1, Infinity, NaN])], (b, x) => b.op1('is_finite', [x], {}));
    expect(out.dtype).toBe('i1');
    expect(Array.from(out.data)).toEqual([1, 0, 0]);
  });
});
