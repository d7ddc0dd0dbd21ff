import type { ProgramBuilder } from '../builder.ts';
import type { OpAttrs } from '../ops.ts';
import type { Op, Region, Value, ValueId } from '../program.ts';
import type { TensorType } from '../shape.ts';
import { activeValues, relevantOps, residualOps, type TypeOf } from './analysis.ts';
import { indexConst, zerosOf } from './emit.ts';
import { opsDetached, opsReemit, valueSlots } from './reemit.ts';

/**
 * Checkpointing a `while` with a known trip count, as jax.lax.scan under jax.checkpoint: the
 * forward loop is augmented to save, per iteration, the carries its body's backward reads
 * (stacked [tripCount, …] by dynamic_update_slice at the iteration index); the backward loop
 * (vjp-control.ts) runs the iterations in reverse and recomputes each body from its saved carries.
 * Carries the body passes through unchanged (stacked per-layer weights, data) are not saved:
 * their value is the loop operand.
 */

export interface LoopPlan {
  /** Carry indices whose cotangents flow around the backward loop. */
  readonly carried: readonly number[];
  /** Carry indices the recomputed body reads and the body changes: saved every iteration. */
  readonly saved: readonly number[];
  /** Carry indices the recomputed body reads and the body passes through unchanged. */
  readonly invariant: readonly number[];
}

/** A plan and the stacks an augmented forward loop filled (stacks[k] for plan.saved[k]). */
export interface SavedLoop {
  readonly plan: LoopPlan;
  readonly stacks: readonly Value[];
}

/**
 * Which carries need cotangents and which must be saved, from the activity of the loop operands
 * and the cotangents of its results. Activity and need are fixpoints around the loop (a carry
 * becomes active when its body output depends on an active carry, and needed when its body
 * input reaches a needed output); each round is one linear sweep of the body.
 */
