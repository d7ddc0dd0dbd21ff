import type { Mesh } from '../mesh/mesh.ts';
import type { FactorRule, TensorMapping } from '../sharding/factor-rule.ts';
import { axesSize, dimFactorAxes } from '../sharding/projection.ts';
import type { Sharding } from '../sharding/sharding.ts';
import { tensorBytes, type TensorType } from '../ir/shape.ts';

/**
 * Decides how an op runs: the axes of every factor. Results speak first (their shardings are
 * what propagation settled on), then operands for the factors results lack (contracting dims),
 * largest operand first so the cheaper side is the one resharded. needReplication and
 * permutation factors stay whole; an axis serves one factor only; a compound dim keeps a valid
 * layout (major factors fully split before a minor one is split).
 */
export function assignFactors(
  rule: FactorRule,
  results: readonly Placement[],
  operands: readonly Placement[],
  mesh: Mesh,
  /** Axes the op must not split on (e.g. those its partial operands stay partial over). */
  excluded: readonly string[] = [],
  resultsFirst = true,
): string[][] {
  const nF = rule.factorKinds.length;
  const fa: (string[] | undefined)[] = new Array(nF);
  const used: string[] = excluded.slice();
  const offer = (mapping: TensorMapping | undefined, sh: Sharding) => {
    if (!mapping) return;
    for (let d = 0; d < mapping.length; d++) {
      const factors = mapping[d];
      const dimAxes = sh.dims[d];
      if (factors.length === 0 || dimAxes.length === 0) continue;
      for (const f of factors) {
        if (fa[f] !== undefined) continue;
        const kind = rule.factorKinds[f];
        if (kind === 'needReplication' || kind === 'permutation') continue;
        const axes = dimFactorAxes(dimAxes, factors, f, rule.factorSizes, mesh);
        if (!axes || axes.length === 0) continue;
        const ok: string[] = [];
        for (const a of axes) {
          if (used.includes(a)) break;
          ok.push(a);
        }
        for (const a of ok) used.push(a);
        fa[f] = ok;
      }
    }
  };
  let order: number[] = [];
  for (let i = 0; i < operands.length; i++) order.push(i);
  if (operands.length > 1) order = order.sort((a, b) => tensorBytes(operands[b].type) - tensorBytes(operands[a].type));
  if (resultsFirst) for (let i = 0; i < results.length; i++) offer(rule.results[i], results[i].sharding);
  for (const i of order) offer(rule.operands[i], operands[i].sharding);
  if (!resultsFirst) for (let i = 0; i < results.length; i++) offer(rule.results[i], results[i].sharding);
  const out: string[][] = new Array(nF);
  for (let f = 0; f < nF; f++) out[f] = fa[f] ?? NONE;
  for (const m of rule.operands) if (m) fixLayout(m, out, rule.factorSizes, mesh);
  for (const m of rule.results) if (m) fixLayout(m, out, rule.factorSizes, mesh);
  return out;
}

const NONE = Object.freeze([]) as unknown as string[];

export interface Placement {
  readonly sharding: Sharding;
  readonly type: TensorType;
}

/**
 * Picks between letting the results or the operands decide (see assignFactors) by the bytes
 * each choice moves: an op whose operands and result disagree — GShard's dispatch einsum, split
 * on groups going in and on experts coming out — runs where its big operands already are and
 * reshards the result (an all-to-all) rather than gathering its inputs.
 */
export function chooseFactors(
  rule: FactorRule,
  results: readonly Placement[],
  operands: readonly Placement[],
  mesh: Mesh,
  excluded: readonly string[],
  partialOf: (fa: readonly string[][]) => string[],
): string[][] {
  const cost = (fa: string[][]) => {
    let bytes = 0;
    operands.forEach(
      (o, i) => (bytes += reshardBytes(o, shardingUnder(rule.operands[i], fa, excluded), mesh)),
    );
    results.forEach(
      (r, i) =>
        (bytes += reshardBytes(
          { sharding: shardingUnder(rule.results[i], fa, partialOf(fa)), type: r.type },
          r.sharding,
          mesh,
        )),
    );
    return bytes;
  };
  const a = assignFactors(rule, results, operands, mesh, excluded, true);
  const costA = cost(a);
  if (costA === 0) return a;
  const b = assignFactors(rule, results, operands, mesh, excluded, false);
  return cost(b) < costA ? b : a;
}

/** A rough price of a reshard: free when the target only refines the source (local slices),
 *  else the bytes of the larger of the two local layouts. */
export function reshardBytes(from: Placement, to: Sharding, mesh: Mesh): number {
  const s = from.sharding;
  const refines =
    s.partial.every((a) => to.partial.includes(a)) &&
    s.dims.every((axes, d) => axes.every((a, k) => to.dims[d][k] === a));
  if (refines) return 0;
  const local = (x: Sharding) =>
    tensorBytes(from.type) / x.dims.reduce((n, axes) => n * axesSize(axes, mesh), 1);
  return Math.max(local(s), local(to));
}

/** Clears minor factors of a compound dim whose major factors are not fully split. */
function fixLayout(
  mapping: TensorMapping,
  fa: string[][],
  sizes: readonly number[],
  mesh: Mesh,
): void {
  for (const factors of mapping) {
    let full = true;
    for (const f of factors) {
      if (!full) fa[f] = [];
      else full = axesSize(fa[f], mesh) === sizes[f];
    }
  }
}

/** The dim shardings a tensor gets under a factor assignment. */
export function shardingUnder(mapping: TensorMapping, fa: readonly string[][], partial: readonly string[] = NONE): Sharding {
  const dims: (readonly string[])[] = new Array(mapping.length);
  for (let d = 0; d < mapping.length; d++) {
    const factors = mapping[d];
    dims[d] = factors.length === 0 ? NONE : factors.length === 1 ? fa[factors[0]] : factors.flatMap((f) => fa[f]);
  }
  return { dims, partial, replicated: NONE };
}
