import type { DType } from './dtype.ts';
import { shapeNumel, type Shape } from './shape.ts';

/**
 * A concrete tensor for the reference interpreter: row-major elements held as f64
 * (integers and booleans too), whatever the declared dtype, so that gradient checks
 * against finite differences are not drowned by rounding.
 */
export interface HostTensor {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly data: Float64Array;
}

export function hostTensor(shape: Shape, dtype: DType, data?: ArrayLike<number>): HostTensor {
  const n = shapeNumel(shape);
  const buf = new Float64Array(n);
  if (data) {
    if (data.length !== n)
      throw new Error(`hostTensor: ${data.length} elements for shape [${shape.join(',')}] (${n})`);
    buf.set(data);
  }
  return { shape: [...shape], dtype, data: buf };
}
