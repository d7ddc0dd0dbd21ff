import type { Program } from '../ir/program.ts';
import type { Mesh } from '../mesh/mesh.ts';
import type { Topology } from '../mesh/topology.ts';
import type { SimReport } from '../sim/report.ts';
import { simulate } from '../sim/simulate.ts';
import { lowerToSpmd } from '../spmd/lower.ts';
import { applySchedule, type ScheduleResult } from '../tactics/apply.ts';
import type { Tactic } from '../tactics/tactic.ts';
import { extrapolate, type Proxy } from './proxy.ts';

/** What the goals compare: the figures of one strategy at the real depth. */
export interface Figures {
  readonly stepTimeS: number;
  readonly peakMemoryBytes: number;
  readonly fits: boolean;
}

/**
 * Runs strategies through the pipeline (tactics with propagation, lowering, simulation) on the
 * programs candidates are judged on: the real one, or two proxies whose figures extrapolate to
 * it. Propagation is incremental (a child applies one more tactic to its parent's states, as
 * PartIR's tactics do) and simulated figures are cached by the schedule's text.
 */
export class Evaluator {
  readonly programs: readonly Program[];
  private readonly cache = new Map<string, Figures | undefined>();
  evaluations = 0;
  /** Strategies the pipeline failed on past propagation (a lowering or simulator bug). */
  readonly failures: { schedule: string; message: string }[] = [];

  constructor(
    program: Program,
    readonly mesh: Mesh,
    readonly topology: Topology,
    readonly proxy: Proxy | undefined,
  ) {
    this.programs = proxy ? proxy.programs : [program];
  }

  /** The states after `tactics`, reusing `parent` (the states after a prefix of them). */
  apply(tactics: readonly Tactic[], parent?: readonly ScheduleResult[]): ScheduleResult[] {
    return this.programs.map((p, i) => applySchedule(p, this.mesh, tactics, parent?.[i]));
  }

  /** True when the last step changed no value's sharding (a redundant decision). */
  unchanged(after: readonly ScheduleResult[], before: readonly ScheduleResult[]): boolean {
    const a = after[0].final;
    const b = before[0].final;
    const n = this.programs[0].values.length;
    for (let v = 0; v < n; v++) if (a.layoutOf(v) !== b.layoutOf(v)) return false;
    return true;
  }

  cached(key: string): Figures | undefined {
    return this.cache.get(key);
  }

  /**
   * Lowers and simulates the states (one per program), extrapolating over proxies. Undefined
   * when lowering or simulation throws: that is a bug of those stages, not of the strategy, so
   * the search goes on without the candidate and the failure is reported with the result.
   */
  figures(key: string, states: readonly ScheduleResult[]): Figures | undefined {
    if (this.cache.has(key)) return this.cache.get(key);
    this.evaluations++;
    let reports: SimReport[];
    try {
      reports = states.map((s, i) =>
        simulate(this.programs[i], lowerToSpmd(s), this.mesh, this.topology, { top: 1 }),
      );
    } catch (e) {
      this.failures.push({ schedule: key, message: (e as Error).message });
      this.cache.set(key, undefined);
      return undefined;
    }
    let f: Figures;
    if (this.proxy) {
      const [a, b] = reports;
      const peak = extrapolate(this.proxy, a.peakMemoryBytes, b.peakMemoryBytes);
      f = {
        stepTimeS: extrapolate(this.proxy, a.stepTimeS, b.stepTimeS),
        peakMemoryBytes: peak,
        fits: peak <= a.hbmBytes,
      };
    } else f = figuresOf(reports[0]);
    this.cache.set(key, f);
    return f;
  }
}

export function figuresOf(r: SimReport): Figures {
  return { stepTimeS: r.stepTimeS, peakMemoryBytes: r.peakMemoryBytes, fits: r.fits };
}

/** A full evaluation on the real program (the winner, the finalists, the baselines). */
export function simulateSchedule(
  program: Program,
  mesh: Mesh,
  topology: Topology,
  tactics: readonly Tactic[],
): SimReport {
  const spmd = lowerToSpmd(applySchedule(program, mesh, tactics));
  return simulate(program, spmd, mesh, topology);
}
