import type { Mesh } from '../mesh/mesh.ts';
import type { Op, ValueId } from '../ir/program.ts';
import type { Conflict } from './conflict.ts';
import { factorName } from './factor-rule.ts';
import type { GraphIndex } from './graph-index.ts';
import type { OpPlan } from './op-plan.ts';
import { axesSize, axisSize, dimFactorAxes, dimFactorCanGrow } from './projection.ts';
import type { ShardingState } from './state.ts';

/** Which ops a tactic's propagation may cross (ZeRO tactics stay inside the optimizer update). */
export type OpFilter = (op: Op) => boolean;

export interface PropagationRun {
  readonly index: GraphIndex;
  readonly mesh: Mesh;
  readonly state: ShardingState;
  readonly tactic: number;
  readonly allow: OpFilter;
  readonly conflicts: Conflict[];
  /** (op, factor) pairs already reported, so a conflict is listed once. */
  readonly reported: Set<string>;
}

/**
 * Propagates from the changed values to a fixpoint, forwards and backwards through every op the
 * filter allows, with Shardy's basic strategy per factor: the tensors of a factor agree on the
 * longest axis list that each of them holds a prefix of, and those holding a strict prefix are
 * extended. Where they disagree, or an axis cannot be added, propagation stops and the place is
 * recorded as a conflict; nothing is guessed.
 */
export function propagate(run: PropagationRun, changed: Iterable<ValueId>): void {
  const { index } = run;
  const nOps = index.ops.length;
  const ops = index.ops;
  const touchStart = index.touchStart;
  const touchItems = index.touchItems;
  const queued = new Uint8Array(index.itemCount);
  let queue = new Int32Array(1024);
  let tail = 0;
  const grown: ValueId[] = [];
  // the items touching a value go on the queue (once while queued); inlined twice, no closure
  for (const v of changed) {
    for (let i = touchStart[v], end = touchStart[v + 1]; i < end; i++) {
      const item = touchItems[i];
      if (queued[item]) continue;
      queued[item] = 1;
      if (tail === queue.length) queue = grow(queue);
      queue[tail++] = item;
    }
  }
  const limit = 50 * (index.itemCount + 16);
  for (let head = 0; head < tail; head++) {
    if (head > limit) throw new Error('propagation did not reach a fixpoint (internal error)');
    const item = queue[head];
    queued[item] = 0;
    if (item < nOps && !run.allow(ops[item])) continue;
    const plan = index.planOf(item);
    if (!plan || plan.inert) continue;
    grown.length = 0;
    propagatePlan(run, plan, grown, item < nOps);
    for (let g = 0; g < grown.length; g++) {
      const v = grown[g];
      for (let i = touchStart[v], end = touchStart[v + 1]; i < end; i++) {
        const next = touchItems[i];
        if (queued[next]) continue;
        queued[next] = 1;
        if (tail === queue.length) queue = grow(queue);
        queue[tail++] = next;
      }
    }
  }
}

function grow(queue: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(queue.length * 2);
  bigger.set(queue);
  return bigger;
}

function propagatePlan(run: PropagationRun, plan: OpPlan, grown: ValueId[], isOp: boolean): void {
  // nothing to carry when no tensor of the op holds anything
  const state = run.state;
  const values = plan.values;
  let clear = true;
  for (let t = 0; t < values.length && clear; t++) clear = state.isClear(values[t]);
  if (clear) return;
  if (plan.uniform) {
    // every tensor maps its dims to the factors alike and none is a reduction: when every
    // tensor has the same (interned) layout, each factor already agrees everywhere, and no
    // partial axis is missing anywhere, so the visit would change nothing
    const first = state.layoutOf(values[0]);
    let same = true;
    for (let t = 1; t < values.length && same; t++) same = state.layoutOf(values[t]) === first;
    if (same) return;
  }
  const kinds = plan.rule.factorKinds;
  for (let f = 0; f < kinds.length; f++) {
    if (kinds[f] === 'passThrough' || kinds[f] === 'reduction')
      propagateFactor(run, plan, f, grown);
  }
  if (isOp) markPartial(run, plan, grown);
  else
    for (const to of plan.values)
      for (const from of plan.values) copyPartial(run, from, to, plan.op, grown);
}

function factorAxes(
  run: PropagationRun,
  plan: OpPlan,
  t: number,
  d: number,
  f: number,
): readonly string[] | undefined {
  const dimAxes = run.state.dimsOf(plan.values[t])[d];
  const factors = plan.mappings[t][d];
  // a dim with one factor hands over its axis list as is (dimFactorAxes' common case)
  return factors.length === 1
    ? dimAxes
    : dimFactorAxes(dimAxes, factors, f, plan.rule.factorSizes, run.mesh);
}

/** Per-holder axes of the factor being propagated; reused across calls (propagation is synchronous). */
const scratch: (readonly string[] | undefined)[] = [];

function propagateFactor(run: PropagationRun, plan: OpPlan, f: number, grown: ValueId[]): void {
  const h = plan.holders[f];
  const n = h.length >> 1;
  if (n < 2) return; // fewer than two tensors hold the factor
  let target: readonly string[] | undefined;
  let src = -1;
  let uniform = true;
  for (let i = 0; i < n; i++) {
    const axes = factorAxes(run, plan, h[2 * i], h[2 * i + 1], f);
    scratch[i] = axes;
    if (!axes) continue;
    if (target && !sameAxes(axes, target)) uniform = false;
    if (!target || axes.length > target.length) {
      target = axes;
      src = h[2 * i];
    }
  }
  if (uniform || !target || target.length === 0) return;
  for (let i = 0; i < n; i++) {
    const axes = scratch[i];
    if (!axes) continue;
    let k = 0;
    while (k < axes.length && axes[k] === target[k]) k++;
    if (k < axes.length) {
      const holders = holderList(run, plan, f);
      report(
        run,
        plan.op,
        f,
        'disagree',
        holders.map((x) => x.value),
        holders.map((x) => x.axes),
        `the tensors of factor ${factorName(f)} are split on different axes`,
      );
      target = target.slice(0, k);
    }
  }
  if (target.length === 0) return;
  const from = plan.values[src];
  for (let i = 0; i < n; i++) {
    if (!scratch[i] || scratch[i]!.length >= target.length) continue;
    // re-read: a value held twice by the op (x * x) may have grown a moment ago
    const axes = factorAxes(run, plan, h[2 * i], h[2 * i + 1], f);
    if (axes && axes.length < target.length)
      extend(run, plan, h[2 * i], h[2 * i + 1], f, axes, target, from, grown);
  }
}

