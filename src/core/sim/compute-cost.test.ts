import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../ir/builder.ts';
import type { Op, Program } from '../ir/program.ts';
import { opFlops } from '../ir/stats.ts';
import { buildModel } from '../models/spec.ts';
import type { Hardware } from '../mesh/hardware.ts';
import {
  computeModelFor,
  fusedBytes,
  fusionInfo,
  opComputeCost,
  rooflineTimeS,
  tileUtilisation,
} from './compute-cost.ts';

/** A GPU-like chip with round numbers: 1 PFLOP/s bf16, 1 TB/s HBM. */
const CHIP: Hardware = {
  name: 'round',
  title: 'round numbers',
  vendor: 'nvidia',
  peakFlops: { bf16: 1e15, f16: 1e15, f32: 5e14 },
  hbmBytes: 80e9,
  hbmBandwidth: 1e12,
  nodeSize: 8,
  links: { nvlink: { bandwidth: 450e9, latency: 1e-6 } },
  sources: [],
};
const M = computeModelFor(CHIP);

function close(actual: number, expected: number, rel = 1e-9) {
  expect(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `actual ${actual} expected ${expected} delta ${actual - expected}`,
  ).toBe(true);
}

function matmulProgram(m: number, k: number, n: number): Program {
  const b = new ProgramBuilder('mm');
  const x = b.input('x', [m, k], 'bf16', 'data');
  const w = b.param('w', [k, n], 'bf16');
  b.output(
    'y',
    b.dotGeneral(x, w, { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] }),
  );
  return b.build();
}

function costs(p: Program) {
  const f = fusionInfo(p);
  const types = (id: number) => p.values[id].type;
  return p.main.ops.map((op: Op) => ({ op, cost: opComputeCost(op, types, M, f) }));
}

