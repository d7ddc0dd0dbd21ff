/** Element types, named as StableHLO names them. */
export const DTYPES = ['f32', 'bf16', 'f16', 'f8e4m3', 'f8e5m2', 'i64', 'i32', 'i8', 'i1'] as const;
export type DType = (typeof DTYPES)[number];

const BYTES: Record<DType, number> = {
  f32: 4,
  bf16: 2,
  f16: 2,
  f8e4m3: 1,
  f8e5m2: 1,
  i64: 8,
  i32: 4,
  i8: 1,
  i1: 1, // stored as a byte, as XLA does
};

export function dtypeBytes(dtype: DType): number {
  return BYTES[dtype];
}

export function dtypeIsFloat(dtype: DType): boolean {
  return dtype[0] === 'f' || dtype === 'bf16';
}

export function dtypeIsInt(dtype: DType): boolean {
  return dtype[0] === 'i' && dtype !== 'i1';
}

export function dtypeIsBool(dtype: DType): boolean {
  return dtype === 'i1';
}

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}
