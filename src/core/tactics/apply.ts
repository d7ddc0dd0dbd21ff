import type { Op, Program } from '../ir/program.ts';
import { meshAxisSize, meshHasAxis, meshToString, type Mesh } from '../mesh/mesh.ts';
import type { Conflict } from '../sharding/conflict.ts';
import { GraphIndex } from '../sharding/graph-index.ts';
import { propagate } from '../sharding/propagate.ts';
import { axesSize } from '../sharding/projection.ts';
import { ShardingState } from '../sharding/state.ts';
import { TACTIC_LIBRARY } from './library/index.ts';
import { compileRegex, selectValues, SelectorError } from './selector.ts';
import { TacticError, tacticToString, type Seed, type Tactic } from './tactic.ts';

/** The state after one tactic: PartIR's incremental view ("after tactic k"). */
export interface TacticStep {
  readonly tactic: Tactic;
  readonly seeds: readonly Seed[];
  readonly state: ShardingState;
  /** Conflicts met by this tactic's propagation. */
  readonly conflicts: readonly Conflict[];
}

export interface ScheduleResult {
  readonly program: Program;
  readonly mesh: Mesh;
  readonly index: GraphIndex;
  readonly initial: ShardingState;
  readonly steps: readonly TacticStep[];
  readonly final: ShardingState;
  readonly conflicts: readonly Conflict[];
}

const indexCache = new WeakMap<Program, GraphIndex>();

export function graphIndexOf(p: Program): GraphIndex {
  let g = indexCache.get(p);
  if (!g) indexCache.set(p, (g = new GraphIndex(p)));
  return g;
}

/**
 * Applies a schedule in order: each enabled tactic seeds its actions on a copy of the previous
 * state, then propagation runs to a fixpoint, and the result is fixed before the next tactic.
 * A bad tactic (unknown axis, matches nothing, does not divide) throws a TacticError naming it;
 * earlier steps are untouched. `previous` lets a re-run reuse the steps whose prefix is unchanged.
 */
export function applySchedule(
  program: Program,
  mesh: Mesh,
  schedule: readonly Tactic[],
  previous?: ScheduleResult,
): ScheduleResult {
  const index = graphIndexOf(program);
  const reuse =
    previous && previous.program === program && meshToString(previous.mesh) === meshToString(mesh)
      ? commonPrefix(previous.steps, schedule)
      : 0;
  const initial =
    reuse > 0
      ? previous!.initial
      : new ShardingState(
          program,
          mesh.axes.map((a) => a.name),
        );
  const steps: TacticStep[] = previous ? previous.steps.slice(0, reuse) : [];
  let state = steps.length ? steps[steps.length - 1].state : initial;
  for (let k = steps.length; k < schedule.length; k++) {
    const t = schedule[k];
    if (t.enabled === false) {
      steps.push({ tactic: t, seeds: [], state, conflicts: [] });
      continue;
    }
    const next = state.clone(program);
    const conflicts: Conflict[] = [];
    const seeds = applyTactic(program, mesh, index, next, t, k, conflicts);
    steps.push({ tactic: t, seeds, state: next, conflicts });
    state = next;
  }
  return {
    program,
    mesh,
    index,
    initial,
    steps,
    final: state,
    conflicts: steps.flatMap((s) => s.conflicts),
  };
}

function commonPrefix(steps: readonly TacticStep[], schedule: readonly Tactic[]): number {
  let k = 0;
  while (
    k < steps.length &&
    k < schedule.length &&
    JSON.stringify(steps[k].tactic) === JSON.stringify(schedule[k])
  )
    k++;
  return k;
}

