import type { Program } from '../ir/program.ts';
import type { Mesh } from '../mesh/mesh.ts';
import type { Conflict } from '../sharding/conflict.ts';
import { conservativeOps } from '../sharding/rules/registry.ts';
import { applySchedule, type ScheduleResult } from '../tactics/apply.ts';
import type { Tactic } from '../tactics/tactic.ts';
import type { CollectiveRecord } from './collective.ts';
import { lowerToSpmd, type SpmdProgram } from './lower.ts';

export interface Partitioned {
  readonly schedule: ScheduleResult;
  readonly spmd: SpmdProgram;
}

/**
 * The sharding pipeline in one call: the schedule (or its first `after` tactics) applied with
 * propagation, then lowered to the per-device program. `previous` reuses unchanged steps.
 */
export function partitionProgram(
  program: Program,
  mesh: Mesh,
  schedule: readonly Tactic[],
  opts: { after?: number; previous?: ScheduleResult } = {},
): Partitioned {
  const steps = opts.after === undefined ? schedule : schedule.slice(0, opts.after);
  const result = applySchedule(program, mesh, steps, opts.previous);
  return { schedule: result, spmd: lowerToSpmd(result) };
}

/** A collective as reports print it (JSON-ready). Slices are free and listed apart. */
export interface CollectiveJson {
  readonly kind: Exclude<CollectiveRecord['kind'], 'slice'>;
  readonly axes: readonly string[];
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly scope: string;
  readonly phase: string;
  readonly reason: string;
  readonly tripCount?: number;
}

export function collectivesJson(spmd: SpmdProgram): CollectiveJson[] {
  return spmd.collectives.filter((c) => c.kind !== 'slice').map(collectiveJson);
}

/** One collective (not a slice) as reports print it. */
export function collectiveJson(c: CollectiveRecord): CollectiveJson {
  return {
    kind: c.kind as CollectiveJson['kind'],
    axes: c.axes,
    shape: c.shape,
    dtype: c.dtype,
    scope: c.scope,
    phase: c.phase,
    reason: c.reason,
    ...(c.tripCount > 1 ? { tripCount: c.tripCount } : {}),
  };
}

/** Ops without a real sharding rule (opaque custom calls): kept replicated, and reported. */
export function opaqueOpsJson(program: Program) {
  return conservativeOps(program).map((op) => ({
    op: op.id,
    kind: op.kind,
    scope: op.scope,
    target: (op.attrs as { callTarget?: string }).callTarget,
    message: `op #${op.id} ${op.kind}${op.scope ? ` in ${op.scope}` : ''} has no sharding rule: it runs replicated (its operands are gathered)`,
  }));
}

export function conflictsJson(conflicts: readonly Conflict[]) {
  return conflicts.map((c) => ({
    op: c.opId,
    kind: c.opKind,
    scope: c.scope,
    factor: c.factor,
    reason: c.kind,
    tactic: c.tactic,
    competing: c.competing,
    message: c.message,
  }));
}
