import type { Shape } from '../shape.ts';

/**
 * Index arithmetic shared by the evaluators. Tensors are row-major; a "view" of a tensor is a
 * base offset plus one stride per dimension, so transpose, slice, reverse, broadcast and pad
 * are all one strided copy, and gathers of groups of dimensions are offset tables.
 */

/**
 * The flat offset (Σ index·stride) of every index of `shape`, in row-major order of `shape`.
 * Strides may be zero (broadcast) or negative (reverse). One allocation, no per-element objects.
 */
export function offsetTable(shape: Shape, strides: readonly number[]): Int32Array {
  let table = new Int32Array(1);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    const s = strides[d];
    const next = new Int32Array(table.length * n);
    let o = 0;
    for (let p = 0; p < table.length; p++) {
      const base = table[p];
      for (let i = 0; i < n; i++) next[o++] = base + i * s;
    }
    table = next;
  }
  return table;
}

/**
 * Copies `shape` elements between two strided views: dst[dstBase + Σ i·dstStrides] =
 * src[srcBase + Σ i·srcStrides]. The innermost dimension is a tight loop; outer dimensions
 * advance like an odometer, so nothing is allocated per element.
 */
export function copyStrided(
  src: Float64Array,
  srcBase: number,
  srcStrides: readonly number[],
  dst: Float64Array,
  dstBase: number,
  dstStrides: readonly number[],
  shape: Shape,
): void {
  const r = shape.length;
  for (const n of shape) if (n === 0) return;
  if (r === 0) {
    dst[dstBase] = src[srcBase];
    return;
  }
  const last = r - 1;
  const n = shape[last];
  const ss = srcStrides[last];
  const ds = dstStrides[last];
  const idx = new Int32Array(r);
  let so = srcBase;
  let dO = dstBase;
  for (;;) {
    for (let i = 0, s = so, t = dO; i < n; i++, s += ss, t += ds) dst[t] = src[s];
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      so += srcStrides[d];
      dO += dstStrides[d];
      if (idx[d] < shape[d]) break;
      so -= srcStrides[d] * shape[d];
      dO -= dstStrides[d] * shape[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Picks `dims` out of an array (sizes or strides of those dimensions, in the order given). */
export function pick(arr: readonly number[], dims: readonly number[]): number[] {
  return dims.map((d) => arr[d]);
}

/** The dimensions of a rank-r tensor that are not in `dims`, ascending. */
export function otherDims(rank: number, dims: readonly number[]): number[] {
  const out: number[] = [];
  for (let d = 0; d < rank; d++) if (!dims.includes(d)) out.push(d);
  return out;
}

export function product(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

export function clampInt(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
