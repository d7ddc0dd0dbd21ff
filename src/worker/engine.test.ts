import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../core/models/index.ts';
import type { Tactic } from '../core/tactics/tactic.ts';
import { EngineSession, slicesByTrack } from './engine.ts';
import type { Progress, RunRequest, RunResult } from './protocol.ts';

// A small real model: 2 layers, narrow, a batch that divides by every mesh axis used here.
const SPEC = 'gpt2-small:layers=2,d_model=64,heads=4,vocab=512,seq=32,batch=8';
const base: RunRequest = {
  model: { kind: 'preset', spec: SPEC },
  mesh: 'data=4,model=2',
  hardware: 'h100-80gb',
  topology: null,
  schedule: [],
  after: null,
};

function ok(session: EngineSession, req: RunRequest, progress?: (p: Progress) => void): RunResult {
  const out = session.run(req, progress);
  if (!out.ok) throw new Error(`${out.error.place}: ${out.error.message}`);
  return out.result;
}

const count = (r: RunResult, kind: string, phase?: string, axis?: string) =>
  r.collectives.filter(
    (c) =>
      c.kind === kind &&
      (phase === undefined || c.phase === phase) &&
      (axis === undefined || c.axes.includes(axis)),
  ).length;

describe('EngineSession', () => {
  it('BP on data quarters per-device activations and all-reduces every parameter gradient', () => {
    const s = new EngineSession();
    const none = ok(s, base);
    const bp = ok(s, { ...base, schedule: [{ tactic: 'BP', axis: 'data' }] });
    expect(none.collectives).toEqual([]);
    // activations scale with the batch: a quarter of the batch per device on data=4
    const ratio = bp.report.memoryBreakdown.activations / none.report.memoryBreakdown.activations;
    expect(ratio).toBeGreaterThan(0.2);
    expect(ratio).toBeLessThan(0.3);
    // parameters stay whole on every device
    expect(bp.report.memoryBreakdown.params).toBe(none.report.memoryBreakdown.params);
    // one all-reduce over data per parameter gradient, as data parallelism prescribes
    const program = buildModel(SPEC);
    const params = program.main.params.filter((id) => program.values[id].role === 'param');
    expect(count(bp, 'all-reduce', 'backward', 'data')).toBe(params.length);
    expect(bp.collectives.every((c) => c.axes.join() === 'data')).toBe(true);
    expect(bp.perDevice).toHaveLength(8);
    expect(bp.axes).toEqual([
      { name: 'data', size: 4 },
      { name: 'model', size: 2 },
    ]);
  });

  it('MP adds the Megatron all-reduces on the model axis in the forward pass, two per layer', () => {
    const s = new EngineSession();
    const r = ok(s, {
      ...base,
      schedule: [
        { tactic: 'BP', axis: 'data' },
        { tactic: 'MP', axis: 'model' },
      ],
    });
    // Megatron: one all-reduce after attention's output projection, one after the MLP's
    expect(count(r, 'all-reduce', 'forward', 'model')).toBe(2 * 2);
    const comm = r.timeline.tracks.filter((t) => t !== 'compute');
    expect(comm).toContain('comm model');
    const modelTrack = r.timeline.tracks.indexOf('comm model');
    const slices = [...r.timeline.track].filter((t) => t === modelTrack).length;
    expect(slices).toBeGreaterThan(0);
    // the per-track index holds every slice once, each track's by start time
    const { offsets, slices: idx } = r.timeline.byTrack;
    r.timeline.tracks.forEach((_, k) => {
      const mine = [...idx.subarray(offsets[k], offsets[k + 1])];
      const expected = [...r.timeline.track.keys()]
        .filter((i) => r.timeline.track[i] === k)
        .sort((a, b) => r.timeline.start[a] - r.timeline.start[b] || a - b);
      expect(mine.map((i) => r.timeline.start[i])).toEqual(
        expected.map((i) => r.timeline.start[i]),
      );
      expect(new Set(mine)).toEqual(new Set(expected));
    });
    // every communication slice points at its collective
    for (let i = 0; i < r.timeline.track.length; i++)
      if (r.timeline.tracks[r.timeline.track[i]] !== 'compute')
        expect(r.timeline.collective[i]).toBeGreaterThanOrEqual(0);
  });

  it('re-runs only the changed suffix and gives the same result as a fresh session', () => {
    const first: Tactic[] = [
      { tactic: 'BP', axis: 'data' },
      { tactic: 'MP', axis: 'model' },
      { tactic: 'Z1', axis: 'data' },
    ];
    const changed: Tactic[] = [...first.slice(0, 2), { tactic: 'Z3', axis: 'data' }];
    const s = new EngineSession();
    ok(s, { ...base, schedule: first });
    const stages: Progress[] = [];
    const again = ok(s, { ...base, schedule: changed }, (p) => stages.push(p));
    expect(again.timing.reusedSteps).toBe(2);
    // only tactic 3 propagates again
    expect(stages.filter((p) => p.stage === 'propagating').map((p) => p.done)).toEqual([2, 3]);
    const fresh = ok(new EngineSession(), { ...base, schedule: changed });
    expect(fresh.timing.reusedSteps).toBe(0);
    expect(again.report).toEqual(fresh.report);
    expect(again.collectives).toEqual(fresh.collectives);
  });

  it('steps through the schedule: after 1 is BP alone', () => {
    const s = new EngineSession();
    const schedule: Tactic[] = [
      { tactic: 'BP', axis: 'data' },
      { tactic: 'MP', axis: 'model' },
    ];
    const after1 = ok(s, { ...base, schedule, after: 1 });
    const bpOnly = ok(new EngineSession(), { ...base, schedule: schedule.slice(0, 1) });
    expect(after1.steps).toHaveLength(1);
    expect(after1.report).toEqual(bpOnly.report);
    const all = ok(s, { ...base, schedule, after: null });
    expect(all.timing.reusedSteps).toBe(2);
  });

  it('places each bad input at its field, with the core message', () => {
    const s = new EngineSession();
    const err = (req: RunRequest) => {
      const out = s.run(req);
      if (out.ok) throw new Error('expected an error');
      return out.error;
    };
    expect(err({ ...base, model: { kind: 'preset', spec: 'gpt2-small:layerz=2' } })).toMatchObject({
      place: 'model',
      message: expect.stringMatching(/layerz/),
    });
    expect(err({ ...base, mesh: 'data=0' }).place).toBe('mesh');
    expect(err({ ...base, hardware: 'h900' })).toMatchObject({
      place: 'hardware',
      message: expect.stringMatching(/unknown hardware 'h900'/),
    });
    expect(
      err({
        ...base,
        schedule: [
          { tactic: 'BP', axis: 'data' },
          { tactic: 'MP', axis: 'nope' },
        ],
      }),
    ).toMatchObject({ place: 'schedule', tacticIndex: 1, message: expect.stringMatching(/nope/) });
    // a bad tactic beyond the step-through cut does not hide the cut
    const cut = s.run({
      ...base,
      schedule: [
        { tactic: 'BP', axis: 'data' },
        { tactic: 'MP', axis: 'nope' },
      ],
      after: 1,
    });
    expect(cut.ok).toBe(true);
  });

  it('exports the latest run as a Chrome trace with one process per device asked', () => {
    const s = new EngineSession();
    expect(() => s.trace()).toThrow(/no successful run/);
    ok(s, { ...base, schedule: [{ tactic: 'BP', axis: 'data' }] });
    const trace = s.trace([0, 3, 99]);
    const pids = new Set(trace.traceEvents.map((e) => e.pid));
    expect([...pids].sort()).toEqual([0, 3]);
    expect(trace.traceEvents.some((e) => e.ph === 'X' && e.cat === 'comm')).toBe(true);
    expect(s.value(0)?.name).toBeTypeOf('string');
    expect(s.value(-1)).toBeNull();
  });
});

