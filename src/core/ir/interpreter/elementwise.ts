import { dtypeIsBool, type DType } from '../dtype.ts';
import type { HostTensor } from '../host-tensor.ts';
import type { BinaryKind, CompareDirection, OpAttrs, UnaryKind } from '../ops.ts';
import type { Op } from '../program.ts';
import {
  allocResult,
  expectArgCount,
  fail,
  type EvalContext,
  type OpEvaluator,
} from './context.ts';
import { castTo, intWrapper } from './dtype-cast.ts';
import { erf } from './erf.ts';

/**
 * Element-by-element ops. Each kind becomes one scalar function chosen once per op, so the loop
 * over elements is a plain call. Integer results wrap to their width; integer division
 * truncates like C, and by zero gives -1 (divide) or the dividend (remainder), as XLA does.
 */

type Scalar1 = (x: number) => number;
type Scalar2 = (x: number, y: number) => number;

function roundNearestEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

function logistic(x: number): number {
  // Two forms so that neither exp overflows.
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

const FLOAT_UNARY: Record<UnaryKind, Scalar1> = {
  abs: Math.abs,
  ceil: Math.ceil,
  cosine: Math.cos,
  erf,
  exponential: Math.exp,
  exponential_minus_one: Math.expm1,
  floor: Math.floor,
  is_finite: (x) => (Number.isFinite(x) ? 1 : 0),
  log: Math.log,
  log_plus_one: Math.log1p,
  logistic,
  negate: (x) => -x,
  not: (x) => (x !== 0 ? 0 : 1),
  round_nearest_even: roundNearestEven,
  rsqrt: (x) => 1 / Math.sqrt(x),
  sign: Math.sign,
  sine: Math.sin,
  sqrt: Math.sqrt,
  tanh: Math.tanh,
};

/** The scalar function of a unary kind on elements of `dtype`. */
export function unaryScalarFn(kind: UnaryKind, dtype: DType): Scalar1 {
  const wrap = intWrapper(dtype);
  if (!wrap) return FLOAT_UNARY[kind];
  if (kind === 'not') return (x) => wrap(-x - 1); // two's complement: ~x = -x - 1 at any width
  const f = FLOAT_UNARY[kind];
  return (x) => wrap(f(x));
}

const I32_RANGE = 2 ** 31;

/** Bitwise op on integers; beyond the i32 range (only i64 gets there) BigInt keeps all 64 bits. */
function bitwise(kind: 'and' | 'or' | 'xor'): Scalar2 {
  const small: Scalar2 =
    kind === 'and' ? (x, y) => x & y : kind === 'or' ? (x, y) => x | y : (x, y) => x ^ y;
  return (x, y) => {
    if (x >= -I32_RANGE && x < I32_RANGE && y >= -I32_RANGE && y < I32_RANGE) return small(x, y);
    const a = BigInt(x);
    const b = BigInt(y);
    const r = kind === 'and' ? a & b : kind === 'or' ? a | b : a ^ b;
    return Number(BigInt.asIntN(64, r));
  };
}

function intPower(x: number, y: number): number {
  if (y < 0) return x === 1 ? 1 : x === -1 ? (y % 2 === 0 ? 1 : -1) : 0;
  return Math.pow(x, y);
}

/** The scalar function of a binary kind on elements of `dtype` (both operands share it). */
export function binaryScalarFn(kind: BinaryKind, dtype: DType): Scalar2 {
  if (dtypeIsBool(dtype)) {
    if (kind === 'and') return (x, y) => (x !== 0 && y !== 0 ? 1 : 0);
    if (kind === 'or') return (x, y) => (x !== 0 || y !== 0 ? 1 : 0);
    if (kind === 'xor') return (x, y) => ((x !== 0) !== (y !== 0) ? 1 : 0);
  }
  const wrap = intWrapper(dtype);
  if (wrap) {
    switch (kind) {
      case 'and':
      case 'or':
      case 'xor':
        return bitwise(kind);
      case 'multiply':
        return dtype === 'i32' ? Math.imul : (x, y) => wrap(x * y);
      case 'divide':
        return (x, y) => (y === 0 ? -1 : wrap(Math.trunc(x / y)));
      case 'remainder':
        return (x, y) => (y === 0 ? x : wrap(x % y));
      case 'power':
        return (x, y) => wrap(intPower(x, y));
    }
  }
  const f = FLOAT_BINARY[kind];
  return wrap ? (x, y) => wrap(f(x, y)) : f;
}

const FLOAT_BINARY: Record<BinaryKind, Scalar2> = {
  add: (x, y) => x + y,
  and: (x, y) => x & y,
  atan2: Math.atan2,
  divide: (x, y) => x / y,
  maximum: Math.max, // propagates NaN, as XLA's maximum does
  minimum: Math.min,
  multiply: (x, y) => x * y,
  or: (x, y) => x | y,
  power: Math.pow,
  remainder: (x, y) => x % y, // fmod: the sign of the dividend
  subtract: (x, y) => x - y,
  xor: (x, y) => x ^ y,
};

const COMPARE: Record<CompareDirection, Scalar2> = {
  EQ: (x, y) => (x === y ? 1 : 0),
  NE: (x, y) => (x !== y ? 1 : 0),
  LT: (x, y) => (x < y ? 1 : 0),
  LE: (x, y) => (x <= y ? 1 : 0),
  GT: (x, y) => (x > y ? 1 : 0),
  GE: (x, y) => (x >= y ? 1 : 0),
};

/** 1 when `x direction y` holds, else 0 (every comparison with NaN is false except NE). */
export function compareFn(direction: CompareDirection): Scalar2 {
  return COMPARE[direction];
}

function sameShapeArgs(op: Op, args: readonly HostTensor[]): void {
  const n = args[0].data.length;
  args.forEach((a, i) => {
    if (a.data.length !== n)
      fail(op, `argument ${i} has ${a.data.length} elements, argument 0 has ${n}`);
  });
}

function map1(op: Op, args: readonly HostTensor[], ctx: EvalContext, f: Scalar1): HostTensor[] {
  expectArgCount(op, args, 1);
  const out = allocResult(op, ctx);
  const x = args[0].data;
  const o = out.data;
  for (let i = 0; i < x.length; i++) o[i] = f(x[i]);
  return [out];
}

function map2(op: Op, args: readonly HostTensor[], ctx: EvalContext, f: Scalar2): HostTensor[] {
  expectArgCount(op, args, 2);
  sameShapeArgs(op, args);
  const out = allocResult(op, ctx);
  const x = args[0].data;
  const y = args[1].data;
  const o = out.data;
  for (let i = 0; i < x.length; i++) o[i] = f(x[i], y[i]);
  return [out];
}

export function unaryEvaluator(kind: UnaryKind): OpEvaluator {
  return (op, args, ctx) => map1(op, args, ctx, unaryScalarFn(kind, args[0]?.dtype ?? 'f32'));
}

export function binaryEvaluator(kind: BinaryKind): OpEvaluator {
  return (op, args, ctx) => map2(op, args, ctx, binaryScalarFn(kind, args[0]?.dtype ?? 'f32'));
}

export const evalCompare: OpEvaluator = (op, args, ctx) =>
  map2(op, args, ctx, compareFn((op.attrs as OpAttrs['compare']).direction));

export const evalConvert: OpEvaluator = (op, args, ctx) => {
  const dtype = (op.attrs as OpAttrs['convert']).dtype;
  return map1(op, args, ctx, (x) => castTo(x, dtype));
};

/** An element of a tensor that is either a scalar or as large as the result. */
function at(t: Float64Array, i: number): number {
  return t.length === 1 ? t[0] : t[i];
}

export const evalSelect: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 3);
  const [p, x, y] = args.map((a) => a.data);
  const out = allocResult(op, ctx);
  const o = out.data;
  for (let i = 0; i < o.length; i++) o[i] = at(p, i) !== 0 ? x[i] : y[i];
  return [out];
};

export const evalClamp: OpEvaluator = (op, args, ctx) => {
  expectArgCount(op, args, 3);
  const [lo, x, hi] = args.map((a) => a.data);
  const out = allocResult(op, ctx);
  const o = out.data;
  for (let i = 0; i < o.length; i++) o[i] = Math.min(Math.max(x[i], at(lo, i)), at(hi, i));
  return [out];
};
