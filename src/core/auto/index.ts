/**
 * The automatic partitioner (issue 7): a goal-driven search over the sharding decisions that
 * propagation leaves open, with the simulator as the cost. DOM-free: the workbench runs it in a
 * Web Worker, the CLI in Node. docs/auto.md describes the search and its measured results.
 */
import type { Program } from '../ir/program.ts';
import { meshHasAxis, meshToString, type Mesh } from '../mesh/mesh.ts';
import type { Topology } from '../mesh/topology.ts';
import type { SimReport } from '../sim/report.ts';
import { scheduleToString } from '../tactics/schedule.ts';
import { TacticError, tacticToString, type Tactic } from '../tactics/tactic.ts';
import { evaluateBaselines } from './baselines.ts';
import { Evaluator, figuresOf, simulateSchedule, type Figures } from './evaluate.ts';
import { better } from './goal.ts';
import { proxyFor } from './proxy.ts';
import { seededRandom } from './rng.ts';
import { polish, runExhaustive, runGreedy, runMcts, SearchRun, startPoint } from './search.ts';
import { DecisionSpace } from './space.ts';
import { AutoError, type AutoGoal, type AutoOptions, type AutoResult } from './types.ts';

export * from './types.ts';
export {
  baselineSchedules,
  evaluateBaselines,
  summariseBaseline,
  type BaselineSummary,
} from './baselines.ts';
export { dimGroups, type DimGroup } from './groups.ts';

/** Budget when the caller gives neither a time limit nor an iteration bound. */
export const DEFAULT_TIME_LIMIT_S = 10;
export const DEFAULT_MAX_ITERATIONS = 5000;

/**
 * Searches a schedule for `program` on `mesh`: the prefix's tactics first (kept and respected),
 * then decisions on the allowed axes, judged by the goal on the simulated step. Returns the
 * winner simulated on the real program beside the expert baselines on the same mesh and
 * hardware. Bad input throws an AutoError naming the option and the reason.
 */
export function autoPartition(
  program: Program,
  mesh: Mesh,
  topology: Topology,
  options: AutoOptions = {},
): AutoResult {
  const t0 = performance.now();
  const goal: AutoGoal = options.goal ?? { kind: 'time' };
  const prefix = options.prefix ?? [];
  const axes = searchAxes(mesh, prefix, options.axes);
  checkOptions(options, goal);
  const bands = options.layerBands ?? 1;
  const proxy = options.proxy === false || bands > 1 ? undefined : proxyFor(program);
  const evaluator = new Evaluator(program, mesh, topology, proxy);
  let prefixStates;
  try {
    prefixStates = evaluator.apply(prefix);
  } catch (e) {
    if (e instanceof TacticError) throw new AutoError(`prefix: ${e.message}`);
    throw e;
  }
  const space = new DecisionSpace(evaluator.programs[evaluator.programs.length - 1], axes, {
    layerBands: bands,
  });
  const limited = options.timeLimitS !== undefined || options.maxIterations !== undefined;
  const run = new SearchRun(space, evaluator, startPoint(prefixStates, prefix), goal, {
    maxIterations: options.maxIterations ?? (limited ? Infinity : DEFAULT_MAX_ITERATIONS),
    timeLimitS: options.timeLimitS ?? (limited ? Infinity : DEFAULT_TIME_LIMIT_S),
    shouldStop: options.shouldStop,
    onProgress: options.onProgress,
  });
  if (axes.length > 0) {
    const method = options.method ?? 'mcts';
    if (method === 'exhaustive') runExhaustive(run);
    else {
      // a greedy pass first (half the budget at most; it ends on its own after about the sum
      // of the stages' moves), then MCTS; a fifth of the budget is kept for polishing
      run.share = method === 'mcts' ? 0.5 : 0.8;
      runGreedy(run);
      if (method === 'mcts') {
        run.share = 0.8;
        runMcts(run, seededRandom(options.seed ?? 1));
      }
      run.share = 1;
      polish(run);
    }
  }
  // the best plan on the real program; the other finalists too only if the proxies' figures
  // turn out not to match it (they are exact for the simulator as it stands: auto.test.ts)
  const failures = [...evaluator.failures];
  let winner: { tactics: readonly Tactic[]; report: SimReport } | undefined;
  for (const c of run.finalists) {
    let report: SimReport;
    try {
      report = simulateSchedule(program, mesh, topology, c.tactics);
    } catch (e) {
      failures.push({ schedule: c.schedule, message: (e as Error).message });
      continue;
    }
    if (!winner || better(figuresOf(report), figuresOf(winner.report), goal))
      winner = { tactics: c.tactics, report };
    if (!proxy || run.cancelled || matches(report, c.figures)) break;
  }
  // nothing evaluated (no free axis, no budget, cancelled at once): the prefix alone
  winner ??= { tactics: prefix, report: simulateSchedule(program, mesh, topology, prefix) };
  const searchTimeS = (performance.now() - t0) / 1000;
  const baselines = evaluateBaselines(program, mesh, topology, axes, prefix, failures);
  return {
    tactics: winner.tactics,
    schedule: scheduleToString(winner.tactics),
    report: winner.report,
    searchTimeS,
    evaluations: evaluator.evaluations,
    iterations: run.iterations,
    cancelled: run.cancelled,
    ...(proxy ? { proxyLayers: proxy.layers } : {}),
    baselines,
    failures,
  };
}

