import type { Region } from '../../ir/program.ts';
import { tensorType, type TensorType } from '../../ir/shape.ts';
import type { RegionAst } from './ast.ts';
import { mapBlock } from './block.ts';
import type { Env, MappingContext } from './mapping-context.ts';

/** Names used in the regions but defined outside them (StableHLO regions may read outer values). */
export function freeNames(regions: readonly RegionAst[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (r: RegionAst, defined: Set<string>) => {
    const local = new Set(defined);
    for (const a of r.args) local.add(a.name);
    for (const o of r.ops) {
      for (const n of o.operands)
        if (!local.has(n) && !seen.has(n)) {
          seen.add(n);
          out.push(n);
        }
      for (const sub of o.regions) visit(sub, local);
      for (const res of o.results) local.add(res);
    }
  };
  for (const r of regions) visit(r, new Set());
  return out;
}

/** Maps a region's ops as a closed IR region over the given parameters. */
export function mapRegion(
  cx: MappingContext,
  r: RegionAst,
  paramTypes: readonly TensorType[],
  bindNames: readonly string[],
  parent: Env | undefined,
  closed: boolean,
): Region {
  const scope = cx.b.currentScope;
  const phase = cx.b.phase;
  return cx.b.region(paramTypes, (...params) => {
    const env: Env = { vars: new Map(), parent, closed };
    bindNames.forEach((n, i) => env.vars.set(n, params[i]));
    const ys = mapBlock(cx, r.ops, env, scope, phase);
    cx.b.replaceScope(scope);
    cx.b.phase = phase;
    return ys;
  });
}

export function scalarOf(t: TensorType): TensorType {
  return tensorType([], t.dtype);
}