export function loopPlan(
  op: Op,
  activeIn: readonly boolean[],
  neededOut: readonly boolean[],
  typeOf: TypeOf,
): LoopPlan {
  const body = op.regions[1];
  const n = body.params.length;
  const act = [...activeIn];
  for (let changed = true; changed;) {
    changed = false;
    const active = activeValues(
      body.ops,
      body.params.filter((_, i) => act[i]),
      typeOf,
    );
    body.yields.forEach((y, i) => {
      if (!act[i] && active.has(y)) changed = act[i] = true;
    });
  }
  const need = neededOut.map((x, i) => x && act[i]);
  const allActive = activeValues(
    body.ops,
    body.params.filter((_, i) => act[i]),
    typeOf,
  );
  let carried: number[] = [];
  for (let changed = true; changed;) {
    changed = false;
    carried = range(n).filter((i) => act[i] && need[i]);
    const { needed } = relevantOps(
      body.ops,
      allActive,
      carried.map((i) => body.yields[i]),
    );
    body.params.forEach((p, i) => {
      if (act[i] && !need[i] && needed.has(p)) changed = need[i] = true;
    });
  }
  const active = activeValues(
    body.ops,
    carried.map((i) => body.params[i]),
    typeOf,
  );
  const { relevant } = relevantOps(
    body.ops,
    active,
    carried.map((i) => body.yields[i]),
  );
  const { kept } = residualOps(body.ops, new Set(relevant));
  const read = range(n).filter((i) => kept.has(body.params[i]));
  const passes = (i: number) => body.yields[i] === body.params[i];
  return { carried, saved: read.filter((i) => !passes(i)), invariant: read.filter(passes) };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function stackType(t: TensorType, trips: number): TensorType {
  return { shape: [trips, ...t.shape], dtype: t.dtype };
}

/** In the body: writes each saved carry (its value at the start of iteration t) into row t of its stack. */
function stacksUpdated(
  b: ProgramBuilder,
  t: Value,
  stacks: readonly Value[],
  carries: readonly Value[],
): Value[] {
  return stacks.map((s, k) => {
    const c = carries[k];
    const zero = indexConst(b, 0);
    return b.op1(
      'dynamic_update_slice',
      [s, b.reshape(c, [1, ...c.type.shape]), t, ...c.type.shape.map(() => zero)],
      {},
    );
  });
}

/** The extra carries of an augmented loop: an i32 iteration counter, then the stacks. */
function extraTypes(op: Op, plan: LoopPlan, b: ProgramBuilder): TensorType[] {
  const body = op.regions[1];
  const trips = (op.attrs as OpAttrs['while']).tripCount;
  return [
    { shape: [], dtype: 'i32' },
    ...plan.saved.map((i) => stackType(b.value(body.params[i]).type, trips)),
  ];
}

/**
 * Re-emits the loop with saving at the builder's position (recomputation, for loops not in
 * main or not augmented in place) and returns its stacks.
 */
export function loopAugmentedEmit(
  b: ProgramBuilder,
  op: Op,
  operands: readonly Value[],
  plan: LoopPlan,
): Value[] {
  const [cond, body] = op.regions;
  const extra = extraTypes(op, plan, b);
  const types = [...operands.map((v) => v.type), ...extra];
  const n = operands.length;
  const copy = (r: Region, tail: (ps: Value[], map: Map<ValueId, Value>) => Value[]) =>
    b.region(types, (...ps) => {
      const map = new Map<ValueId, Value>();
      r.params.forEach((p, i) => map.set(p, ps[i]));
      opsReemit(b, r.ops, map, missing, 'activation');
      return [...r.yields.map((y) => map.get(y) ?? missing(y)), ...tail(ps, map)];
    });
  const condR = copy(cond, () => []);
  const bodyR = copy(body, (ps) => {
    const t = ps[n];
    const carries = plan.saved.map((i) => ps[i]);
    return [b.add(t, indexConst(b, 1)), ...stacksUpdated(b, t, ps.slice(n + 1), carries)];
  });
  const inits = [indexConst(b, 0), ...extra.slice(1).map((t) => zerosOf(b, t))];
  const res = b.op(
    'while',
    [...operands, ...inits],
    { ...(op.attrs as OpAttrs['while']) },
    { regions: [condR, bodyR] },
  );
  return res.slice(n + 1);
}

function missing(id: ValueId): never {
  throw new Error(`while-augment: %${id} is used in a loop region but not defined there`);
}

/** The pieces of a loop augmented in place: ops to splice before it, the new op, its stacks. */
export interface LoopInPlace {
  readonly before: readonly Op[];
  /** Same id and same first results as the original; extra results are the counter and stacks. */
  readonly op: Op;
  readonly saved: SavedLoop;
  /** The extra result values, whose defining op (`def`) must be set to op.id in the program. */
  readonly extraResults: readonly Value[];
}

/**
 * Augments a loop of main in place: the original cond and body ops are kept and the saving ops
 * appended, so the forward pass runs once and every existing value keeps its id.
 */
export function loopAugmentInPlace(b: ProgramBuilder, op: Op, plan: LoopPlan): LoopInPlace {
  const [cond, body] = op.regions;
  const extra = extraTypes(op, plan, b);
  const { result: inits, ops: before } = opsDetached(b, () => [
    indexConst(b, 0),
    ...extra.slice(1).map((t) => zerosOf(b, t)),
  ]);
  const condExtra = valueSlots(b, extra);
  const bodyExtra = b.region(extra, (t, ...stacks) => [
    b.add(t, indexConst(b, 1)),
    ...stacksUpdated(
      b,
      t,
      stacks,
      plan.saved.map((i) => b.value(body.params[i])),
    ),
  ]);
  const extraResults = valueSlots(b, extra);
  const augmented: Op = {
    ...op,
    operands: [...op.operands, ...inits.map((v) => v.id)],
    results: [...op.results, ...extraResults.map((v) => v.id)],
    regions: [
      {
        params: [...cond.params, ...condExtra.map((v) => v.id)],
        ops: cond.ops,
        yields: cond.yields,
      },
      {
        params: [...body.params, ...bodyExtra.params],
        ops: [...body.ops, ...bodyExtra.ops],
        yields: [...body.yields, ...bodyExtra.yields],
      },
    ],
  };
  return { before, op: augmented, saved: { plan, stacks: extraResults.slice(1) }, extraResults };
}
