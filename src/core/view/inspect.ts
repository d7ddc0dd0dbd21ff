import { dtypeBytes } from '../ir/dtype.ts';
import type { Op, OpId, Program, ValueId } from '../ir/program.ts';
import { shapeNumel, tensorBytes } from '../ir/shape.ts';
import { factorRuleToString } from '../sharding/factor-rule.ts';
import { opFactorRule } from '../sharding/rules/registry.ts';
import { shardingLocalShape, shardingToString } from '../sharding/sharding.ts';
import type { ShardingState } from '../sharding/state.ts';
import {
  computeModelFor,
  fusionInfo,
  opComputeCost,
  type FusionInfo,
} from '../sim/compute-cost.ts';
import type { CollectiveRecord } from '../spmd/collective.ts';
import type { SpmdProgram } from '../spmd/lower.ts';
import { tacticToString } from '../tactics/tactic.ts';
import { collectivePlaces, conflictPlaces } from './annotations.ts';
import type { ViewContext } from './context.ts';
import { scopeTreeOf, type ScopeTree } from './scope-tree.ts';
import type {
  AxisWhy,
  CollectiveInspection,
  ConflictInspection,
  InspectTarget,
  Inspection,
  OpRef,
  ValueInspection,
} from './types.ts';

/** A group lists at most this many of its collectives and conflicts. */
const LIST_LIMIT = 30;
/** "Why" follows propagation back at most this many ops. */
const PATH_LIMIT = 8;

export class InspectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InspectError';
  }
}

/**
 * Everything the inspector shows about one target: shapes (global and per device), sharding, the
 * op's factor rule and cost, why each axis is there (the tactic, its seed, the ops propagation
 * crossed), the collectives inserted and why. A target that does not exist throws an
 * InspectError naming it (a stale selection after the model changed).
 */
export function inspect(ctx: ViewContext, target: InspectTarget): Inspection {
  const tree = scopeTreeOf(ctx.program);
  switch (target.kind) {
    case 'group':
      return inspectGroup(ctx, tree, target.id);
    case 'op': {
      const i = target.id >= 0 && target.id < tree.opIndex.length ? tree.opIndex[target.id] : -1;
      if (i < 0)
        throw new InspectError(`op #${target.id} is not a top-level op of ${ctx.program.name}`);
      return inspectOp(ctx, tree, i);
    }
    case 'value': {
      const v = ctx.program.values[target.id];
      if (!v || !Number.isInteger(target.id))
        throw new InspectError(`value %${target.id} does not exist in ${ctx.program.name}`);
      return {
        target,
        title: `${v.name || `%${v.id}`} : ${v.type.dtype}[${v.type.shape.join(',')}]`,
        scope: v.scope,
        ...(v.def !== undefined && tree.opIndex[v.def] >= 0
          ? { phase: ctx.program.main.ops[tree.opIndex[v.def]].phase }
          : {}),
        value: inspectValue(ctx, tree, v.id),
      };
    }
    case 'collective': {
      const c = ctx.spmd?.collectives[target.index];
      if (!c)
        throw new InspectError(
          `collective ${target.index} does not exist (the program has ${ctx.spmd?.collectives.length ?? 0})`,
        );
      return {
        target,
        title: `${c.kind} over ${c.axes.join(',')}`,
        scope: c.scope,
        phase: c.phase,
        collective: collectiveInfo(c, target.index),
        value: inspectValue(ctx, tree, c.value),
      };
    }
  }
}

