import { dtypeBytes } from '../ir/dtype.ts';
import type { Program } from '../ir/program.ts';

/** Elements and bytes of every value of a program, by value id (its own, local type). */
export interface ValueSizes {
  readonly numel: Float64Array;
  readonly bytes: Float64Array;
}

/**
 * One pass over the values' shapes, shared by the fusion analysis (compute-cost.ts) and buffer
 * liveness (memory.ts) so that a simulation reads each of the ~10⁵ shapes once.
 */
export function valueSizes(p: Program): ValueSizes {
  const values = p.values;
  const n = values.length;
  const numel = new Float64Array(n);
  const bytes = new Float64Array(n);
  let lastDtype = '';
  let lastBytes = 0;
  for (let v = 0; v < n; v++) {
    const t = values[v].type;
    const shape = t.shape;
    let k = 1;
    for (let i = 0; i < shape.length; i++) k *= shape[i];
    if (t.dtype !== lastDtype) {
      lastDtype = t.dtype;
      lastBytes = dtypeBytes(t.dtype);
    }
    numel[v] = k;
    bytes[v] = k * lastBytes;
  }
  return { numel, bytes };
}
