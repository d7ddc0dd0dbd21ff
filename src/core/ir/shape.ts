import { dtypeBytes, type DType } from './dtype.ts';

export type Shape = readonly number[];

/** The type of a tensor value: a static shape and an element type. Scalars have shape []. */
export interface TensorType {
  readonly shape: Shape;
  readonly dtype: DType;
}

export function tensorType(shape: Shape, dtype: DType): TensorType {
  return { shape: Object.freeze([...shape]), dtype };
}

export function shapeNumel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensorBytes(t: TensorType): number {
  return shapeNumel(t.shape) * dtypeBytes(t.dtype);
}

export function shapeEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function typeEqual(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && shapeEqual(a.shape, b.shape);
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function typeToString(t: TensorType): string {
  return `${t.dtype}${shapeToString(t.shape)}`;
}

/** Row-major strides of a shape, in elements. */
export function shapeStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}
