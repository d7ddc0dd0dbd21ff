/**
 * Sliding windows, shared by convolution, reduce_window and select_and_scatter. Per dimension,
 * output position y and window tap k look at p = y·stride + k·windowDilation − padLow in the
 * base-dilated, padded operand; p is a real element only when 0 ≤ p ≤ (n−1)·baseDilation and
 * p is a multiple of baseDilation. Anything else is padding or a dilation hole.
 */
export interface WindowSpec {
  readonly outSizes: readonly number[];
  readonly windowSizes: readonly number[];
  readonly inSizes: readonly number[];
  /** Operand strides of the windowed dims, in the same order. */
  readonly inStrides: readonly number[];
  readonly strides: readonly number[];
  readonly padLow: readonly number[];
  readonly baseDilations: readonly number[];
  readonly windowDilations: readonly number[];
}

/** For one dim: the operand index read by (output y, tap k), or −1. */
function tapTable(s: WindowSpec, i: number): Int32Array {
  const outN = s.outSizes[i];
  const kN = s.windowSizes[i];
  const bd = s.baseDilations[i];
  const last = (s.inSizes[i] - 1) * bd;
  const t = new Int32Array(outN * kN);
  for (let y = 0; y < outN; y++) {
    for (let k = 0; k < kN; k++) {
      const p = y * s.strides[i] + k * s.windowDilations[i] - s.padLow[i];
      t[y * kN + k] = p >= 0 && p <= last && p % bd === 0 ? p / bd : -1;
    }
  }
  return t;
}

/**
 * The operand offset read by every (flat output position, flat window tap), both row-major over
 * the windowed dims, laid out as table[y·K + k]; −1 where any dim reads padding or a hole.
 */
export function windowOffsets(s: WindowSpec): Int32Array {
  let table = Int32Array.of(0);
  let Y = 1;
  let K = 1;
  s.outSizes.forEach((outN, i) => {
    const kN = s.windowSizes[i];
    const taps = tapTable(s, i);
    const stride = s.inStrides[i];
    const nK = K * kN;
    const next = new Int32Array(Y * outN * nK);
    for (let y = 0; y < Y; y++)
      for (let yi = 0; yi < outN; yi++)
        for (let k = 0; k < K; k++) {
          const prev = table[y * K + k];
          const row = (y * outN + yi) * nK + k * kN;
          for (let ki = 0; ki < kN; ki++) {
            const tap = taps[yi * kN + ki];
            next[row + ki] = prev < 0 || tap < 0 ? -1 : prev + tap * stride;
          }
        }
    table = next;
    Y *= outN;
    K = nK;
  });
  return table;
}
