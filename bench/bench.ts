/** One timed case of a benchmark file. `run` is timed; `describe` turns its result into notes
 *  (op counts…) printed beside the times. */
export interface Bench<T = unknown> {
  readonly name: string;
  run(): T;
  describe?(result: T): string;
  /** Timed runs after one untimed warm-up; bench/run.ts's --runs overrides it. */
  readonly runs?: number;
}

/** Identity, so `describe` is checked against `run`'s result type. */
export function bench<T>(b: Bench<T>): Bench<T> {
  return b;
}

export interface BenchResult {
  readonly name: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly notes: string;
}

/** Times `b.run` `runs` times after one warm-up run. */
export function measure<T>(b: Bench<T>, runs = b.runs ?? 5): BenchResult {
  let result = b.run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = b.run();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { name: b.name, runs, medianMs, minMs: times[0], notes: b.describe?.(result) ?? '' };
}
