import type { DType } from '../dtype.ts';

/**
 * What `convert` does to a value, and how integer arithmetic wraps. The interpreter holds every
 * element as an f64; only these functions bring a value back to what its dtype can hold.
 */

/** A binary float format narrower than f32: exponent and explicit mantissa bits, and whether
 *  overflow becomes ±inf or (for f8e4m3fn, which has no inf) NaN. */
interface FloatFormat {
  readonly mantissaBits: number;
  /** Smallest normal exponent (1 - bias). */
  readonly minExp: number;
  readonly maxFinite: number;
  readonly hasInf: boolean;
}

const FORMATS: Partial<Record<DType, FloatFormat>> = {
  bf16: { mantissaBits: 7, minExp: -126, maxFinite: (2 - 2 ** -7) * 2 ** 127, hasInf: true },
  f16: { mantissaBits: 10, minExp: -14, maxFinite: 65504, hasInf: true },
  f8e5m2: { mantissaBits: 2, minExp: -14, maxFinite: 57344, hasInf: true },
  // E4M3FN: exponent 1111 is an ordinary binade except mantissa 111 (NaN), so max is 1.75·2^8.
  f8e4m3: { mantissaBits: 3, minExp: -6, maxFinite: 448, hasInf: false },
};

/** Round half to even of a non-negative value. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** floor(log2(a)) for a finite a > 0, exactly (Math.log2 may be off by one near powers of 2). */
function exponentOf(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/** Rounds to nearest-even in a narrow format, with its subnormals and its overflow rule. */
function roundToFormat(x: number, f: FloatFormat): number {
  if (Number.isNaN(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a === Infinity) return f.hasInf ? x : NaN;
  const e = Math.max(exponentOf(a), f.minExp);
  const quantum = 2 ** (e - f.mantissaBits);
  const r = roundHalfEven(a / quantum) * quantum;
  if (r > f.maxFinite) return f.hasInf ? Math.sign(x) * Infinity : NaN;
  return x < 0 ? -r : r;
}

const INT_BITS: Partial<Record<DType, number>> = { i8: 8, i32: 32, i64: 64 };
const TWO_63 = 2 ** 63;

/** Two's-complement wrap of an integer-valued number to the dtype's width (-0 becomes 0). */
export function wrapInt(x: number, dtype: DType): number {
  switch (INT_BITS[dtype]) {
    case 32:
      return x | 0;
    case 8:
      return ((x | 0) << 24) >> 24;
    case 64:
      // f64 cannot hold every i64; wrap only what overflows, exactly via BigInt.
      if (x >= TWO_63 || x < -TWO_63) return Number(BigInt.asIntN(64, BigInt(x)));
      return x + 0;
    default:
      return x;
  }
}

/** The wrap function of an integer dtype, or undefined for floats and i1. */
export function intWrapper(dtype: DType): ((x: number) => number) | undefined {
  if (INT_BITS[dtype] === undefined) return undefined;
  if (dtype === 'i32') return (x) => x | 0;
  return (x) => wrapInt(x, dtype);
}

/**
 * `convert` of one value to `dtype`. Floats round to nearest-even at the target precision
 * (narrow formats round from the f32 value, as a device holding f32 would); integers truncate
 * toward zero and wrap (NaN → 0, ±inf → the extreme values); i1 is x ≠ 0.
 */
export function castTo(x: number, dtype: DType): number {
  if (dtype === 'f32') return Math.fround(x);
  if (dtype === 'i1') return x !== 0 ? 1 : 0;
  const fmt = FORMATS[dtype];
  if (fmt) return roundToFormat(Math.fround(x), fmt);
  const bits = INT_BITS[dtype];
  if (bits === undefined) return x;
  if (Number.isNaN(x)) return 0;
  if (!Number.isFinite(x)) return x > 0 ? 2 ** (bits - 1) - 1 : -(2 ** (bits - 1));
  return wrapInt(Math.trunc(x), dtype);
}
