import type { Value, ValueId } from '../../ir/program.ts';
import { meshAxisSize } from '../../mesh/mesh.ts';
import { axesSize } from '../../sharding/projection.ts';
import type { Seed, SeedContext } from '../tactic.ts';

/** The inputs a tactic may touch: all, or those in the tactic's subgraph. */
export function inputsInScope(ctx: SeedContext, pred: (v: Value) => boolean): Value[] {
  return ctx.program.main.params
    .map((id) => ctx.program.values[id])
    .filter((v) => pred(v) && (!ctx.scope || ctx.scope.test(v.scope) || ctx.scope.test(v.name)));
}

/** True when adding `axis` to dim d keeps it divisible. */
export function dimTakes(ctx: SeedContext, v: ValueId, d: number, axis: string): boolean {
  const n = ctx.program.values[v].type.shape[d];
  const k = axesSize(ctx.state.dimsOf(v)[d], ctx.mesh) * meshAxisSize(ctx.mesh, axis);
  return n % k === 0;
}

/** The first dim (major first) that can take one more split on axis, or -1. */
export function firstDivisibleDim(ctx: SeedContext, v: ValueId, axis: string): number {
  const shape = ctx.program.values[v].type.shape;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 1 && dimTakes(ctx, v, d, axis)) return d;
  return -1;
}

export function tile(v: Value, dim: number, axis: string, why: string): Seed {
  return { action: 'tile', value: v.id, dim, axis, why };
}

/** Name patterns are anchored at a path component so `wo` never matches `two`. */
export function namePattern(alternatives: readonly string[]): RegExp {
  return new RegExp(
    `(^|[/.'\\[])(${alternatives.join('|')})(['\\]]*)(/kernel|/weight|/w|\\.weight)?$`,
  );
}
