import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '../dtype.ts';
import { castTo } from './dtype-cast.ts';
import { run1, tensor } from './testing.ts';

const convert = (xs: number[], to: DType, from: DType = 'f32') =>
  run1([tensor([xs.length], xs, from)], (b, x) => b.op1('convert', [x], { dtype: to }));

/** bf16 from the f32 bit pattern, the way hardware does it: add 0x7FFF plus the lowest kept bit,
 *  then drop the low 16 bits (written here independently of the interpreter's rounding). */
function bf16ByBits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (Number.isNaN(f[0])) return NaN;
  u[0] = (u[0] + 0x7fff + ((u[0] >>> 16) & 1)) & 0xffff0000;
  return f[0];
}

describe('convert to floats', () => {
  it('rounds to f32 precision', () => {
    expect(convert([0.1], 'f32')).toEqual([0.10000000149011612]);
  });

  it('rounds to bf16 to nearest, ties to even', () => {
    const ulp = 2 ** -7; // bf16 spacing in [1, 2)
    expect(convert([1 + ulp / 2, 1 + (3 * ulp) / 2, 1 + ulp / 2 + 2 ** -20], 'bf16')).toEqual([
      1,
      1 + 2 * ulp,
      1 + ulp,
    ]);
  });

  it('agrees with the bf16 bit trick on every f32', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (x) => {
        expect(castTo(x, 'bf16')).toBe(bf16ByBits(x));
      }),
      { numRuns: 2000 },
    );
  });

  it('rounds to f16 with its subnormals and overflows past 65504 to infinity', () => {
    expect(convert([65504, 65519, 65520, -70000], 'f16')).toEqual([
      65504,
      65504,
      Infinity,
      -Infinity,
    ]);
    // The smallest f16 subnormal is 2^-24: half of it ties to 0 (even), three quarters rounds up.
    expect(convert([2 ** -25, 3 * 2 ** -26, 1 / 3], 'f16')).toEqual([0, 2 ** -24, 0.333251953125]);
  });

  it('rounds to f8e4m3fn, which has no infinity: overflow and inf become NaN', () => {
    // 448 = 1.75·2^8 is the largest; 464 is the midpoint to the NaN code and ties to 448 (even).
    expect(convert([448, 464, 465, Infinity, 0.3], 'f8e4m3')).toEqual([448, 448, NaN, NaN, 0.3125]);
    // Subnormals are multiples of 2^-9.
    expect(convert([2 ** -10, 3 * 2 ** -11], 'f8e4m3')).toEqual([0, 2 ** -9]);
  });

  it('rounds to f8e5m2, whose overflow is infinity', () => {
    // 57344 = 1.75·2^15 is the largest; its midpoint to 65536 (61440) ties up to infinity.
    expect(convert([57344, 60000, 61440, -Infinity, 0.3], 'f8e5m2')).toEqual([
      57344,
      57344,
      Infinity,
      -Infinity,
      0.3125,
    ]);
  });

  it('keeps NaN a NaN in every float format', () => {
    for (const d of ['f32', 'bf16', 'f16', 'f8e4m3', 'f8e5m2'] as const)
      expect(castTo(NaN, d)).toBeNaN();
  });
});

describe('convert to integers and booleans', () => {
  it('truncates toward zero', () => {
    expect(convert([2.7, -2.7, 0.2], 'i32')).toEqual([2, -2, 0]);
  });

  it('wraps to the width of the integer type', () => {
    expect(convert([3e9], 'i32')).toEqual([3e9 - 2 ** 32]);
    expect(convert([300, -129], 'i8')).toEqual([44, 127]);
    expect(convert([2 ** 63 + 2 ** 12], 'i64')).toEqual([-(2 ** 63) + 2 ** 12]);
    expect(convert([200], 'i8', 'i32')).toEqual([-56]);
  });

  it('maps NaN to 0 and infinities to the extreme integers', () => {
    expect(convert([NaN, Infinity, -Infinity], 'i32')).toEqual([0, 2147483647, -2147483648]);
  });

  it('makes i1 from x ≠ 0', () => {
    expect(convert([0, 0.5, -2, NaN, -0], 'i1')).toEqual([0, 1, 1, 1, 0]);
  });

  it('turns booleans into 0 and 1 of any type', () => {
    expect(convert([1, 0], 'f32', 'i1')).toEqual([1, 0]);
  });
});
