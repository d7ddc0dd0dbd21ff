import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../ir/builder.ts';
import type { Program } from '../ir/program.ts';
import { programStats } from '../ir/stats.ts';
import { hardwareByName } from '../mesh/hardware.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { defaultTopology } from '../mesh/topology.ts';
import { buildModel } from '../models/spec.ts';
import { partitionProgram } from '../spmd/partition.ts';
import { parseSchedule } from '../tactics/schedule.ts';
import { computeModelFor } from './compute-cost.ts';
import { modelFlops, scopeKey } from './report.ts';
import { COMPUTE_TRACK } from './schedule.ts';
import { simulate } from './simulate.ts';
import { recordingSink } from './trace.ts';

const H100 = hardwareByName('h100-80gb');
const TINY = 'gpt:layers=2,d_model=64,heads=4,vocab=128,seq=32,batch=8';

function close(actual: number, expected: number, rel = 1e-9) {
  expect(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    `actual ${actual} expected ${expected} delta ${actual - expected}`,
  ).toBe(true);
}

/** y = x·w, then the same matmul again as remat would re-emit it. */
function matmulStep(m: number, k: number, n: number): Program {
  const b = new ProgramBuilder('mm', { tokensPerStep: m, dtype: 'bf16' });
  const x = b.input('x', [m, k], 'bf16', 'data');
  const w = b.param('w', [k, n], 'bf16');
  const dims = { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] };
  const y = b.dotGeneral(x, w, dims);
  b.remat = true;
  const y2 = b.dotGeneral(x, w, dims);
  b.remat = false;
  b.output('y', y);
  b.output('y2', y2);
  return b.build();
}

function run(spec: string, mesh: string, schedule: string, overlap = true) {
  const program = buildModel(spec);
  const m = parseMesh(mesh);
  const { spmd } = partitionProgram(program, m, parseSchedule(schedule));
  const sink = recordingSink();
  const report = simulate(program, spmd, m, defaultTopology(m, H100), { overlap, sink });
  return { program, spmd, report, sink };
}

