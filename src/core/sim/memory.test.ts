import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../ir/builder.ts';
import type { Program, Value } from '../ir/program.ts';
import { parseMesh, type Mesh } from '../mesh/mesh.ts';
import { buildModel } from '../models/index.ts';
import type { SpmdProgram } from '../spmd/lower.ts';
import { partitionProgram } from '../spmd/partition.ts';
import { parseSchedule } from '../tactics/schedule.ts';
import { mixedPrecisionAdamStep } from './memory-fixtures.ts';
import { memoryCategory, memoryProfile, type MemoryProfile } from './memory.ts';

/** |actual − expected| ≤ rel·|expected|, printing actual, expected and the relative delta. */
function near(label: string, actual: number, expected: number, rel: number): void {
  const delta = expected === 0 ? actual : (actual - expected) / Math.abs(expected);
  console.log(
    `${label}: actual ${actual.toPrecision(6)} expected ${expected.toPrecision(6)} delta ${(delta * 100).toFixed(3)}% (tolerance ${(rel * 100).toFixed(2)}%)`,
  );
  expect(Math.abs(delta)).toBeLessThanOrEqual(rel);
}

/** A hand-built program as its own one-device SPMD program (every value stands for itself). */
function asSpmd(p: Program): { spmd: SpmdProgram; mesh: Mesh } {
  const mesh = parseMesh('x=1');
  const localOf = new Map(p.values.map((v) => [v.id, v.id] as const));
  return {
    spmd: { program: p, mesh, collectives: [], inputShardings: [], outputShardings: [], localOf },
    mesh,
  };
}

function profileOf(p: Program): MemoryProfile {
  const { spmd, mesh } = asSpmd(p);
  return memoryProfile(spmd, p, mesh);
}

describe('liveness on hand-built programs (byte counts by hand)', () => {
  /** An op XLA does not fuse (a window op), so its result has a buffer of its own. */
  const rev = (b: ProgramBuilder, x: Value) => b.op1('reverse', [x], { dims: [0] });

  it('a chain frees each value after its last use', () => {
    // x f32[256] = 1024 B, live throughout (a program input); a, b, c, d each 1024 B
    const b = new ProgramBuilder('chain');
    const x = b.input('x', [256], 'f32', 'data');
    const a = rev(b, x);
    const c1 = rev(b, a);
    const c2 = rev(b, c1);
    const d = rev(b, c2);
    b.output('d', d);
    const prof = profileOf(b.build());
    // op i runs with x, its operand and its result live: 3 × 1024; after it, the operand is freed
    expect(Array.from(prof.timeline)).toEqual([2048, 2048, 2048, 2048]);
    expect(prof.peakBytes).toBe(3072);
    expect(prof.peakOpIndex).toBe(1);
    // x is data (activations); a and exp(a) are short-lived forward intermediates (temp)
    expect(prof.breakdown).toEqual({
      params: 0,
      grads: 0,
      optState: 0,
      activations: 1024,
      temp: 2048,
    });
    expect(prof.perDevice).toEqual([3072]);
  });

  it('a fused value takes no buffer; reading it keeps alive the buffers it is recomputed from', () => {
    // h = reverse(x) is materialised (1024 B); t = tanh(h) stays on chip (an elementwise result
    // read only by elementwise ops); the backward's read of t keeps h alive instead of t
    const b = new ProgramBuilder('fused');
    const x = b.input('x', [256], 'f32', 'data'); // 1024 B, live throughout
    const h = rev(b, x); // op0: 1024
    const t = b.tanh(h); // op1: on chip
    // op2 constant 2 (4 B), op3 its broadcast (on chip), op4 m = 2t (a reverse reads it: 1024),
    // op5 y = reverse(m) (1024)
    const y = rev(b, b.mul(t, 2));
    // op6 t·y (a reverse reads it: 1024), op7 g (1024)
    const g = b.withPhase('backward', () => rev(b, b.mul(t, y)));
    b.output('g', g);
    const prof = profileOf(b.build());
    // after each op: x+h; x+h; x+h+c; x+h+c (c read through the broadcast at op4); x+h+m;
    // x+h+y; x+(t·y) — h dies only now, at the backward's read of t; x+g
    expect(Array.from(prof.timeline)).toEqual([2048, 2048, 2052, 2052, 3072, 3072, 2048, 2048]);
    // while op5 runs (x, h, m, y), and again while op6 does (x, h, y, t·y)
    expect(prof.peakBytes).toBe(4096);
    expect(prof.peakOpIndex).toBe(5);
  });

  it('an output aliasing (donating) its input replaces it instead of doubling it', () => {
    const build = (donate: boolean) => {
      const b = new ProgramBuilder('donate');
      const w = b.param('w', [256], 'f32'); // 1024 B
      const w2 = b.withPhase('optimizer', () => b.op1('negate', [w], {}, { of: w.id }));
      b.output('w', w2, donate ? w : undefined);
      return b.build();
    };
    const donated = profileOf(build(true));
    // w dies at the op making w' and w' takes its buffer: 1024 B throughout
    expect(donated.peakBytes).toBe(1024);
    expect(Array.from(donated.timeline)).toEqual([1024]);
    expect(donated.breakdown.params).toBe(1024);
    // without donation the input stays live to the end next to its replacement
    const kept = profileOf(build(false));
    expect(kept.peakBytes).toBe(2048);
    expect(kept.breakdown.params).toBe(2048);
  });

  it('a donated input still read after its replacement is made is counted with it until then', () => {
    const b = new ProgramBuilder('donate-late');
    const w = b.param('w', [256], 'f32'); // 1024 B
    const { w2, t } = b.withPhase('optimizer', () => {
      const w2 = b.op1('negate', [w], {}, { of: w.id });
      return { w2, t: b.add(w, w2) };
    });
    b.output('w', w2, w);
    b.output('t', t);
    const prof = profileOf(b.build());
    // op0: w + w' = 2048; op1: w + w' + t = 3072, then w is freed: 2048
    expect(Array.from(prof.timeline)).toEqual([2048, 2048]);
    expect(prof.peakBytes).toBe(3072);
    expect(prof.peakOpIndex).toBe(1);
  });

  it("a while loop's body peak adds to the live set at the loop, carried values counted once", () => {
    const b = new ProgramBuilder('loop');
    const x = b.input('x', [256], 'f32', 'data'); // 1024 B
    const i0 = b.constant(0, [], 'i32'); // 4 B
    const types = [i0.type, x.type];
    const cond = b.region(types, (i) => [b.compare(i, b.constant(3, [], 'i32'), 'LT')]);
    const body = b.region(types, (i, v) => {
      const y = rev(b, v); // 1024
      const z = rev(b, y); // 1024, y freed
      return [b.add(i, b.constant(1, [], 'i32')), z];
    });
    const [, out] = b.op('while', [i0, x], { tripCount: 3 }, { regions: [cond, body] });
    b.output('out', out);
    const prof = profileOf(b.build());
    // body (its params are the carried buffers, paid outside): rev 1024, rev 1024 + 1024 → 2048;
    // then constant 4 and add 4 next to z: ≤ 1032. Body peak 2048 (cond: 4 + 1 = 5).
    // main: x 1024; op0 constant → 1028; op1 while: 1028 + max(2048, results 1028 − 4 reused
    // from the dying counter) = 3076; after: x + the carried result (the counter result is
    // unused, freed at once) = 2048
    expect(Array.from(prof.timeline)).toEqual([1028, 2048]);
    expect(prof.peakBytes).toBe(3076);
    expect(prof.peakOpIndex).toBe(1);
    expect(prof.breakdown).toEqual({
      params: 0,
      grads: 0,
      optState: 0,
      activations: 1024,
      temp: 2052,
    });
  });
});

