import type { Mesh } from '../mesh/mesh.ts';
import type { FactorRule, TensorMapping } from '../sharding/factor-rule.ts';
import { axesSize, projectTensor } from '../sharding/projection.ts';
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
  const fa: (string[] | undefined)[] = rule.factorKinds.map(() => undefined);
  const used = new Set<string>(excluded);
  const offer = (mapping: TensorMapping, s: Sharding) => {
    if (!mapping) return;
    const t = projectTensor(s.dims, mapping, rule.factorSizes, mesh);
    for (const [f, axes] of t.axes) {
      if (fa[f] !== undefined || t.opaque.has(f) || axes.length === 0) continue;
      const kind = rule.factorKinds[f];
      if (kind === 'needReplication' || kind === 'permutation') continue;
      const ok: string[] = [];
      for (const a of axes) {
        if (used.has(a)) break;
        ok.push(a);
      }
      ok.forEach((a) => used.add(a));
      fa[f] = ok;
    }
  };
  const order = operands
    .map((o, i) => i)
    .sort((a, b) => tensorBytes(operands[b].type) - tensorBytes(operands[a].type));
  if (resultsFirst) results.forEach((r, i) => offer(rule.results[i], r.sharding));
  for (const i of order) offer(rule.operands[i], operands[i].sharding);
  if (!resultsFirst) results.forEach((r, i) => offer(rule.results[i], r.sharding));
  const out = fa.map((x) => x ?? []);
  for (const m of [...rule.operands, ...rule.results])
    if (m) fixLayout(m, out, rule.factorSizes, mesh);
  return out;
}

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
  const b = assignFactors(rule, results, operands, mesh, excluded, false);
  return cost(b) < cost(a) ? b : a;
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
export function shardingUnder(
  mapping: TensorMapping,
  fa: readonly string[][],
  partial: readonly string[] = [],
): Sharding {
  return {
    dims: mapping.map((factors) => factors.flatMap((f) => fa[f])),
    partial: [...partial],
    replicated: [],
  };
}