describe('simulate', () => {
  it('gives the hand MFU and HFU of a synthetic step: model FLOPs skip remat, HFU counts it', () => {
    const [m, k, n] = [4096, 8192, 8192];
    const p = matmulStep(m, k, n);
    const mesh = parseMesh('data=1');
    const { spmd } = partitionProgram(p, mesh, []);
    const r = simulate(p, spmd, mesh, defaultTopology(mesh, H100));
    const cm = computeModelFor(H100);
    const flops = 2 * m * k * n;
    const peak = H100.peakFlops.bf16;
    const oneMatmul = cm.launchS + flops / (peak * cm.matmulEff);
    close(r.stepTimeS, 2 * oneMatmul);
    expect(r.modelFlops).toBe(flops);
    close(r.mfu, flops / (2 * oneMatmul * peak));
    close(r.hfu, (2 * flops) / (2 * oneMatmul * peak));
    close(r.tokensPerS!, m / r.stepTimeS);
    expect(r.comm).toEqual([]);
    expect(r.exposedCommTimeS).toBe(0);
  });

  it('counts model FLOPs as the matmul FLOPs of a step without remat (6N + attention, §11)', () => {
    const p = buildModel(TINY);
    expect(modelFlops(p)).toBe(programStats(p).matmulFlops);
  });

  it('reports data-parallel gradient all-reduces on the data axis, each counted once', () => {
    const { report, spmd } = run(TINY, 'data=4', 'BP(data)');
    const n = spmd.collectives.filter((c) => c.kind === 'all-reduce').length;
    expect(n).toBeGreaterThan(0);
    const ar = report.comm.find((c) => c.kind === 'all-reduce')!;
    expect(ar.axis).toBe('data');
    expect(ar.count).toBe(n);
    expect(ar.bytes).toBeGreaterThan(0);
    expect(report.stepTimeS).toBeGreaterThanOrEqual(report.computeTimeS);
    expect(report.exposedCommTimeS).toBeLessThanOrEqual(report.commTimeS + 1e-15);
    expect(report.mfu).toBeGreaterThan(0);
    expect(report.mfu).toBeLessThan(1);
    expect(report.fits).toBe(true);
    expect(report.peakMemoryBytes).toBeGreaterThan(0);
    const b = report.memoryBreakdown;
    expect(b.params).toBeGreaterThan(0);
    expect(report.topScopes.length).toBeGreaterThan(0);
  });

  it('keeps `top` rows of ops and scopes, none for top 0', () => {
    const program = buildModel(TINY);
    const m = parseMesh('data=2');
    const { spmd } = partitionProgram(program, m, parseSchedule('BP(data)'));
    const topo = defaultTopology(m, H100);
    const three = simulate(program, spmd, m, topo, { top: 3 });
    expect(three.topOps).toHaveLength(3);
    expect(three.topScopes).toHaveLength(3);
    expect(three.topOps[0].timeS).toBeGreaterThanOrEqual(three.topOps[2].timeS);
    const none = simulate(program, spmd, m, topo, { top: 0 });
    expect(none.topOps).toEqual([]);
    expect(none.topScopes).toEqual([]);
    expect(none.stepTimeS).toBe(three.stepTimeS);
  });

  it('serialises everything without overlap: step time = compute + communication', () => {
    const { report } = run(TINY, 'data=2,model=2', 'BP(data),MP(model)', false);
    close(report.stepTimeS, report.computeTimeS + report.commTimeS, 1e-9);
    close(report.exposedCommTimeS, report.commTimeS, 1e-6);
    const overlapped = run(TINY, 'data=2,model=2', 'BP(data),MP(model)').report;
    expect(overlapped.stepTimeS).toBeLessThanOrEqual(report.stepTimeS);
    close(overlapped.computeTimeS, report.computeTimeS);
  });

  it('writes compute slices, one comm track per axis and a memory counter per main op', () => {
    const { sink, spmd } = run(TINY, 'data=2,model=2', 'BP(data),MP(model)');
    const tracks = new Set(sink.slices.map((s) => s.track));
    expect([...tracks].sort()).toEqual(['comm data', 'comm model', COMPUTE_TRACK]);
    for (const t of tracks) {
      const list = sink.slices.filter((s) => s.track === t);
      for (let i = 1; i < list.length; i++)
        expect(list[i].startS).toBeGreaterThanOrEqual(
          list[i - 1].startS + list[i - 1].durS - 1e-15,
        );
    }
    expect(sink.counters).toHaveLength(spmd.program.main.ops.length);
    for (let i = 1; i < sink.counters.length; i++)
      expect(sink.counters[i].tS).toBeGreaterThanOrEqual(sink.counters[i - 1].tS);
    expect(sink.counters.every((c) => c.name === 'memory' && c.value >= 0)).toBe(true);
  });

  it('runs an accumulation loop tripCount times: its collectives count once per micro-batch', () => {
    const { report, spmd } = run(`${TINY},accum=4`, 'data=2', 'BP(data),Z2(data)');
    const inLoop = spmd.collectives.filter((c) => c.kind !== 'slice' && c.tripCount === 4);
    expect(inLoop.length).toBeGreaterThan(0);
    const expected = spmd.collectives
      .filter((c) => c.kind !== 'slice')
      .reduce((n, c) => n + c.tripCount, 0);
    expect(report.comm.reduce((n, c) => n + c.count, 0)).toBe(expected);
    const once = run(TINY, 'data=2', 'BP(data),Z2(data)').report;
    expect(report.computeTimeS).toBeGreaterThan(3 * once.computeTimeS);
    expect(report.tokensPerStep).toBe(4 * once.tokensPerStep!);
  });

  it('collapses layer indices in scope keys', () => {
    expect(scopeKey('layers/3/attn')).toBe('layers/*/attn');
    expect(scopeKey('layers/12')).toBe('layers/*');
    expect(scopeKey('embed')).toBe('embed');
  });
});
