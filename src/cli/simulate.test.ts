import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceProblems } from '../core/sim/test-util.ts';
import type { TraceEvent } from '../core/sim/trace.ts';
import { captureIO } from './io.ts';
import { main } from './main.ts';

async function cli(...argv: string[]) {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const TINY = 'gpt:layers=2,d_model=64,heads=4,vocab=128,seq=32,batch=8';
const BASE = [
  'simulate',
  '--model',
  TINY,
  '--mesh',
  'data=2,model=2',
  '--schedule',
  'BP(data),MP(model)',
];

interface SimJson {
  stepTimeS: number;
  computeTimeS: number;
  commTimeS: number;
  exposedCommTimeS: number;
  mfu: number;
  hfu: number;
  tokensPerS: number;
  peakMemoryBytes: number;
  memoryBreakdown: Record<string, number>;
  fits: boolean;
  comm: { axis: string; kind: string; bytes: number; timeS: number }[];
}

describe('shardlab simulate', () => {
  it('prints the report as JSON with the documented fields, MFU a fraction', async () => {
    const r = await cli(...BASE, '--hardware', 'h100-80gb', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as SimJson;
    for (const k of [
      'stepTimeS',
      'computeTimeS',
      'commTimeS',
      'exposedCommTimeS',
      'mfu',
      'hfu',
      'tokensPerS',
      'peakMemoryBytes',
    ] as const)
      expect(typeof j[k], k).toBe('number');
    expect(Object.keys(j.memoryBreakdown).sort()).toEqual([
      'activations',
      'grads',
      'optState',
      'params',
      'temp',
    ]);
    expect(j.fits).toBe(true);
    expect(j.mfu).toBeGreaterThan(0);
    expect(j.mfu).toBeLessThan(1);
    expect(new Set(j.comm.map((c) => c.axis))).toEqual(new Set(['data', 'model']));
    for (const c of j.comm)
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['axis', 'kind', 'bytes', 'timeS']));
  });

  it('serialises with --no-overlap: step time = compute + communication', async () => {
    const j = JSON.parse((await cli(...BASE, '--no-overlap', '--json')).stdout) as SimJson;
    expect(j.stepTimeS).toBeCloseTo(j.computeTimeS + j.commTimeS, 12);
  });

  it('prints a readable summary', async () => {
    const r = await cli(...BASE, '--hardware', 'tpu-v4');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/on data=2,model=2 × tpu-v4/);
    expect(r.stdout).toMatch(/step time\s+\d/);
    expect(r.stdout).toMatch(/MFU \/ HFU\s+\d+\.\d%/);
    expect(r.stdout).toMatch(/peak memory/);
    expect(r.stdout).toMatch(/all-reduce/);
  });

  it('writes a Chrome trace Perfetto opens: one process per device, named threads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardlab-sim-'));
    const file = join(dir, 'trace.json');
    const r = await cli(...BASE, '--trace', file, '--trace-devices', '2');
    expect(r.code).toBe(0);
    const t = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] };
    expect(traceProblems(t.traceEvents)).toEqual([]);
    expect(new Set(t.traceEvents.map((e) => e.pid))).toEqual(new Set([0, 1]));
    expect(t.traceEvents.some((e) => e.ph === 'C')).toBe(true);
  });

  it('rejects unknown hardware as a usage error listing the known names', async () => {
    const r = await cli(...BASE, '--hardware', 'h1000');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hardware: unknown hardware 'h1000'.*tpu-v4.*h100-80gb/s);
  });

  it('rejects a bad topology as a usage error', async () => {
    const r = await cli(...BASE, '--topology', 'data=warp');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--topology: /);
  });
});