describe('ZeRO memory (Rajbhandari et al. 2019; simulator.md §3.1): Ψ = 7.5B, 64 devices', () => {
  // 60 bf16 matrices [40000, 3125] = 7.5e9 parameters; mixed-precision Adam: 2Ψ bf16 params,
  // 2Ψ bf16 gradients, 12Ψ f32 optimizer state (master weights, m, v)
  const COUNT = 60;
  const ROWS = 40000;
  const COLS = 3125;
  const PSI = COUNT * ROWS * COLS;
  const N = 64;
  const program = mixedPrecisionAdamStep(COUNT, ROWS, COLS, N);
  const mesh = parseMesh(`data=${N}`);
  const stages = [
    { schedule: 'BP(data)', params: 2 * PSI, grads: 2 * PSI, opt: 12 * PSI, paper: 120 },
    {
      schedule: 'BP(data),Z1(data)',
      params: 2 * PSI,
      grads: 2 * PSI,
      opt: (12 * PSI) / N,
      paper: 31.4,
    },
    {
      schedule: 'BP(data),Z2(data)',
      params: 2 * PSI,
      grads: (2 * PSI) / N,
      opt: (12 * PSI) / N,
      paper: 16.6,
    },
    {
      schedule: 'BP(data),Z3(data)',
      params: (2 * PSI) / N,
      grads: (2 * PSI) / N,
      opt: (12 * PSI) / N,
      paper: 1.9,
    },
  ];
  const profiles = new Map<string, MemoryProfile>();
  const profile = (schedule: string): MemoryProfile => {
    let prof = profiles.get(schedule);
    if (!prof) {
      const { spmd } = partitionProgram(program, mesh, parseSchedule(schedule));
      prof = memoryProfile(spmd, program, mesh);
      profiles.set(schedule, prof);
    }
    return prof;
  };
  const stored = (p: MemoryProfile) =>
    p.breakdown.params + p.breakdown.grads + p.breakdown.optState;

  it('the closed forms give the paper figures', () => {
    for (const s of stages)
      near(`${s.schedule} closed form (GB)`, (s.params + s.grads + s.opt) / 1e9, s.paper, 0.02);
  });

  for (const s of stages.slice(0, 2))
    it(`${s.schedule}: params + grads + optimizer state = ${s.paper} GB`, () => {
      const prof = profile(s.schedule);
      near(`${s.schedule} params+grads+optState`, stored(prof), s.params + s.grads + s.opt, 0.01);
      near(`${s.schedule} params`, prof.breakdown.params, s.params, 0.01);
      near(`${s.schedule} optState`, prof.breakdown.optState, s.opt, 0.01);
      // the tiny forward: no activations to speak of; temp = the update's f32 intermediates of
      // one parameter (a few [40000, 3125] f32 buffers of 0.5 GB before sharding)
      expect(prof.breakdown.activations).toBeLessThan(1e-4 * prof.peakBytes);
      expect(prof.breakdown.temp).toBeLessThanOrEqual(5 * 4 * ROWS * COLS);
    });

  for (const s of stages.slice(2)) {
    it(`${s.schedule}: the sharded parameters and optimizer state have their ZeRO size`, () => {
      const prof = profile(s.schedule);
      near(`${s.schedule} params`, prof.breakdown.params, s.params, 0.01);
      near(`${s.schedule} optState`, prof.breakdown.optState, s.opt, 0.01);
      expect(prof.breakdown.activations).toBeLessThan(1e-4 * prof.peakBytes);
    });
    // ZeRO-2/3 reduce-scatter each gradient where it is produced, so at the peak the sharded
    // gradients (2Ψ/N) are live plus the one full-size gradient being reduce-scattered: a
    // transient of one parameter's bf16 gradient that the paper's formula leaves out (its
    // bucketed implementation holds one bucket the same way).
    it(`${s.schedule}: params + grads + optimizer state = ${s.paper} GB + one gradient in flight`, () => {
      const prof = profile(s.schedule);
      const inFlight = 2 * ROWS * COLS;
      near(`${s.schedule} grads`, prof.breakdown.grads, s.grads + inFlight, 0.01);
      near(
        `${s.schedule} params+grads+optState`,
        stored(prof),
        s.params + s.grads + s.opt + inFlight,
        0.01,
      );
    });
  }
});