function applyTactic(
  program: Program,
  mesh: Mesh,
  index: GraphIndex,
  state: ShardingState,
  t: Tactic,
  k: number,
  conflicts: Conflict[],
): Seed[] {
  const where = `tactic ${k + 1} ${tacticToString(t)}`;
  if (!meshHasAxis(mesh, t.axis))
    throw new TacticError(
      `${where}: unknown mesh axis '${t.axis}'; the mesh has ${meshToString(mesh)}`,
      k,
    );
  let seeds: Seed[];
  let allow = (_: Op) => true;
  try {
    if (t.tactic === 'tile' || t.tactic === 'replicate') {
      const ids = selectValues(program, t.select);
      seeds = ids.map((value) =>
        t.tactic === 'tile'
          ? {
              action: 'tile' as const,
              value,
              dim: t.dim,
              axis: t.axis,
              why: `tile dim ${t.dim} of ${program.values[value].name || '%' + value}`,
            }
          : {
              action: 'replicate' as const,
              value,
              axis: t.axis,
              why: `replicate ${program.values[value].name || '%' + value}`,
            },
      );
    } else {
      const def = TACTIC_LIBRARY[t.tactic];
      const scope = t.scope !== undefined ? compileRegex(t.scope, 'scope pattern') : undefined;
      seeds = def.seeds({ program, mesh, state, scope }, t.axis);
      allow = (op: Op) => def.propagatesThrough(op, program);
    }
  } catch (e) {
    if (e instanceof SelectorError || e instanceof TacticError)
      throw new TacticError(`${where}: ${e.message}`, k);
    throw e;
  }
  if (seeds.length === 0)
    throw new TacticError(`${where}: matches nothing in program '${program.name}'`, k);
  for (const s of seeds) checkSeed(program, mesh, state, s, where, k);
  const changed: number[] = [];
  for (const s of seeds) {
    if (state.uses(s.value, s.axis)) continue; // two seeds on one value: the first wins
    if (s.action === 'tile') state.seedAxis(s.value, 'dim', s.dim, s.axis, k, s.why);
    else state.seedAxis(s.value, 'replicated', 0, s.axis, k, s.why);
    changed.push(s.value);
  }
  propagate({ index, mesh, state, tactic: k, allow, conflicts, reported: new Set() }, changed);
  return seeds;
}

function checkSeed(
  program: Program,
  mesh: Mesh,
  state: ShardingState,
  s: Seed,
  where: string,
  k: number,
): void {
  const v = program.values[s.value];
  const label = v.name || `%${v.id}`;
  if (s.action === 'replicate') return;
  const shape = v.type.shape;
  if (!Number.isInteger(s.dim) || s.dim < 0 || s.dim >= shape.length)
    throw new TacticError(
      `${where}: dim ${s.dim} is out of range for '${label}' of shape [${shape.join(',')}]`,
      k,
    );
  const shards = axesSize(state.dimsOf(s.value)[s.dim], mesh) * meshAxisSize(mesh, s.axis);
  if (shape[s.dim] % shards !== 0)
    throw new TacticError(
      `${where}: dim ${s.dim} of '${label}' has size ${shape[s.dim]}, which does not divide into ${shards} shards on axis '${s.axis}' (size ${meshAxisSize(mesh, s.axis)})`,
      k,
    );
  if (
    state.uses(s.value, s.axis) &&
    !state.dimsOf(s.value)[s.dim].includes(s.axis) &&
    state.originTactic(s.value, s.axis) !== k
  )
    throw new TacticError(
      `${where}: '${label}' already uses axis '${s.axis}' (from tactic ${state.originTactic(s.value, s.axis) + 1}); a later tactic never overrides an earlier one`,
      k,
    );
}

/**
 * Whether the tactic that put an axis on a value lets that axis drive the given op. ZeRO's axes
 * shard storage only: an op outside the optimizer must not run split on them (the lowering
 * gathers the value instead).
 */
export function tacticDrivesOp(result: ScheduleResult, tactic: number, op: Op): boolean {
  const t = result.steps[tactic]?.tactic;
  if (!t || t.tactic === 'tile' || t.tactic === 'replicate') return true;
  return TACTIC_LIBRARY[t.tactic].propagatesThrough(op, result.program);
}

/** Whether a tactic shards gradients (the lowering then reduce-scatters each where it is produced). */
export function tacticShardsGradients(t: Tactic): boolean {
  return (
    t.tactic !== 'tile' &&
    t.tactic !== 'replicate' &&
    TACTIC_LIBRARY[t.tactic].shardsGradients === true
  );
}