describe('EngineSession with imported files and the automatic partitioner', () => {
  const fixture = readFileSync(
    fileURLToPath(new URL('../core/io/fixtures/mlp_train.mlir', import.meta.url)),
    'utf8',
  );

  it('runs an imported StableHLO file, and names the file in a parse error', () => {
    const s = new EngineSession();
    const file = { kind: 'file' as const, name: 'mlp_train.mlir', text: fixture };
    const r = ok(s, { ...base, mesh: 'data=2', model: file, schedule: [] });
    expect(r.model.ops).toBeGreaterThan(0);
    const bad = s.run({
      ...base,
      model: { kind: 'file', name: 'x.mlir', text: 'func.func @main(' },
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.error).toMatchObject({
        place: 'model',
        message: expect.stringMatching(/^x\.mlir: /),
      });
  });

  it('searches after the schedule as a prefix and returns an ordinary schedule', () => {
    const s = new EngineSession();
    const prefix: Tactic[] = [{ tactic: 'BP', axis: 'data' }];
    const seen: number[] = [];
    const out = s.auto(
      { ...base, schedule: prefix },
      { timeLimitS: 60 },
      (p) => seen.push(p.evaluations),
      () => seen.length > 3,
    );
    if (!out.ok) throw new Error(out.error.message);
    expect(out.result.tactics[0]).toEqual(prefix[0]);
    // the prefix took data; the search may only decide model
    expect(out.result.tactics.slice(1).every((t) => t.axis === 'model')).toBe(true);
    expect(out.result.baselines.length).toBeGreaterThan(0);
    // what it returns runs as a workspace schedule
    expect(s.run({ ...base, schedule: out.result.tactics }).ok).toBe(true);
    const bad = s.auto({ ...base, schedule: [{ tactic: 'BP', axis: 'nope' }] }, { timeLimitS: 1 });
    expect(bad.ok).toBe(false);
  });
});

describe('slicesByTrack', () => {
  it('groups by track and sorts a group that is out of order', () => {
    const track = Uint8Array.from([1, 0, 1, 0, 1]);
    const start = Float64Array.from([5, 1, 2, 3, 9]);
    const { offsets, slices } = slicesByTrack(track, start, 3);
    expect([...offsets]).toEqual([0, 2, 5, 5]);
    expect([...slices]).toEqual([1, 3, 2, 0, 4]);
  });
});

describe('EngineSession.prebuild', () => {
  it('shows a newly built program to the views before its run, then the run replaces it', () => {
    const s = new EngineSession();
    const req: RunRequest = { ...base, schedule: [{ tactic: 'BP', axis: 'data' }] };
    expect(s.prebuild(req)).toBe(true);
    expect(s.context().schedule.steps).toHaveLength(0);
    expect(s.graph({ expanded: [] }).nodes.length).toBeGreaterThan(0);
    expect(s.prebuild(req)).toBe(false); // built already
    ok(s, req);
    expect(s.context().schedule.steps).toHaveLength(1);
    expect(s.context().report).toBeDefined();
    // a bad model or mesh is left to the run to report
    expect(s.prebuild({ ...base, model: { kind: 'preset', spec: 'nope' } })).toBe(false);
  });
});