function matches(r: SimReport, f: Figures): boolean {
  const close = (a: number, b: number) =>
    Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
  return close(r.stepTimeS, f.stepTimeS) && close(r.peakMemoryBytes, f.peakMemoryBytes);
}

/** The axes the search decides: the given ones (each on the mesh, none taken by the prefix),
 *  or every axis the prefix leaves unused. */
function searchAxes(mesh: Mesh, prefix: readonly Tactic[], given?: readonly string[]): string[] {
  const taken = new Map<string, Tactic>();
  for (const t of prefix) if (t.enabled !== false && !taken.has(t.axis)) taken.set(t.axis, t);
  if (given === undefined) return mesh.axes.map((a) => a.name).filter((a) => !taken.has(a));
  const seen = new Set<string>();
  for (const a of given) {
    if (!meshHasAxis(mesh, a))
      throw new AutoError(`axes: unknown mesh axis '${a}'; the mesh has ${meshToString(mesh)}`);
    if (seen.has(a)) throw new AutoError(`axes: axis '${a}' is listed twice`);
    seen.add(a);
    const t = taken.get(a);
    if (t)
      throw new AutoError(
        `axes: axis '${a}' is already used by the prefix tactic ${tacticToString(t)}; the search decides only axes the prefix leaves free`,
      );
  }
  return [...given];
}

function checkOptions(o: AutoOptions, goal: AutoGoal): void {
  const positive = (x: number | undefined, what: string) => {
    if (x !== undefined && !(x > 0))
      throw new AutoError(`${what} must be a positive number, got ${x}`);
  };
  positive(o.timeLimitS, 'timeLimitS');
  if (o.maxIterations !== undefined && !(Number.isInteger(o.maxIterations) && o.maxIterations >= 0))
    throw new AutoError(`maxIterations must be a whole number ≥ 0, got ${o.maxIterations}`);
  if (o.layerBands !== undefined && !(Number.isInteger(o.layerBands) && o.layerBands >= 1))
    throw new AutoError(`layerBands must be a whole number ≥ 1, got ${o.layerBands}`);
  if (o.seed !== undefined && !Number.isInteger(o.seed))
    throw new AutoError(`seed must be an integer, got ${o.seed}`);
  if (goal.kind === 'memory') positive(goal.timeBudgetS, 'goal memory: timeBudgetS');
  else if (goal.kind !== 'time')
    throw new AutoError(
      `goal must be 'time' or 'memory', got '${(goal as { kind: string }).kind}'`,
    );
  if (o.method !== undefined && !['mcts', 'greedy', 'exhaustive'].includes(o.method))
    throw new AutoError(
      `method must be 'mcts', 'greedy' or 'exhaustive', got '${o.method as string}'`,
    );
}
