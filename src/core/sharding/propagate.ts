import type { Mesh } from '../mesh/mesh.ts';
import { meshAxisSize } from '../mesh/mesh.ts';
import type { Op, ValueId } from '../ir/program.ts';
import type { Conflict } from './conflict.ts';
import type { DataflowGroup } from './dataflow.ts';
import { factorName, type FactorRule, type TensorMapping } from './factor-rule.ts';
import type { GraphIndex } from './graph-index.ts';
import { axesSize, factorCanGrow, projectTensor, type TensorFactors } from './projection.ts';
import type { ShardingState } from './state.ts';

/** Which ops a tactic's propagation may cross (ZeRO tactics stay inside the optimizer update). */
export type OpFilter = (op: Op) => boolean;

interface Entry {
  readonly value: ValueId;
  readonly mapping: TensorMapping;
  readonly isResult: boolean;
}

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
  const queue: (Op | DataflowGroup)[] = [];
  const queued = new Set<Op | DataflowGroup>();
  const touch = (v: ValueId) => {
    const def = run.index.defOp[v];
    if (def) push(def);
    for (const u of run.index.users[v]) push(u);
    for (const g of run.index.groupsOf[v]) push(g);
  };
  const push = (item: Op | DataflowGroup) => {
    if (queued.has(item)) return;
    queued.add(item);
    queue.push(item);
  };
  for (const v of changed) touch(v);
  let steps = 0;
  const limit = 50 * (run.index.ops.length + 16);
  for (let head = 0; head < queue.length; head++) {
    const item = queue[head];
    queued.delete(item);
    if (++steps > limit) throw new Error('propagation did not reach a fixpoint (internal error)');
    const grown = 'kind' in item ? propagateOp(run, item) : propagateGroup(run, item);
    for (const v of grown) touch(v);
  }
}

function propagateOp(run: PropagationRun, op: Op): ValueId[] {
  if (!run.allow(op)) return [];
  const rule = run.index.rule(op);
  if (!rule || rule.conservative) return [];
  const entries: Entry[] = [
    ...op.operands.map((value, i) => ({ value, mapping: rule.operands[i], isResult: false })),
    ...op.results.map((value, i) => ({ value, mapping: rule.results[i], isResult: true })),
  ];
  const grown = new Set<ValueId>();
  rule.factorKinds.forEach((kind, f) => {
    if (kind === 'passThrough' || kind === 'reduction')
      propagateFactor(run, op, rule, entries, f, grown);
  });
  markPartial(run, op, rule, entries, grown);
  return [...grown];
}

function propagateGroup(run: PropagationRun, g: DataflowGroup): ValueId[] {
  const rank = run.index.types(g.values[0]).shape.length;
  const mapping: TensorMapping = Array.from({ length: rank }, (_, d) => [d]);
  const rule: FactorRule = {
    factorSizes: [...run.index.types(g.values[0]).shape],
    factorKinds: Array.from({ length: rank }, () => 'passThrough'),
    operands: g.values.map(() => mapping),
    results: [],
  };
  const entries = g.values.map((value) => ({ value, mapping, isResult: false }));
  const grown = new Set<ValueId>();
  for (let f = 0; f < rank; f++) propagateFactor(run, g.op, rule, entries, f, grown);
  // partial sums flow through data-flow edges unchanged
  for (const e of entries)
    for (const src of entries) copyPartial(run, src.value, e.value, g.op, grown);
  return [...grown];
}

function propagateFactor(
  run: PropagationRun,
  op: Op,
  rule: FactorRule,
  entries: readonly Entry[],
  f: number,
  grown: Set<ValueId>,
): void {
  const holders: { e: Entry; t: TensorFactors; axes: string[] }[] = [];
  for (const e of entries) {
    if (!e.mapping || !e.mapping.some((dim) => dim.includes(f))) continue;
    const t = projectTensor(run.state.dims[e.value], e.mapping, rule.factorSizes, run.mesh);
    if (t.opaque.has(f)) continue;
    holders.push({ e, t, axes: t.axes.get(f)! });
  }
  if (holders.length < 2) return;
  let src = holders[0];
  for (const h of holders) if (h.axes.length > src.axes.length) src = h;
  let target = src.axes;
  for (const h of holders) {
    let k = 0;
    while (k < h.axes.length && h.axes[k] === target[k]) k++;
    if (k < h.axes.length) {
      report(
        run,
        op,
        f,
        'disagree',
        holders.map((x) => x.e.value),
        holders.map((x) => x.axes),
        `the tensors of factor ${factorName(f)} are split on different axes`,
      );
      target = target.slice(0, k);
    }
  }
  if (target.length === 0) return;
  for (const h of holders) {
    if (h.axes.length >= target.length) continue;
    extend(run, op, rule, h, f, target, src.e.value, grown);
  }
}

