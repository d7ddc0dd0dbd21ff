import { dtypeIsFloat } from '../dtype.ts';
import type { Op, ValueId } from '../program.ts';
import type { TensorType } from '../shape.ts';
import { isNonDifferentiableKind } from './kinds.ts';
import { readsResults, residualOperands } from './residuals.ts';
import { softmaxGroups } from './softmax.ts';

/**
 * The three linear sweeps that decide what the backward pass emits, over one block of ops:
 * activity (forward: what depends on the inputs we differentiate with respect to), relevance
 * (reverse: which of those reach a seeded output, so their VJP runs) and residuals (reverse:
 * which forward ops must exist for those VJPs, for remat and recomputation). Only float
 * values are ever active; non-differentiable kinds cut the flow.
 */

export type TypeOf = (id: ValueId) => TensorType;

/** Values reachable from `from` through differentiable ops (float-typed only). */
export function activeValues(
  ops: readonly Op[],
  from: Iterable<ValueId>,
  typeOf: TypeOf,
): Set<ValueId> {
  const active = new Set<ValueId>();
  for (const v of from) if (dtypeIsFloat(typeOf(v).dtype)) active.add(v);
  for (const op of ops) {
    if (isNonDifferentiableKind(op.kind) || !op.operands.some((o) => active.has(o))) continue;
    for (const r of op.results) if (dtypeIsFloat(typeOf(r).dtype)) active.add(r);
  }
  return active;
}

export interface Relevance {
  /** Ops whose VJP runs, in forward order. */
  readonly relevant: readonly Op[];
  /** Active values on a path to a seed: the ones that can receive a cotangent. */
  readonly needed: ReadonlySet<ValueId>;
}

/** Ops with an active result on a path to one of `seeds`. */
export function relevantOps(
  ops: readonly Op[],
  active: ReadonlySet<ValueId>,
  seeds: Iterable<ValueId>,
): Relevance {
  const needed = new Set<ValueId>();
  for (const s of seeds) if (active.has(s)) needed.add(s);
  const relevant: Op[] = [];
  for (let k = ops.length - 1; k >= 0; k--) {
    const op = ops[k];
    if (isNonDifferentiableKind(op.kind) || !op.results.some((r) => needed.has(r))) continue;
    relevant.push(op);
    for (const o of op.operands) if (active.has(o)) needed.add(o);
  }
  relevant.reverse();
  return { relevant, needed };
}

export interface Residuals {
  /** Ops to (re)compute so that every residual exists, in forward order. */
  readonly ops: readonly Op[];
  /** Values the backward reads from outside the recomputed ops: kept from the forward pass. */
  readonly kept: ReadonlySet<ValueId>;
}

/**
 * The forward ops the backward of `relevant` reads from, closed over their producers: the
 * residual operands (and results, for rules that read them) of each relevant op, then the
 * operands of every op producing one. Ops fall into recompute groups (`groupOf`; undefined:
 * never recomputed): a value is recomputed only for readers of its own group, anything else
 * it reads is kept from the forward pass. Without groups every op of the block is recomputable.
 */
export function residualOps(
  ops: readonly Op[],
  relevant: ReadonlySet<Op>,
  groupOf: (op: Op) => string | undefined = () => '',
): Residuals {
  const defGroup = new Map<ValueId, string | undefined>();
  for (const op of ops) {
    const key = groupOf(op);
    for (const r of op.results) defGroup.set(r, key);
  }
  const marked = new Set<ValueId>();
  const kept = new Set<ValueId>();
  const use = (u: ValueId, key: string | undefined) => {
    if (key !== undefined && defGroup.get(u) === key) marked.add(u);
    else kept.add(u);
  };
  // a softmax's backward reads its output alone (softmax.ts), not what its ops' rules would
  const softmax = softmaxGroups(relevant);
  const out: Op[] = [];
  for (let k = ops.length - 1; k >= 0; k--) {
    const op = ops[k];
    const key = groupOf(op);
    const isRelevant = relevant.has(op);
    const fused = softmax.get(op);
    if (isRelevant && !fused) for (const i of residualOperands(op)) use(op.operands[i], key);
    const readsOwn = isRelevant && (fused ? fused.div === op : readsResults(op));
    const live = key !== undefined && (readsOwn || op.results.some((r) => marked.has(r)));
    if (!live) {
      if (readsOwn) for (const r of op.results) kept.add(r);
      continue;
    }
    out.push(op);
    for (const o of op.operands) use(o, key);
  }
  out.reverse();
  return { ops: out, kept };
}
