import { meshAxisSize, meshHasAxis, meshToString, type Mesh } from '../mesh/mesh.ts';
import type { Shape } from '../ir/shape.ts';

/**
 * How one value is laid out on the mesh (Shardy's representation): per tensor dimension the
 * mesh axes that split it, major to minor; `partial` axes over which the value is an unreduced
 * sum; `replicated` axes that may never shard it. Every other axis is implicitly replicated.
 * An axis appears at most once across dims, partial and replicated.
 */
export interface Sharding {
  readonly dims: readonly (readonly string[])[];
  readonly partial: readonly string[];
  readonly replicated: readonly string[];
}

export class ShardingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShardingError';
  }
}

export function shardingReplicated(rank: number): Sharding {
  return { dims: Array.from({ length: rank }, () => []), partial: [], replicated: [] };
}

export function shardingAxes(s: Sharding): string[] {
  return [...s.dims.flat(), ...s.partial, ...s.replicated];
}

/** True if the axis already plays a part in the value (tiles a dim, partial or explicitly replicated). */
export function shardingUsesAxis(s: Sharding, axis: string): boolean {
  return (
    s.dims.some((d) => d.includes(axis)) || s.partial.includes(axis) || s.replicated.includes(axis)
  );
}

export function shardingIsReplicated(s: Sharding): boolean {
  return s.dims.every((d) => d.length === 0) && s.partial.length === 0;
}

/** Number of shards of dim d. */
export function shardingDimShards(s: Sharding, d: number, mesh: Mesh): number {
  return s.dims[d].reduce((n, a) => n * meshAxisSize(mesh, a), 1);
}

/** The per-device shape. Throws when a dim does not divide (shardingCheck reports that first). */
export function shardingLocalShape(s: Sharding, shape: Shape, mesh: Mesh): number[] {
  return shape.map((n, d) => {
    const k = shardingDimShards(s, d, mesh);
    if (n % k !== 0)
      throw new ShardingError(
        `dimension ${d} of size ${n} does not divide into ${k} shards (${s.dims[d].join(',')})`,
      );
    return n / k;
  });
}

/** Every rule the sharding breaks for a value of this shape on this mesh; empty when valid. */
export function shardingCheck(s: Sharding, shape: Shape, mesh: Mesh): string[] {
  const errs: string[] = [];
  if (s.dims.length !== shape.length)
    errs.push(`has ${s.dims.length} dim shardings for a rank-${shape.length} value`);
  const seen = new Set<string>();
  for (const a of shardingAxes(s)) {
    if (!meshHasAxis(mesh, a))
      errs.push(`uses axis '${a}', which the mesh (${meshToString(mesh)}) does not have`);
    else if (seen.has(a)) errs.push(`uses axis '${a}' more than once`);
    seen.add(a);
  }
  if (errs.length) return errs;
  s.dims.forEach((axes, d) => {
    const k = shardingDimShards(s, d, mesh);
    if (shape[d] % k !== 0)
      errs.push(
        `dimension ${d} (size ${shape[d]}) is not divisible by ${k} (axes ${axes.join(',')})`,
      );
  });
  return errs;
}

export function shardingEqual(a: Sharding, b: Sharding): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((v, i) => v === y[i]);
  const sameSet = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((v) => y.includes(v));
  return (
    a.dims.length === b.dims.length &&
    a.dims.every((d, i) => same(d, b.dims[i])) &&
    sameSet(a.partial, b.partial) &&
    sameSet(a.replicated, b.replicated)
  );
}

/** Shardy-like text: `[{data}, {}, {model}] partial={x} replicated={y}`. */
export function shardingToString(s: Sharding): string {
  const dims = `[${s.dims.map((d) => `{${d.join(',')}}`).join(', ')}]`;
  const extra = [
    s.partial.length ? `partial={${s.partial.join(',')}}` : '',
    s.replicated.length ? `replicated={${s.replicated.join(',')}}` : '',
  ].filter(Boolean);
  return extra.length ? `${dims} ${extra.join(' ')}` : dims;
}