function inspectGroup(ctx: ViewContext, tree: ScopeTree, id: string): Inspection {
  const g = tree.byId.get(id);
  if (g === undefined)
    throw new InspectError(`group '${id}' does not exist in ${ctx.program.name}`);
  const group = tree.groups[g];
  const kinds = new Map<string, number>();
  const inside: number[] = [];
  const stack = [g];
  while (stack.length) {
    const k = stack.pop()!;
    inside.push(k);
    for (const i of tree.groups[k].ops) {
      const kind = ctx.program.main.ops[i].kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    stack.push(...tree.groups[k].children);
  }
  const collectives: CollectiveInspection[] = [];
  if (ctx.spmd) {
    const own = collectivePlaces(tree, ctx.spmd).own;
    for (const k of inside)
      for (const c of own.get(k) ?? []) {
        if (collectives.length >= LIST_LIMIT) break;
        collectives.push(collectiveInfo(ctx.spmd.collectives[c], c));
      }
  }
  const conflicts: ConflictInspection[] = [];
  const cp = conflictPlaces(tree, ctx.schedule.conflicts);
  for (const k of inside)
    for (const i of tree.groups[k].ops)
      for (const c of cp.op.get(i) ?? [])
        if (conflicts.length < LIST_LIMIT)
          conflicts.push({ op: c.opId, kind: c.kind, factor: c.factor, message: c.message });
  return {
    target: { kind: 'group', id },
    title: group.phase ? `${group.scope || 'model'} (${group.phase})` : 'model',
    scope: group.scope,
    ...(group.phase ? { phase: group.phase } : {}),
    ops: group.opCount,
    flops: group.flops,
    bytes: group.bytes,
    kinds: [...kinds]
      .map(([kind, count]) => ({ kind, count }))
      .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind)),
    collectives,
    conflicts,
  };
}

function inspectOp(ctx: ViewContext, tree: ScopeTree, i: number): Inspection {
  const op = ctx.program.main.ops[i];
  const types = (id: number) => ctx.program.values[id].type;
  const rule = opFactorRule(op, types);
  const cost = localCost(ctx, op);
  const colls = ctx.spmd ? (collectivePlaces(tree, ctx.spmd).op.get(i) ?? []) : [];
  const conflicts = conflictPlaces(tree, ctx.schedule.conflicts).op.get(i) ?? [];
  return {
    target: { kind: 'op', id: op.id },
    title: `${op.kind} #${op.id}`,
    scope: op.scope,
    phase: op.phase,
    opKind: op.kind,
    ...(rule ? { rule: factorRuleToString(rule) } : {}),
    ops: tree.opOps[i],
    flops: tree.opFlops[i],
    bytes: tree.opBytes[i],
    ...(cost ? { timeS: cost.timeS, bound: cost.bound } : {}),
    operands: op.operands.map((v) => inspectValue(ctx, tree, v)),
    results: op.results.map((v) => inspectValue(ctx, tree, v)),
    collectives: colls.map((c) => collectiveInfo(ctx.spmd!.collectives[c], c)),
    conflicts: conflicts.map((c) => ({
      op: c.opId,
      kind: c.kind,
      factor: c.factor,
      message: c.message,
    })),
  };
}

function inspectValue(ctx: ViewContext, tree: ScopeTree, id: ValueId): ValueInspection {
  const v = ctx.program.values[id];
  const state = ctx.schedule.final;
  const s = state.sharding(id);
  const local = localShapeOf(ctx, id) ?? shardingLocalShape(s, v.type.shape, ctx.mesh);
  const why: AxisWhy[] = [];
  s.dims.forEach((axes, d) => {
    for (const a of axes) why.push(axisWhy(ctx, tree, state, id, a, `dim ${d}`));
  });
  for (const a of s.partial) why.push(axisWhy(ctx, tree, state, id, a, 'partial'));
  for (const a of s.replicated) why.push(axisWhy(ctx, tree, state, id, a, 'replicated'));
  return {
    id,
    name: v.name,
    scope: v.scope,
    ...(v.role ? { role: v.role } : {}),
    dtype: v.type.dtype,
    shape: v.type.shape,
    localShape: local,
    bytes: tensorBytes(v.type),
    localBytes: shapeNumel(local) * dtypeBytes(v.type.dtype),
    sharding: shardingToString(s),
    dims: s.dims,
    partial: s.partial,
    replicated: s.replicated,
    why,
    ...neighbours(ctx, tree, id),
  };
}

/** Ops listed as a value's readers at most. */
const USERS_LIMIT = 8;

function opRef(op: Op): OpRef {
  return { op: op.id, kind: op.kind, scope: op.scope, phase: op.phase };
}

