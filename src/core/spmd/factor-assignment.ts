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
  results: readonly { sharding: Sharding; type: TensorType }[],
  operands: readonly { sharding: Sharding; type: TensorType }[],
  mesh: Mesh,
): string[][] {
  const fa: (string[] | undefined)[] = rule.factorKinds.map(() => undefined);
  const used = new Set<string>();
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
  results.forEach((r, i) => offer(rule.results[i], r.sharding));
  const order = operands.map((o, i) => i).sort((a, b) => tensorBytes(operands[b].type) - tensorBytes(operands[a].type));
  for (const i of order) offer(rule.operands[i], operands[i].sharding);
  const out = fa.map((x) => x ?? []);
  for (const m of [...rule.operands, ...rule.results]) if (m) fixLayout(m, out, rule.factorSizes, mesh);
  return out;
}

/** Clears minor factors of a compound dim whose major factors are not fully split. */
function fixLayout(mapping: TensorMapping, fa: string[][], sizes: readonly number[], mesh: Mesh): void {
  for (const factors of mapping) {
    let full = true;
    for (const f of factors) {
      if (!full) fa[f] = [];
      else full = axesSize(fa[f], mesh) === sizes[f];
    }
  }
}

/** The dim shardings a tensor gets under a factor assignment. */
export function shardingUnder(mapping: TensorMapping, fa: readonly string[][], partial: readonly string[] = []): Sharding {
  return { dims: mapping.map((factors) => factors.flatMap((f) => fa[f])), partial: [...partial], replicated: [] };
}
