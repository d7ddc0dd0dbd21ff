import { describe, expect, it } from 'vitest';
import { buildModel } from '../../core/models/index.ts';
import { hardwareByName } from '../../core/mesh/hardware.ts';
import { parseMesh } from '../../core/mesh/mesh.ts';
import { defaultTopology } from '../../core/mesh/topology.ts';
import { simulate } from '../../core/sim/simulate.ts';
import { partitionProgram } from '../../core/spmd/partition.ts';
import { parseSchedule } from '../../core/tactics/schedule.ts';
import { captureIO } from '../io.ts';
import { main } from '../main.ts';

async function cli(...argv: string[]) {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const TINY = 'gpt:layers=2,d_model=256,heads=8,vocab=512,seq=128,batch=16';
const BASE = ['auto', '--model', TINY, '--mesh', 'data=4,model=2', '--iterations', '40'];

interface AutoJson {
  schedule: string;
  stepTimeS: number;
  peakMemoryBytes: number;
  searchTimeS: number;
  evaluations: number;
  baselines: { name: string; schedule: string; stepTimeS: number; peakMemoryBytes: number }[];
}

describe('shardlab auto', () => {
  it('prints the documented JSON: the schedule and its simulated figures beside the baselines', async () => {
    const r = await cli(...BASE, '--seed', '3', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as AutoJson;
    expect(typeof j.schedule).toBe('string');
    for (const k of ['stepTimeS', 'peakMemoryBytes', 'searchTimeS'] as const)
      expect(j[k]).toBeGreaterThan(0);
    expect(j.evaluations).toBeGreaterThan(0);
    expect(j.baselines.map((b) => b.name)).toEqual(['BP', 'BP+MP', 'BP+MP+SP', 'FSDP', 'BP+MP+Z3']);
    // the figures are the pipeline's own for the printed schedules
    const program = buildModel(TINY);
    const mesh = parseMesh('data=4,model=2');
    const topo = defaultTopology(mesh, hardwareByName('h100-80gb'));
    for (const x of [j, ...j.baselines]) {
      const { spmd } = partitionProgram(program, mesh, parseSchedule(x.schedule));
      const report = simulate(program, spmd, mesh, topo);
      expect(x.stepTimeS).toBe(report.stepTimeS);
      expect(x.peakMemoryBytes).toBe(report.peakMemoryBytes);
    }
  });

  it('prints a table of the winner and the baselines', async () => {
    const r = await cli(...BASE, '--schedule', 'BP(data)');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/schedule: BP\(data\)/);
    for (const name of ['auto', 'BP+MP', 'FSDP'])
      expect(r.stdout).toMatch(new RegExp(`^${name.replace(/\+/g, '\\+')} `, 'm'));
    expect(r.stdout).toMatch(/step time/);
  });

  it('gives usage errors that name the option', async () => {
    const bad = async (args: string[], pattern: RegExp) => {
      const r = await cli(...BASE, ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
    };
    await bad(['--axes', 'tensor'], /unknown mesh axis 'tensor'/);
    await bad(['--schedule', 'BP(data)', '--axes', 'data'], /already used by the prefix/);
    await bad(['--goal', 'memory'], /--goal memory needs --time-budget/);
    await bad(['--goal', 'speed'], /--goal speed: expected time or memory/);
    await bad(['--time-limit', '0'], /--time-limit 0/);
    await bad(['--method', 'ilp'], /--method ilp/);
  });
});