/** The value's producer and readers among the top-level ops (links in the inspector). */
function neighbours(ctx: ViewContext, tree: ScopeTree, id: ValueId) {
  const ops = ctx.program.main.ops;
  const d = id < tree.valueDef.length ? tree.valueDef[id] : -1;
  // an op reading the value twice (x·x) is one reader
  const readers = new Set<number>();
  for (let u = tree.useStart[id]; u < tree.useStart[id + 1]; u++) readers.add(tree.useOps[u]);
  const users = [...readers].slice(0, USERS_LIMIT).map((i) => opRef(ops[i]));
  return { ...(d >= 0 ? { def: opRef(ops[d]) } : {}), users, userCount: readers.size };
}

/** The per-device shape of the SPMD program's value standing for a global one, where it has one. */
function localShapeOf(ctx: ViewContext, id: ValueId): readonly number[] | undefined {
  const l = ctx.spmd?.localOf.get(id);
  return l === undefined ? undefined : ctx.spmd!.program.values[l].type.shape;
}

/**
 * Why an axis sits on a value: its origin (tactic and seed), then back through the op it came
 * through to a neighbour holding the same axis from the same tactic, until the seed.
 */
function axisWhy(
  ctx: ViewContext,
  tree: ScopeTree,
  state: ShardingState,
  id: ValueId,
  axis: string,
  place: string,
): AxisWhy {
  const o = state.originOf(id, axis);
  const step = o ? ctx.schedule.steps[o.tactic] : undefined;
  const path: { op: OpId; kind: string; scope: string }[] = [];
  let cur = id;
  let via = o?.viaOp;
  const visited = new Set<ValueId>([id]);
  while (via !== undefined && path.length < PATH_LIMIT) {
    const i = via < tree.opIndex.length ? tree.opIndex[via] : -1;
    if (i < 0) break;
    const op = ctx.program.main.ops[i];
    path.push({ op: op.id, kind: op.kind, scope: op.scope });
    const next = [...op.operands, ...op.results].find(
      (w) => w !== cur && !visited.has(w) && state.originTactic(w, axis) === o!.tactic,
    );
    if (next === undefined) break;
    visited.add(next);
    cur = next;
    via = state.originOf(next, axis)?.viaOp;
  }
  return {
    axis,
    place,
    tactic: o?.tactic ?? -1,
    tacticText: step ? tacticToString(step.tactic) : '?',
    seed: o?.seed ?? 'no recorded origin',
    path,
  };
}

function collectiveInfo(c: CollectiveRecord, index: number): CollectiveInspection {
  return {
    index,
    kind: c.kind,
    axes: c.axes,
    shape: c.shape,
    dtype: c.dtype,
    bytes: shapeNumel(c.shape) * dtypeBytes(c.dtype),
    scope: c.scope,
    phase: c.phase,
    reason: c.reason,
    tripCount: c.tripCount,
    value: c.value,
  };
}

interface LocalIndex {
  readonly ops: Map<OpId, Op>;
  readonly fusion: FusionInfo;
}

const localIndexCache = new WeakMap<SpmdProgram, LocalIndex>();

/** One execution of the op's per-device counterpart on the run's hardware (roofline). */
function localCost(ctx: ViewContext, op: Op) {
  if (!ctx.spmd || !ctx.topology || op.results.length === 0) return undefined;
  const l = ctx.spmd.localOf.get(op.results[0]);
  if (l === undefined) return undefined;
  const p: Program = ctx.spmd.program;
  let idx = localIndexCache.get(ctx.spmd);
  if (!idx) {
    const ops = new Map<OpId, Op>();
    for (const o of p.main.ops) ops.set(o.id, o);
    localIndexCache.set(ctx.spmd, (idx = { ops, fusion: fusionInfo(p) }));
  }
  const def = p.values[l].def;
  const local = def === undefined ? undefined : idx.ops.get(def);
  if (!local || local.kind !== op.kind) return undefined;
  return opComputeCost(
    local,
    (id) => p.values[id].type,
    computeModelFor(ctx.topology.hardware),
    idx.fusion,
  );
}