describe('activation memory per transformer layer (Korthikanti et al. 2022; simulator.md §3.1)', () => {
  // S = seq, b = batch, H = d_model, a = heads; ffn = 4H, bf16 activations, tanh-GeLU, no dropout
  const S = 256;
  const B = 8;
  const H = 64;
  const A = 4;
  const SBH = S * B * H;
  const ABS2 = A * B * S * S;

  /** Activations at the peak (the start of the backward) of a `layers`-layer model. */
  const activations = (
    layers: number,
    meshText: string,
    schedule: string,
    remat = 'none',
  ): number => {
    const g = buildModel(
      `gpt:layers=${layers},d_model=${H},heads=${A},vocab=64,seq=${S},batch=${B},remat=${remat}`,
    );
    const mesh = parseMesh(meshText);
    const { spmd } = partitionProgram(g, mesh, schedule ? parseSchedule(schedule) : []);
    const prof = memoryProfile(spmd, g, mesh);
    expect(spmd.program.main.ops[prof.peakOpIndex].phase).toBe('backward');
    return prof.breakdown.activations;
  };
  /** One layer: the 2-layer model minus the 1-layer one (embeddings, final norm, loss cancel). */
  const perLayer = (meshText: string, schedule: string, remat = 'none') =>
    activations(2, meshText, schedule, remat) - activations(1, meshText, schedule, remat);

  /**
   * Korthikanti et al. count, per layer, what Megatron's kernels keep for the backward (bytes,
   * 16-bit): attention 11SbH + 5abS², MLP 19SbH, the two LayerNorm inputs 4SbH, so
   * SbH(34 + 5aS/H). Three SbH and 3abS² of that are dropout (two SbH masks after the attention
   * and the MLP, the attention-dropout mask abS² and its output 2abS²); our models have no
   * dropout, which leaves 32SbH + 2abS²: the LayerNorm inputs (2 × 2SbH), the QKV input, Q, K, V
   * and the output projection's input (10SbH), the softmax output (2abS²), the MLP input, the
   * GeLU's input and output (2 + 8 + 8 SbH).
   *
   * The simulator gets there from the program itself: XLA's fusion (compute-cost.ts) keeps the
   * elementwise intermediates of GeLU and LayerNorm on chip and recomputes them from the matmul
   * result or the LayerNorm input in the backward; the softmax backward reads its output only
   * (autodiff/softmax.ts). What the formula leaves out and we keep: the LayerNorm row statistics
   * (mean and rsqrt, [b, S] each: 2 × 2 × 2bS = 8bS) and a few scalar constants.
   */
  const korthikantiNoDropout = (t: number, tpOnly = false) =>
    tpOnly ? SBH * (8 + 24 / t) + (2 * ABS2) / t : (32 * SBH + 2 * ABS2) / t;
  const stats = (t: number) => (8 * B * S) / t;
  const within = 64; // bytes: the scalar constants

  it('no parallelism: the per-layer activations are Korthikanti’s without dropout', () => {
    const measured = perLayer('model=1', '');
    const formula = korthikantiNoDropout(1);
    near('per-layer activations vs 32SbH + 2abS² + 8bS', measured, formula + stats(1), 1e-4);
    expect(Math.abs(measured - formula - stats(1))).toBeLessThanOrEqual(within);
    console.log(`with dropout SbH(34 + 5aS/H) = ${SBH * (34 + (5 * A * S) / H)}`);
  });

  it('tensor parallelism on t devices: SbH(8 + 24/t) + 2abS²/t (the LayerNorms replicated)', () => {
    const t = 4;
    const measured = perLayer(`model=${t}`, 'MP(model)');
    const formula = korthikantiNoDropout(t, true);
    near('MP per-layer activations', measured, formula + stats(1), 1e-4);
  });

  it('tensor + sequence parallelism on t devices divides all of it by t', () => {
    const t = 4;
    const measured = perLayer(`model=${t}`, 'MP(model),SP(model)');
    const formula = korthikantiNoDropout(t);
    near('MP+SP per-layer activations', measured, formula + stats(t), 1e-4);
    expect(Math.abs(measured - formula - stats(t))).toBeLessThanOrEqual(within);
  });

  it('TP + SP with selective recompute (the attention core): 32SbH/t, Korthikanti’s 34SbH/t less dropout', () => {
    const t = 4;
    const measured = perLayer(`model=${t}`, 'MP(model),SP(model)', 'selective');
    near('MP+SP+selective per-layer activations', measured, (32 * SBH) / t + stats(t), 1e-4);
  });

  it('full recompute keeps the layer input alone: 2SbH per layer', () => {
    near('full-remat per-layer activations', perLayer('model=1', '', 'full'), 2 * SBH, 1e-4);
  });
});

