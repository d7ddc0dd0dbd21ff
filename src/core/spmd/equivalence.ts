import { hostTensor, type HostTensor } from '../ir/host-tensor.ts';
import { evaluate } from '../ir/interpreter.ts';
import type { Program, Value } from '../ir/program.ts';
import { shapeNumel } from '../ir/shape.ts';
import type { Mesh } from '../mesh/mesh.ts';
import { applySchedule } from '../tactics/apply.ts';
import type { Tactic } from '../tactics/tactic.ts';
import { evaluateSpmd } from './execute.ts';
import { hostShardAll, hostUnshard } from './host-sharding.ts';
import { lowerToSpmd, type SpmdProgram } from './lower.ts';

export interface EquivalenceReport {
  readonly spmd: SpmdProgram;
  /** Per output: the largest |global − spmd| / (1 + |global|). */
  readonly errors: readonly { readonly name: string; readonly maxError: number }[];
  readonly maxError: number;
}

/** A deterministic generator (Park–Miller) so failures reproduce from the seed. */
function rng(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Integer inputs index tables (tokens < vocab, node ids < nodes, labels < classes): stay below all of them. */
function intRange(p: Program): number {
  const c = (p.meta.config ?? {}) as Record<string, unknown>;
  const bounds = ['vocab', 'nodes', 'classes']
    .map((k) => c[k])
    .filter((x): x is number => typeof x === 'number');
  return bounds.length ? Math.min(...bounds) : 2;
}

export function sampleInputs(p: Program, seed = 1): HostTensor[] {
  const r = rng(seed);
  const hi = intRange(p);
  return p.main.params.map((id) => {
    const v: Value = p.values[id];
    const n = shapeNumel(v.type.shape);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (v.type.dtype.startsWith('i')) data[i] = Math.floor(r() * hi);
      else if (v.role === 'param')
        data[i] = /(^|\/)scale$/.test(v.name) ? 1 + 0.1 * (r() - 0.5) : 0.2 * (r() - 0.5);
      else if (v.role === 'optState')
        data[i] = r(); // Adam's second moment and the step count are non-negative
      else data[i] = 2 * r() - 1;
    }
    return hostTensor(v.type.shape, v.type.dtype, data);
  });
}

/**
 * The proof of a partitioning: run the global program, then the per-device program on every
 * device of the mesh (collectives simulated), reassemble each output from its shards and compare.
 */
export function checkSpmdEquivalence(
  p: Program,
  mesh: Mesh,
  schedule: readonly Tactic[],
  seed = 1,
): EquivalenceReport {
  const spmd = lowerToSpmd(applySchedule(p, mesh, schedule));
  const inputs = sampleInputs(p, seed);
  const expected = evaluate(p, inputs);
  const shards = inputs.map((t, i) => hostShardAll(t, spmd.inputShardings[i], mesh));
  const perDevice = shards[0] ? shards[0].map((_, d) => shards.map((s) => s[d])) : [];
  const outs = evaluateSpmd(spmd.program, mesh, perDevice);
  const errors = p.outputs.map((o, k) => {
    const got = hostUnshard(
      outs.map((deviceOuts) => deviceOuts[k]),
      spmd.outputShardings[k],
      mesh,
    );
    let maxError = 0;
    const want = expected[k].data;
    for (let i = 0; i < want.length; i++) {
      const e = Math.abs(want[i] - got.data[i]) / (1 + Math.abs(want[i]));
      // a NaN on one side only is a mismatch; NaN on both sides agrees
      maxError = Math.max(
        maxError,
        Number.isNaN(e) ? (Number.isNaN(want[i]) && Number.isNaN(got.data[i]) ? 0 : Infinity) : e,
      );
    }
    return { name: o.name, maxError };
  });
  return { spmd, errors, maxError: Math.max(0, ...errors.map((e) => e.maxError)) };
}