describe('compute cost (roofline with efficiencies)', () => {
  it('times a large bf16 matmul at the sustained fraction of peak, plus one launch', () => {
    const [m, k, n] = [4096, 8192, 8192];
    const [{ cost }] = costs(matmulProgram(m, k, n));
    const flops = 2 * m * k * n;
    const bytes = 2 * (m * k + k * n + m * n);
    expect(cost.flops).toBe(flops);
    expect(cost.bytes).toBe(bytes);
    expect(cost.bound).toBe('compute');
    close(cost.timeS, M.launchS + flops / (1e15 * M.matmulEff));
    close(cost.timeS, M.launchS + rooflineTimeS(flops, bytes, 1e15 * M.matmulEff, 1e12 * M.memEff));
  });

  it('makes a skinny matmul (8 rows) memory-bound: weights streamed from HBM, tiles 8/128 full', () => {
    const [m, k, n] = [8, 8192, 8192];
    const [{ cost }] = costs(matmulProgram(m, k, n));
    const bytes = 2 * (m * k + k * n + m * n);
    expect(cost.bound).toBe('memory');
    close(cost.timeS, M.launchS + bytes / (1e12 * M.memEff));
    // the arithmetic side runs at 8/128 of the sustained rate
    expect(tileUtilisation(8, 128)).toBe(1 / 16);
    expect(tileUtilisation(130, 128)).toBeCloseTo(130 / 256);
  });

  it('times an elementwise add as memory-bound: 12 bytes per f32 element', () => {
    const b = new ProgramBuilder('add');
    const x = b.input('x', [1024, 1024], 'f32', 'data');
    const y = b.input('y', [1024, 1024], 'f32', 'data');
    b.output('z', b.add(x, y));
    const [{ cost }] = costs(b.build());
    const n = 1024 * 1024;
    expect(cost.bound).toBe('memory');
    close(cost.timeS, M.launchS + (12 * n) / (1e12 * M.memEff));
  });

  it('fuses an elementwise chain: the intermediate never reaches HBM and one kernel launches', () => {
    const b = new ProgramBuilder('chain');
    const x = b.input('x', [1024], 'f32', 'data');
    const y = b.input('y', [1024], 'f32', 'data');
    b.output('z', b.exp(b.add(x, y)));
    const p = b.build();
    const f = fusionInfo(p);
    const [add, exp] = p.main.ops;
    expect(fusedBytes(add, f)).toBe(8 * 1024); // reads x, y; result stays on chip
    expect(fusedBytes(exp, f)).toBe(4 * 1024); // writes z only
    const [a, e] = costs(p).map((c) => c.cost.timeS);
    close(a, (8 * 1024) / (1e12 * M.memEff)); // no launch: fused into exp's kernel
    close(e, M.launchS + (4 * 1024) / (1e12 * M.memEff));
  });

  it('keeps an elementwise result with several fusible consumers on chip, not one a matmul reads', () => {
    const b = new ProgramBuilder('multi');
    const x = b.input('x', [64, 64], 'f32', 'data');
    const y = b.input('y', [64, 64], 'f32', 'data');
    const s = b.add(x, y);
    const mean = b.sum(b.exp(s), [1]);
    const t = b.tanh(s);
    const u = b.mul(x, y);
    const mm = b.dotGeneral(u, t, {
      lhsBatch: [],
      rhsBatch: [],
      lhsContract: [1],
      rhsContract: [0],
    });
    b.output('mean', mean);
    b.output('mm', mm);
    const p = b.build();
    const f = fusionInfo(p);
    expect(f.onChip[s.id]).toBe(1); // read by exp and tanh: recomputed in both fusions
    expect(f.onChip[t.id]).toBe(0); // a matmul operand is materialised
    expect(f.onChip[u.id]).toBe(0);
    expect(f.onChip[mean.id]).toBe(0); // reductions write their result
  });

  it('materialises a value a reduction reads when it has other readers (multi-output fusion)', () => {
    const b = new ProgramBuilder('multi-output');
    const x = b.input('x', [64, 64], 'f32', 'data');
    const s = b.add(x, x);
    const alone = b.exp(x);
    const sum = b.sum(s, [1]); // s: read by the reduction and by tanh below
    const sumAlone = b.sum(alone, [1]); // exp(x): read by the reduction only
    b.output('t', b.tanh(s));
    b.output('sum', sum);
    b.output('sumAlone', sumAlone);
    const f = fusionInfo(b.build());
    expect(f.onChip[s.id]).toBe(0);
    expect(f.onChip[alone.id]).toBe(1);
  });

  it('counts the FLOPs opFlops counts, op by op, over a whole training step', () => {
    const p = buildModel('gpt:layers=1,d_model=32,heads=4,vocab=64,seq=8,batch=2');
    const f = fusionInfo(p);
    const types = (id: number) => p.values[id].type;
    for (const op of p.main.ops)
      if (op.kind !== 'while' && op.kind !== 'call' && op.kind !== 'case')
        expect(opComputeCost(op, types, M, f).flops, op.kind).toBe(
          ['reshape', 'constant', 'iota'].includes(op.kind) ? 0 : opFlops(op, types),
        );
  });

  it('charges nothing for reshapes and constants', () => {
    const b = new ProgramBuilder('free');
    const x = b.input('x', [4, 4], 'f32', 'data');
    b.output('y', b.reshape(x, [16]));
    const [{ cost }] = costs(b.build());
    expect(cost.timeS).toBe(0);
  });

  it('uses the dtype peak: an f32 matmul runs at the f32 rate', () => {
    const b = new ProgramBuilder('f32');
    const x = b.input('x', [4096, 4096], 'f32', 'data');
    const w = b.param('w', [4096, 4096], 'f32');
    b.output(
      'y',
      b.dotGeneral(x, w, { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] }),
    );
    const [{ cost }] = costs(b.build());
    close(cost.timeS, M.launchS + (2 * 4096 ** 3) / (5e14 * M.matmulEff));
  });
});
