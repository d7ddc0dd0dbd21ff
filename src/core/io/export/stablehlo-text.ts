import { dtypeIsFloat, type DType } from '../../ir/dtype.ts';
import type { OpAttrs } from '../../ir/ops.ts';
import type { Region } from '../../ir/program.ts';
import type { TensorType } from '../../ir/shape.ts';

/** The pieces of StableHLO text the printer (stablehlo.ts) writes: types, literals, attributes. */

const ELEMENT: Record<DType, string> = {
  f32: 'f32',
  bf16: 'bf16',
  f16: 'f16',
  f8e4m3: 'f8E4M3FN',
  f8e5m2: 'f8E5M2',
  i64: 'i64',
  i32: 'i32',
  i8: 'i8',
  i1: 'i1',
};

export function tensorText(t: TensorType): string {
  return `tensor<${t.shape.map((d) => `${d}x`).join('')}${ELEMENT[t.dtype]}>`;
}

export function str(s: string): string {
  return JSON.stringify(s);
}

export function list(xs: readonly number[]): string {
  return `[${xs.join(', ')}]`;
}

export function i64s(xs: readonly number[]): string {
  return xs.length ? `array<i64: ${xs.join(', ')}>` : 'array<i64>';
}

/** A float MLIR reads back exactly: a decimal point, hex bit patterns for inf and NaN. */
export function scalarText(x: number, dtype: DType): string {
  if (dtype === 'i1') return x ? 'true' : 'false';
  if (!dtypeIsFloat(dtype)) return String(Math.trunc(x));
  if (Number.isNaN(x))
    return dtype === 'f32' ? '0x7FC00000' : dtype === 'bf16' ? '0x7FC0' : '0x7E00';
  if (!Number.isFinite(x)) {
    const neg = x < 0;
    if (dtype === 'f32') return neg ? '0xFF800000' : '0x7F800000';
    if (dtype === 'bf16') return neg ? '0xFF80' : '0x7F80';
    return neg ? '0xFC00' : '0x7C00';
  }
  const e = x.toExponential();
  return e.includes('.') ? e : e.replace('e', '.0e');
}

export function denseText(
  value: number | readonly number[],
  shape: readonly number[],
  dtype: DType,
): string {
  if (typeof value === 'number') return `dense<${scalarText(value, dtype)}>`;
  let k = 0;
  const nest = (d: number): string => {
    if (d === shape.length) return scalarText(value[k++], dtype);
    const parts: string[] = [];
    for (let i = 0; i < shape[d]; i++) parts.push(nest(d + 1));
    return `[${parts.join(', ')}]`;
  };
  return `dense<${nest(0)}>`;
}

/** StableHLO ops with no attributes the IR lacks: an opaque import of one is the op itself. */
export const ATTRIBUTELESS = new Set(
  [
    'bitcast_convert',
    'cbrt',
    'count_leading_zeros',
    'imag',
    'partition_id',
    'popcnt',
    'real',
    'replica_id',
    'shift_left',
    'shift_right_arithmetic',
    'shift_right_logical',
    'tan',
  ].map((k) => `stablehlo.${k}`),
);

export function symbol(name: string): string {
  return /^[A-Za-z_][\w.$-]*$/.test(name) ? name : str(name);
}

export function padText(p: readonly (readonly [number, number])[]): string {
  return `dense<[${p.map(([l, h]) => `[${l}, ${h}]`).join(', ')}]> : tensor<${p.length}x2xi64>`;
}

export function convText(c: OpAttrs['convolution']): string {
  const n = c.inputSpatialDims.length + 2;
  const layout = (
    batch: number,
    feat: number,
    spatial: readonly number[],
    b: string,
    f: string,
  ) => {
    const parts = new Array<string>(n);
    parts[batch] = b;
    parts[feat] = f;
    spatial.forEach((d, i) => (parts[d] = String(i)));
    return `[${parts.join(', ')}]`;
  };
  const dims = `${layout(c.inputBatchDim, c.inputFeatureDim, c.inputSpatialDims, 'b', 'f')}x${layout(c.kernelInputFeatureDim, c.kernelOutputFeatureDim, c.kernelSpatialDims, 'i', 'o')}->${layout(c.outputBatchDim, c.outputFeatureDim, c.outputSpatialDims, 'b', 'f')}`;
  const pad = `[${c.padding.map(([l, h]) => `[${l}, ${h}]`).join(', ')}]`;
  const window = `{stride = ${list(c.windowStrides)}, pad = ${pad}, lhs_dilate = ${list(c.lhsDilation)}, rhs_dilate = ${list(c.rhsDilation)}}`;
  return `dim_numbers = ${dims}, window = ${window} {batch_group_count = ${c.batchGroupCount} : i64, feature_group_count = ${c.featureGroupCount} : i64}`;
}

/** The binary op of a reduce body that is exactly `return op(a, b)` on its two params. */
export function combinerKind(r: Region | undefined): string | undefined {
  if (!r || r.ops.length !== 1 || r.params.length !== 2) return undefined;
  const op = r.ops[0];
  if (!['add', 'maximum', 'minimum', 'multiply', 'and', 'or'].includes(op.kind)) return undefined;
  if (
    op.operands[0] !== r.params[0] ||
    op.operands[1] !== r.params[1] ||
    r.yields[0] !== op.results[0]
  )
    return undefined;
  return op.kind;
}