function sameAxes(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function holderList(run: PropagationRun, plan: OpPlan, f: number) {
  const h = plan.holders[f];
  const out: { value: ValueId; axes: readonly string[] }[] = [];
  for (let i = 0; i < h.length; i += 2)
    out.push({ value: plan.values[h[i]], axes: factorAxes(run, plan, h[i], h[i + 1], f) ?? [] });
  return out;
}

function extend(
  run: PropagationRun,
  plan: OpPlan,
  t: number,
  d: number,
  f: number,
  current: readonly string[],
  target: readonly string[],
  from: ValueId,
  grown: ValueId[],
): void {
  const v = plan.values[t];
  const { state, mesh } = run;
  const sizes = plan.rule.factorSizes;
  if (!dimFactorCanGrow(state.dimsOf(v)[d], plan.mappings[t][d], f, sizes, mesh)) return;
  // a conflict lists a one-factor dim's axes as they stand when it is met if the state had
  // written the value before this call (what its copy-on-write record showed), else as read
  const live = plan.mappings[t][d].length === 1 && state.writtenHere(v);
  let size = axesSize(current, mesh);
  for (let k = current.length; k < target.length; k++) {
    const a = target[k];
    if (state.partialOf(v).includes(a)) return; // resolved by the lowering (reduce-scatter), not a conflict
    if (state.uses(v, a)) {
      const replicated = state.replicatedOf(v).includes(a);
      // a tactic that pinned the value whole itself (ZeRO-1/2 keep parameters replicated, so their
      // update is gathered) stops here by design: that is its strategy, not a conflict
      if (replicated && state.originTactic(v, a) === run.tactic) return;
      report(
        run,
        plan.op,
        f,
        replicated ? 'replicated' : 'axisInUse',
        [from, v],
        [target, state.dimsOf(v).flat()],
        `axis '${a}' cannot split value %${v}: it is ${replicated ? 'explicitly replicated on it' : 'already split on it elsewhere'}`,
      );
      return;
    }
    size *= axisSize(mesh, a);
    if (sizes[f] % size !== 0) {
      report(
        run,
        plan.op,
        f,
        'indivisible',
        [from, v],
        [target, live ? target.slice(0, k) : current],
        `factor ${factorName(f)} of size ${sizes[f]} does not divide into ${size} shards`,
      );
      return;
    }
    state.growDim(v, d, a, from, plan.op.id);
    grown.push(v);
  }
}

/** A reduction factor split the same way in every operand makes the results partial sums over its axes. */
function markPartial(run: PropagationRun, plan: OpPlan, grown: ValueId[]): void {
  const kinds = plan.rule.factorKinds;
  for (let f = 0; f < kinds.length; f++) {
    if (kinds[f] !== 'reduction') continue;
    const h = plan.holders[f];
    let agreed: readonly string[] | undefined;
    let from: ValueId | undefined;
    let same = true;
    for (let i = 0; i < h.length && same; i += 2) {
      if (plan.isResult[h[i]]) continue;
      const axes = factorAxes(run, plan, h[i], h[i + 1], f) ?? NO_AXES;
      if (agreed === undefined) {
        agreed = axes;
        from = plan.values[h[i]];
      } else same = sameAxes(agreed, axes);
    }
    if (!same || !agreed?.length || from === undefined) continue;
    for (let t = 0; t < plan.values.length; t++) {
      if (!plan.isResult[t]) continue;
      const v = plan.values[t];
      for (const a of agreed) {
        if (run.state.uses(v, a)) continue; // already tiled on it: the lowering reduce-scatters
        run.state.growPartial(v, a, from, plan.op.id);
        grown.push(v);
      }
    }
  }
}

const NO_AXES: readonly string[] = Object.freeze([]);

/** Partial sums flow through data-flow edges unchanged. */
function copyPartial(
  run: PropagationRun,
  from: ValueId,
  to: ValueId,
  op: Op,
  grown: ValueId[],
): void {
  for (const a of run.state.partialOf(from)) {
    if (run.state.uses(to, a)) continue;
    run.state.growPartial(to, a, from, op.id);
    grown.push(to);
  }
}

function report(
  run: PropagationRun,
  op: Op,
  f: number,
  kind: Conflict['kind'],
  values: readonly ValueId[],
  axes: readonly (readonly string[])[],
  why: string,
): void {
  const key = `${op.id}:${f}`;
  if (run.reported.has(key)) return;
  run.reported.add(key);
  run.conflicts.push({
    opId: op.id,
    opKind: op.kind,
    scope: op.scope,
    factor: factorName(f),
    kind,
    competing: values.map((value, i) => ({
      value,
      axes: [...(axes[i] ?? [])],
      tactics: run.state.tacticsOf(value, axes[i] ?? []),
    })),
    tactic: run.tactic,
    message: `op #${op.id} ${op.kind}${op.scope ? ` in ${op.scope}` : ''}: ${why}; propagation stops here`,
  });
}
