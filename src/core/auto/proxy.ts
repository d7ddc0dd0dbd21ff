import type { Program } from '../ir/program.ts';
import { buildModel, formatOptionValue, type OptionValue } from '../models/index.ts';

/**
 * Smaller copies of a zoo model for evaluating candidates: the same spec with L1 and L2 layers.
 * A repeated layer costs the same time and memory whatever the depth, so step time and peak
 * memory are (nearly) linear in the layer count and two small programs extrapolate to the real
 * one (auto.test.ts checks the extrapolation against the full evaluation).
 */
export interface Proxy {
  readonly layers: readonly [number, number];
  readonly programs: readonly [Program, Program];
  readonly fullLayers: number;
}

/** Programs with fewer ops than this are evaluated as they are. */
export const PROXY_MIN_OPS = 12_000;

/** The spec text of a zoo-built program with its layer count replaced, or undefined. */
export function specWithLayers(program: Program, layers: number): string | undefined {
  const m = program.meta;
  const config = m.config as Record<string, OptionValue> | undefined;
  if (typeof m.family !== 'string' || !config || typeof config.layers !== 'number')
    return undefined;
  const options: Record<string, OptionValue> = { ...config, layers };
  const common: Record<string, OptionValue | undefined> = {
    batch: m.batch as number | undefined,
    train: m.training,
    remat: m.remat,
    accum: m.microBatches,
    dtype: m.dtype as string | undefined,
    optimizer: m.optimizer as string | undefined,
  };
  const parts = Object.entries(options).map(([k, v]) => `${k}=${formatOptionValue(v)}`);
  for (const [k, v] of Object.entries(common))
    if (v !== undefined) parts.push(`${k}=${formatOptionValue(v as OptionValue)}`);
  return `${m.family}:${parts.join(',')}`;
}

/**
 * Two proxies (one period of layers and two: an MoE every k layers repeats every k), or
 * undefined when the program is small, not from the zoo, or not exactly repeated: the op and
 * value counts of the real program must be those the two proxies extrapolate to.
 */
export function proxyFor(program: Program, minOps = PROXY_MIN_OPS): Proxy | undefined {
  if (program.main.ops.length < minOps) return undefined;
  const config = program.meta.config as Record<string, unknown> | undefined;
  const full = config?.layers;
  if (typeof full !== 'number') return undefined;
  const period = typeof config!.moe_every === 'number' ? Math.max(1, config!.moe_every) : 1;
  const l1 = period;
  const l2 = 2 * period;
  if (full < 2 * l2 || full % period !== 0) return undefined;
  let programs: [Program, Program];
  try {
    const s1 = specWithLayers(program, l1);
    const s2 = specWithLayers(program, l2);
    if (!s1 || !s2) return undefined;
    programs = [buildModel(s1), buildModel(s2)];
  } catch {
    return undefined; // a spec the zoo does not rebuild: evaluate the real program
  }
  const linear = (f: (p: Program) => number) =>
    f(programs[0]) + ((f(programs[1]) - f(programs[0])) * (full - l1)) / (l2 - l1) === f(program);
  if (!linear((p) => p.main.ops.length) || !linear((p) => p.values.length)) return undefined;
  return { layers: [l1, l2], programs, fullLayers: full };
}

/** The value at the real depth, extrapolated from the two proxies' values. */
export function extrapolate(proxy: Proxy, x1: number, x2: number): number {
  const [l1, l2] = proxy.layers;
  return x1 + ((x2 - x1) * (proxy.fullLayers - l1)) / (l2 - l1);
}
