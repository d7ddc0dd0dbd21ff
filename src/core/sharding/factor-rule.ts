/**
 * An op's sharding rule, as Shardy's registry builds it: every dimension of every operand and
 * result maps to an ordered list of factors (einsum letters, major to minor; several factors
 * when a reshape merges dims, none for a size-1 dim with nothing to shard). A factor sharded on
 * an axis in one tensor must be sharded the same way in every tensor that has it.
 *
 * Kinds: passThrough (no communication when shardings agree); reduction (appears in operands
 * only: sharding it makes the results partial sums); needReplication (must stay unsharded, e.g. a
 * sort dimension); permutation (sharding it needs data movement between devices, e.g. a padded
 * or reversed dim): propagation does not go through needReplication or permutation factors.
 */
export type FactorKind = 'passThrough' | 'reduction' | 'needReplication' | 'permutation';

/** Per dim of one tensor: the factor indices it holds, major to minor. */
export type TensorMapping = readonly (readonly number[])[];

export interface FactorRule {
  readonly factorSizes: readonly number[];
  readonly factorKinds: readonly FactorKind[];
  readonly operands: readonly TensorMapping[];
  readonly results: readonly TensorMapping[];
  /** True where the op needs a conservative (fully replicated) treatment and the rule is only a placeholder, e.g. opaque custom calls. */
  readonly conservative?: boolean;
}

const LETTERS = 'ijklmnopqrstuvwxyzabcdefgh';

export function factorName(f: number): string {
  return f < LETTERS.length ? LETTERS[f] : `f${f}`;
}

function mappingText(m: TensorMapping): string {
  return `[${m.map((dim) => (dim.length === 1 ? factorName(dim[0]) : `(${dim.map(factorName).join('')})`)).join(', ')}]`;
}

/**
 * The rule as text, the registry's test oracle:
 *   ([i, k], [k, j])->([i, j]) {i=8, j=4, k=16} reduction={k}
 * Compound dims print in parentheses, e.g. ([(ij)])->([i, j]).
 */
export function factorRuleToString(r: FactorRule): string {
  const sizes = r.factorSizes.map((s, f) => `${factorName(f)}=${s}`).join(', ');
  const sets: string[] = [];
  for (const kind of ['reduction', 'needReplication', 'permutation'] as const) {
    const fs = r.factorKinds.flatMap((k, f) => (k === kind ? [factorName(f)] : []));
    if (fs.length) sets.push(`${kind}={${fs.join(', ')}}`);
  }
  if (r.conservative) sets.push('conservative');
  return `(${r.operands.map(mappingText).join(', ')})->(${r.results.map(mappingText).join(', ')}) {${sizes}}${sets.length ? ' ' + sets.join(' ') : ''}`;
}
