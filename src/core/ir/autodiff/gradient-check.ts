import { hostTensor, type HostTensor } from '../host-tensor.ts';
import { evaluate } from '../interpreter.ts';
import type { Program, ValueId } from '../program.ts';
import { gradients, type RematPolicy } from './grad.ts';

/**
 * Gradient checking against the reference interpreter: analytic gradients (the program
 * `gradients` builds, run with its gradients as extra outputs) next to central finite
 * differences of the forward loss, both in f64. Test support; nothing in the pipeline uses it.
 */

/** A program that also outputs the given values, named `grad/<k>`. */
export function programWithOutputs(p: Program, extra: readonly ValueId[]): Program {
  const outputs = [...p.outputs, ...extra.map((value, k) => ({ name: `grad/${k}`, value }))];
  return { ...p, outputs, main: { ...p.main, results: outputs.map((o) => o.value) } };
}

function lossIndex(p: Program): number {
  return p.outputs.findIndex((o) => o.name === 'loss');
}

/** Runs a program and returns its loss. */
export function lossOf(p: Program, inputs: readonly HostTensor[]): number {
  return evaluate(p, inputs)[lossIndex(p)].data[0];
}

/** d(loss)/d(input k) by central differences with step eps (relative to each element's size). */
export function gradNumeric(
  p: Program,
  inputs: readonly HostTensor[],
  k: number,
  eps = 1e-5,
): Float64Array {
  const x = inputs[k];
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const h = eps * Math.max(1, Math.abs(x.data[i]));
    const at = (d: number) => {
      const moved = hostTensor(x.shape, x.dtype, x.data);
      moved.data[i] += d;
      return lossOf(
        p,
        inputs.map((t, j) => (j === k ? moved : t)),
      );
    };
    out[i] = (at(h) - at(-h)) / (2 * h);
  }
  return out;
}

export interface GradRun {
  readonly program: Program;
  readonly loss: number;
  /** Analytic gradients, one per entry of `wrt`. */
  readonly grads: readonly Float64Array[];
}

/** Builds the gradient program for the given input indices and runs it. */
export function gradAnalytic(
  p: Program,
  inputs: readonly HostTensor[],
  wrt: readonly number[],
  remat: RematPolicy = 'none',
): GradRun {
  const { program, grads } = gradients(
    p,
    wrt.map((k) => p.main.params[k]),
    { remat },
  );
  const outs = evaluate(programWithOutputs(program, grads), inputs);
  return {
    program,
    loss: outs[lossIndex(program)].data[0],
    grads: grads.map((_, k) => outs[program.outputs.length + k].data),
  };
}

/** The largest |a − n| / (|a| + |n| + floor) over all elements, and where it occurs. */
export function gradError(
  analytic: Float64Array,
  numeric: Float64Array,
  floor = 1e-6,
): { error: number; at: number } {
  let error = 0;
  let at = -1;
  for (let i = 0; i < analytic.length; i++) {
    const e =
      Math.abs(analytic[i] - numeric[i]) / (Math.abs(analytic[i]) + Math.abs(numeric[i]) + floor);
    if (e > error) [error, at] = [e, i];
  }
  return { error, at };
}

/** A seeded generator of uniform numbers in [lo, hi), so test inputs are reproducible. */
export function randomUniform(seed: number): (lo?: number, hi?: number) => number {
  let s = seed >>> 0;
  return (lo = -1, hi = 1) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  };
}