function extend(
  run: PropagationRun,
  op: Op,
  rule: FactorRule,
  h: { e: Entry; t: TensorFactors; axes: string[] },
  f: number,
  target: readonly string[],
  from: ValueId,
  grown: Set<ValueId>,
): void {
  const v = h.e.value;
  const d = h.t.dimOf.get(f)!;
  const others = [from, v];
  if (!factorCanGrow(f, h.e.mapping[d], h.t, rule.factorSizes, run.mesh)) return;
  let size = axesSize(h.axes, run.mesh);
  for (const a of target.slice(h.axes.length)) {
    if (run.state.partial[v].includes(a)) return; // resolved by the lowering (reduce-scatter), not a conflict
    if (run.state.uses(v, a)) {
      const kind = run.state.replicated[v].includes(a) ? 'replicated' : 'axisInUse';
      report(
        run,
        op,
        f,
        kind,
        others,
        [target, run.state.dims[v].flat()],
        `axis '${a}' cannot split value %${v}: it is ${kind === 'replicated' ? 'explicitly replicated on it' : 'already split on it elsewhere'}`,
      );
      return;
    }
    size *= meshAxisSize(run.mesh, a);
    if (rule.factorSizes[f] % size !== 0) {
      report(
        run,
        op,
        f,
        'indivisible',
        others,
        [target, h.axes],
        `factor ${factorName(f)} of size ${rule.factorSizes[f]} does not divide into ${size} shards`,
      );
      return;
    }
    run.state.dims[v][d].push(a);
    const o = run.state.origins[from].get(a);
    run.state.origins[v].set(a, {
      tactic: o?.tactic ?? run.tactic,
      seed: o?.seed ?? 'propagation',
      viaOp: op.id,
    });
    grown.add(v);
  }
}

/** A reduction factor split the same way in every operand makes the results partial sums over its axes. */
function markPartial(
  run: PropagationRun,
  op: Op,
  rule: FactorRule,
  entries: readonly Entry[],
  grown: Set<ValueId>,
): void {
  rule.factorKinds.forEach((kind, f) => {
    if (kind !== 'reduction') return;
    let agreed: string[] | undefined;
    let from: ValueId | undefined;
    for (const e of entries) {
      if (e.isResult || !e.mapping.some((dim) => dim.includes(f))) continue;
      const t = projectTensor(run.state.dims[e.value], e.mapping, rule.factorSizes, run.mesh);
      const axes = t.opaque.has(f) ? [] : t.axes.get(f)!;
      if (agreed === undefined) [agreed, from] = [axes, e.value];
      else if (agreed.join() !== axes.join()) return;
    }
    if (!agreed?.length || from === undefined) return;
    for (const e of entries) {
      if (!e.isResult) continue;
      for (const a of agreed) {
        if (run.state.uses(e.value, a)) continue; // already tiled on it: the lowering reduce-scatters
        run.state.partial[e.value].push(a);
        const o = run.state.origins[from].get(a);
        run.state.origins[e.value].set(a, {
          tactic: o?.tactic ?? run.tactic,
          seed: o?.seed ?? 'propagation',
          viaOp: op.id,
        });
        grown.add(e.value);
      }
    }
  });
}

function copyPartial(
  run: PropagationRun,
  from: ValueId,
  to: ValueId,
  op: Op,
  grown: Set<ValueId>,
): void {
  for (const a of run.state.partial[from]) {
    if (run.state.uses(to, a)) continue;
    run.state.partial[to].push(a);
    const o = run.state.origins[from].get(a)!;
    run.state.origins[to].set(a, { ...o, viaOp: op.id });
    grown.add(to);
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
