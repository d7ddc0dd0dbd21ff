import type { ProgramBuilder } from '../builder.ts';
import type { Op, Region, Value, ValueId, ValueKind } from '../program.ts';

/**
 * Re-emission of forward ops at the builder's current position: remat, the recomputation
 * inside vjp functions and loop bodies, and augmented loops all copy forward work this way.
 * Regions are copied with fresh value ids (a value is defined once program-wide), and every
 * copy keeps the scope and result names of its original.
 */

/** Copies one op; `lookup` gives the current value of each operand. Returns the new results. */
export function opReemit(
  b: ProgramBuilder,
  op: Op,
  lookup: (id: ValueId) => Value,
  kind: ValueKind,
): Value[] {
  const names = op.results.map((r) => b.value(r).name);
  return b.atScope(op.scope, () =>
    b.op(op.kind, op.operands.map(lookup), op.attrs, {
      regions: op.regions.map((r) => regionCopy(b, r, kind)),
      names,
      kind,
    }),
  );
}

/** Copies ops in order, extending `map` (old id → new value) with their results. */
export function opsReemit(
  b: ProgramBuilder,
  ops: readonly Op[],
  map: Map<ValueId, Value>,
  fallback: (id: ValueId) => Value,
  kind: ValueKind,
): void {
  const lookup = (id: ValueId) => map.get(id) ?? fallback(id);
  for (const op of ops) {
    const res = opReemit(b, op, lookup, kind);
    op.results.forEach((r, i) => map.set(r, res[i]));
  }
}

/** A copy of a closed region with fresh params, ops and yields. */
export function regionCopy(b: ProgramBuilder, r: Region, kind: ValueKind): Region {
  return b.region(
    r.params.map((p) => b.value(p).type),
    (...params) => {
      const map = new Map<ValueId, Value>();
      r.params.forEach((p, i) => map.set(p, params[i]));
      opsReemit(b, r.ops, map, (id) => missing(id), kind);
      return r.yields.map((y) => map.get(y) ?? missing(y));
    },
  );
}

function missing(id: ValueId): never {
  throw new Error(`reemit: %${id} is used in a region but defined outside it (regions are closed)`);
}

/**
 * Fresh value ids of the given types, allocated through the builder (as the params of a region
 * that is never used) for ops assembled by hand, such as a loop augmented in place.
 */
export function valueSlots(b: ProgramBuilder, types: readonly Value['type'][]): Value[] {
  const r = b.region(types, () => []);
  return r.params.map((id) => b.value(id));
}

/** Emits ops into a detached list instead of the current block (to splice them elsewhere). */
export function opsDetached<T>(b: ProgramBuilder, fn: () => T): { result: T; ops: readonly Op[] } {
  let result!: T;
  const r = b.region([], () => {
    result = fn();
    return [];
  });
  return { result, ops: r.ops };
}
