import type { Program } from '../ir/program.ts';
import type { Mesh } from '../mesh/mesh.ts';
import { axisLink, type Topology } from '../mesh/topology.ts';
import { scheduleToString } from '../tactics/schedule.ts';
import { TacticError, type NamedTacticName, type Tactic } from '../tactics/tactic.ts';
import type { AutoBaseline } from './types.ts';
import { simulateSchedule } from './evaluate.ts';

/**
 * The expert strategies (autopartition.md §6) laid out on a mesh the way an engineer would:
 * Megatron on the axis with the fastest links (the minor one on a tie), batch on the others.
 * On a one-axis mesh the model-parallel strategies put MP on that axis alone.
 */
export function baselineSchedules(
  program: Program,
  topology: Topology,
  axes: readonly string[],
  prefix: readonly Tactic[] = [],
): { name: string; tactics: Tactic[] }[] {
  if (axes.length === 0) return [];
  const fastest = axes.reduce((best, a) =>
    axisLink(topology, a).bandwidth >= axisLink(topology, best).bandwidth ? a : best,
  );
  const data = axes.filter((a) => a !== fastest);
  const on = (t: NamedTacticName, xs: readonly string[]): Tactic[] =>
    xs.map((axis) => ({ tactic: t, axis }));
  const moe = program.meta.family === 'moe';
  const out: { name: string; tactics: Tactic[] }[] = [
    { name: 'BP', tactics: on('BP', axes) },
    { name: 'BP+MP', tactics: [...on('BP', data), ...on('MP', [fastest])] },
    {
      name: 'BP+MP+SP',
      tactics: [...on('BP', data), ...on('MP', [fastest]), ...on('SP', [fastest])],
    },
    { name: 'FSDP', tactics: [...on('BP', axes), ...on('Z3', axes)] },
    { name: 'BP+MP+Z3', tactics: [...on('BP', data), ...on('MP', [fastest]), ...on('Z3', data)] },
  ];
  if (moe)
    out.push(
      { name: 'EP', tactics: [...axes.flatMap((a) => on('EP', [a]).concat(on('BP', [a])))] },
      {
        name: 'EP+MP',
        tactics: [
          ...data.flatMap((a) => on('EP', [a]).concat(on('BP', [a]))),
          ...on('MP', [fastest]),
        ],
      },
    );
  return out
    .filter((b) => b.tactics.length > 0)
    .map((b) => ({ name: b.name, tactics: [...prefix, ...b.tactics] }));
}

/** The baselines that apply (a tactic that matches nothing or does not divide drops its
 *  baseline), simulated; `failures` collects those the lowering or simulator failed on. */
export function evaluateBaselines(
  program: Program,
  mesh: Mesh,
  topology: Topology,
  axes: readonly string[],
  prefix: readonly Tactic[] = [],
  failures: { schedule: string; message: string }[] = [],
): AutoBaseline[] {
  const seen = new Set<string>();
  const out: AutoBaseline[] = [];
  for (const b of baselineSchedules(program, topology, axes, prefix)) {
    const schedule = scheduleToString(b.tactics);
    if (seen.has(schedule)) continue;
    seen.add(schedule);
    try {
      const report = simulateSchedule(program, mesh, topology, b.tactics);
      out.push({ name: b.name, schedule, tactics: b.tactics, report });
    } catch (e) {
      // a tactic that does not apply drops the baseline; anything else is a pipeline bug,
      // reported beside the result rather than hiding every other figure
      if (!(e instanceof TacticError)) failures.push({ schedule, message: (e as Error).message });
    }
  }
  return out;
}

/** A baseline's figures as the shells print them (CLI JSON, the worker's auto summary). */
export interface BaselineSummary {
  readonly name: string;
  readonly schedule: string;
  readonly stepTimeS: number;
  readonly peakMemoryBytes: number;
  readonly fits: boolean;
}

export function summariseBaseline(b: AutoBaseline): BaselineSummary {
  const { stepTimeS, peakMemoryBytes, fits } = b.report;
  return { name: b.name, schedule: b.schedule, stepTimeS, peakMemoryBytes, fits };
}
