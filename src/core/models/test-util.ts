import { hostTensor, type HostTensor } from '../ir/host-tensor.ts';
import { evaluate } from '../ir/interpreter.ts';
import type { Program, Value } from '../ir/program.ts';
import { shapeNumel } from '../ir/shape.ts';

/** Test helpers: deterministic inputs for a program, chosen by input name. */

export function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

/** Integer inputs draw from [0, intRange(name)); float params are U(−0.02, 0.02), norm scales 1,
 *  optimizer state starts at zero (a fresh Adam), data ~U(−1, 1). */
export function randomInputs(
  p: Program,
  intRange: (v: Value) => number,
  seed = 1,
): Map<string, HostTensor> {
  const rnd = lcg(seed);
  const out = new Map<string, HostTensor>();
  for (const id of p.main.params) {
    const v = p.values[id];
    const n = shapeNumel(v.type.shape);
    let data: number[];
    if (v.type.dtype === 'i32') {
      const hi = intRange(v);
      data = Array.from({ length: n }, () => Math.floor(rnd() * hi));
    } else if (v.role === 'optState') {
      data = new Array<number>(n).fill(0);
    } else if (v.role === 'param') {
      const isScale = /(^|\/)scale$/.test(v.name);
      data = Array.from({ length: n }, () => (isScale ? 1 : 0.04 * (rnd() - 0.5)));
    } else {
      data = Array.from({ length: n }, () => 2 * rnd() - 1);
    }
    out.set(v.name, hostTensor(v.type.shape, v.type.dtype, data));
  }
  return out;
}

/** Runs p with inputs looked up by name; returns outputs by name. */
export function runByName(
  p: Program,
  inputs: ReadonlyMap<string, HostTensor>,
): Map<string, HostTensor> {
  const args = p.main.params.map((id) => {
    const name = p.values[id].name;
    const t = inputs.get(name);
    if (!t) throw new Error(`no input named '${name}'`);
    return t;
  });
  const res = evaluate(p, args);
  return new Map(p.outputs.map((o, i) => [o.name, res[i]]));
}

/** The loss of p on the given inputs. */
export function lossOf(p: Program, inputs: ReadonlyMap<string, HostTensor>): number {
  return runByName(p, inputs).get('loss')!.data[0];
}

/** Stacks per-layer tensors [...] into one [L, ...] tensor. */
export function stack(ts: readonly HostTensor[]): HostTensor {
  const n = ts[0].data.length;
  const data = new Float64Array(n * ts.length);
  ts.forEach((t, i) => data.set(t.data, i * n));
  return hostTensor([ts.length, ...ts[0].shape], ts[0].dtype, data);
}