describe('categories', () => {
  it('labels inputs by role and gradients by the parameter they belong to', () => {
    const program = mixedPrecisionAdamStep(2, 128, 64, 4);
    const mesh = parseMesh('data=2');
    const { spmd } = partitionProgram(program, mesh, parseSchedule('BP(data),Z3(data)'));
    const p = spmd.program;
    const byName = (name: string) => p.main.params.find((id) => p.values[id].name === name)!;
    expect(memoryCategory(spmd, program, byName('w0'))).toBe('params');
    expect(memoryCategory(spmd, program, byName('opt/m/w0'))).toBe('optState');
    expect(memoryCategory(spmd, program, byName('x'))).toBe('activations');
    const grad = program.values.find((v) => v.kind === 'gradient' && v.of !== undefined)!;
    expect(memoryCategory(spmd, program, spmd.localOf.get(grad.id)!)).toBe('grads');
    const reduceScatter = spmd.collectives.find(
      (c) => c.kind === 'reduce-scatter' && c.value === grad.id,
    );
    if (reduceScatter) {
      const op = p.main.ops.find((o) => o.id === reduceScatter.opId)!;
      expect(memoryCategory(spmd, program, op.results[0])).toBe('grads');
    }
    // the new parameter (an update of w0, output aliasing it) is a parameter
    const out = p.outputs.find((o) => o.name === 'new/w0')!;
    expect(memoryCategory(spmd, program, out.value)).toBe('params');
  });
});

describe('scale', () => {
  // its speed is measured by `npm run bench -- simulate` (no timed assertions in tests)
  it(
    'profiles the gpt3-175b training step (BP,MP,Z3 on data=8,model=8,fsdp=4) op by op',
    { timeout: 120_000 },
    () => {
      const program = buildModel('gpt3-175b');
      const mesh = parseMesh('data=8,model=8,fsdp=4');
      const { spmd } = partitionProgram(
        program,
        mesh,
        parseSchedule('BP(data),MP(model),Z3(fsdp)'),
      );
      const prof = memoryProfile(spmd, program, mesh);
      expect(prof.timeline.length).toBe(spmd.program.main.ops.length);
      expect(prof.peakBytes).toBe(Math.max(...prof.perDevice));
      expect(prof.timeline[prof.peakOpIndex]).toBeLessThanOrEqual(prof.peakBytes);
    },
  );
});
