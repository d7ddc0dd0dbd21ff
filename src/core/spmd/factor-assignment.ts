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
  excluded: readonly string[] = NONE,
  resultsFirst = true,
): string[][] {
  const nF = rule.factorKinds.length;
  const fa: (string[] | undefined)[] = new Array(nF);
  // a fresh list (slicing the frozen empty list is slow)
  const used: string[] = excluded.length ? excluded.slice() : [];
  if (resultsFirst)
    for (let i = 0; i < results.length; i++)
      offer(rule, fa, used, mesh, rule.results[i], results[i].sharding);
  if (operands.length === 1) offer(rule, fa, used, mesh, rule.operands[0], operands[0].sharding);
  else if (operands.length > 1) {
    for (const i of bySizeDescending(operands))
      offer(rule, fa, used, mesh, rule.operands[i], operands[i].sharding);
  }
  if (!resultsFirst)
    for (let i = 0; i < results.length; i++)
      offer(rule, fa, used, mesh, rule.results[i], results[i].sharding);
  const out: string[][] = new Array(nF);
  for (let f = 0; f < nF; f++) out[f] = fa[f] ?? NONE;
  return withValidLayouts(rule, out, mesh);
}

function withValidLayouts(rule: FactorRule, out: string[][], mesh: Mesh): string[][] {
  for (const m of rule.operands) if (m) fixLayout(m, out, rule.factorSizes, mesh);
  for (const m of rule.results) if (m) fixLayout(m, out, rule.factorSizes, mesh);
  return out;
}

/**
 * What chooseFactors gives when no operand or result is split on any dim and no operand is
 * partial: no tensor offers an axis, and that assignment moves nothing, so it is the choice.
 */
export function unsplitFactors(rule: FactorRule, mesh: Mesh): string[][] {
  const nF = rule.factorKinds.length;
  const out: string[][] = new Array(nF);
  for (let f = 0; f < nF; f++) out[f] = NONE;
  return withValidLayouts(rule, out, mesh);
}

/** Operand indices, largest tensor first; a stable order among equal sizes. */
function bySizeDescending(operands: readonly Placement[]): number[] {
  const n = operands.length;
  const order: number[] = new Array(n);
  const bytes: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    bytes[i] = tensorBytes(operands[i].type);
    // insertion sort (stable): move i left past every strictly smaller tensor
    let j = i;
    while (j > 0 && bytes[order[j - 1]] < bytes[i]) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = i;
  }
  return order;
}

/** A tensor offers the axes of its dims to the factors not assigned yet. */
function offer(
  rule: FactorRule,
  fa: (string[] | undefined)[],
  used: string[],
  mesh: Mesh,
  mapping: TensorMapping | undefined,
  sh: Sharding,
): void {
  if (!mapping) return;
  for (let d = 0; d < mapping.length; d++) {
    const factors = mapping[d];
    const dimAxes = sh.dims[d];
    if (factors.length === 0 || dimAxes.length === 0) continue;
    for (let j = 0; j < factors.length; j++) {
      const f = factors[j];
      if (fa[f] !== undefined) continue;
      const kind = rule.factorKinds[f];
      if (kind === 'needReplication' || kind === 'permutation') continue;
      const axes = dimFactorAxes(dimAxes, factors, f, rule.factorSizes, mesh);
      if (!axes || axes.length === 0) continue;
      let k = 0;
      while (k < axes.length && !used.includes(axes[k])) k++;
      // the whole list is handed over as is (no copy): assignments are never mutated
      const ok = k === axes.length ? (axes as string[]) : axes.slice(0, k);
      for (let j2 = 0; j2 < ok.length; j2++) used.push(ok[j2]);
      fa[f] = ok;
    }
  }
}

const NONE = Object.freeze([]) as unknown as string[];

export interface Placement {
  readonly sharding: Sharding;
  readonly type: TensorType;
}

/** Axes of the reduction factors: the results are partial sums over them. */
export function reductionAxes(rule: FactorRule, fa: readonly string[][]): string[] {
  let out: string[] | undefined;
  for (let f = 0; f < fa.length; f++)
    if (rule.factorKinds[f] === 'reduction' && fa[f].length) (out ??= []).push(...fa[f]);
  return out ?? NONE;
}

/**
 * Picks between letting the results or the operands decide (see assignFactors) by the bytes
 * each choice moves: an op whose operands and result disagree — GShard's dispatch einsum, split
 * on groups going in and on experts coming out — runs where its big operands already are and
 * reshards the result (an all-to-all) rather than gathering its inputs. The results are partial
 * over `excluded` and the axes of the reduction factors.
 */
export function chooseFactors(
  rule: FactorRule,
  results: readonly Placement[],
  operands: readonly Placement[],
  mesh: Mesh,
  excluded: readonly string[],
): string[][] {
  const a = assignFactors(rule, results, operands, mesh, excluded, true);
  const costA = assignmentCost(rule, a, results, operands, mesh, excluded);
  if (costA === 0) return a;
  const b = assignFactors(rule, results, operands, mesh, excluded, false);
  return assignmentCost(rule, b, results, operands, mesh, excluded) < costA ? b : a;
}

/** The bytes a factor assignment moves: operands into it, results out of it. */
function assignmentCost(
  rule: FactorRule,
  fa: string[][],
  results: readonly Placement[],
  operands: readonly Placement[],
  mesh: Mesh,
  excluded: readonly string[],
): number {
  let bytes = 0;
  for (let i = 0; i < operands.length; i++) {
    const o = operands[i];
    const m = rule.operands[i];
    // the common case, the operand already refines what the op needs, costs nothing to check
    if (refinesUnder(o.sharding, m, fa, excluded)) continue;
    bytes += reshardBytes(o, shardingUnder(m, fa, excluded), mesh);
  }
  if (results.length === 0) return bytes;
  let partial: string[] | undefined;
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    partial ??= withReductionAxes(rule, fa, excluded);
    bytes += reshardBytes(
      { sharding: shardingUnder(rule.results[i], fa, partial), type: r.type },
      r.sharding,
      mesh,
    );
  }
  return bytes;
}

function withReductionAxes(rule: FactorRule, fa: readonly string[][], excluded: readonly string[]) {
  const reduced = reductionAxes(rule, fa);
  return [...excluded, ...reduced];
}

/** reshardBytes(s, shardingUnder(mapping, fa, partial)) === 0, without building the sharding. */
function refinesUnder(
  s: Sharding,
  mapping: TensorMapping,
  fa: readonly string[][],
  partial: readonly string[],
): boolean {
  for (const a of s.partial) if (!partial.includes(a)) return false;
  for (let d = 0; d < s.dims.length; d++) {
    const axes = s.dims[d];
    if (axes.length === 0) continue;
    const factors = mapping[d];
    if (factors === undefined) return false;
    for (let k = 0; k < axes.length; k++) if (axisAt(factors, fa, k) !== axes[k]) return false;
  }
  return true;
}

/** The k-th axis of a dim holding `factors` under the assignment (undefined past its end). */
function axisAt(
  factors: readonly number[],
  fa: readonly string[][],
  k: number,
): string | undefined {
  for (const f of factors) {
    const axes = fa[f];
    if (k < axes.length) return axes[k];
    k -= axes.length;
  }
  return undefined;
}

/** A rough price of a reshard: free when the target only refines the source (local slices),
 *  else the bytes of the larger of the two local layouts. */
export function reshardBytes(from: Placement, to: Sharding, mesh: Mesh): number {
  const s = from.sharding;
  let refines = true;
  for (const a of s.partial) if (!to.partial.includes(a)) refines = false;
  for (let d = 0; d < s.dims.length && refines; d++) {
    const axes = s.dims[d];
    for (let k = 0; k < axes.length; k++) if (to.dims[d][k] !== axes[k]) refines = false;
  }
  if (refines) return 0;
  const bytes = tensorBytes(from.type);
  return Math.max(bytes / shardCount(s, mesh), bytes / shardCount(to, mesh));
}

function shardCount(x: Sharding, mesh: Mesh): number {
  let n = 1;
  for (const axes of x.dims) n *= axesSize(axes, mesh);
  return n;
}

/** Clears minor factors of a compound dim whose major factors are not fully split. */
function fixLayout(
  mapping: TensorMapping,
  fa: string[][],
  sizes: readonly number[],
  mesh: Mesh,
): void {
  for (const factors of mapping) {
    if (factors.length < 2) continue;
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
  partial: readonly string[] = NONE,
): Sharding {
  const dims: (readonly string[])[] = new Array(mapping.length);
  for (let d = 0; d < mapping.length; d++) {
    const factors = mapping[d];
    dims[d] =
      factors.length === 0 ? NONE : factors.length === 1 ? fa[factors[0]] : concat(factors, fa);
  }
  return { dims, partial, replicated: NONE };
}

function concat(factors: readonly number[], fa: readonly string[][]): string[] {
  const out: string[] = [];
  for (const f of factors) for (const a of fa[f]) out.push(a);
  return out;
}

/**
 * Whether `s` has exactly the dims shardingUnder(mapping, fa) would give and the partial axes
 * `partial` (in any order): the lowering's test for an operand that needs no reshard.
 */
export function layoutIsUnder(
  s: Sharding,
  mapping: TensorMapping,
  fa: readonly string[][],
  partial: readonly string[],
): boolean {
  if (s.partial.length !== partial.length) return false;
  for (const a of s.partial) if (!partial.includes(a)) return false;
  for (let d = 0; d < s.dims.length; d++) {
    const factors = mapping[d];
    const axes = s.dims[d];
    let n = 0;
    for (const f of factors) n += fa[f].length;
    if (axes.length !== n) return false;
    let k = 0;
    for (const f of factors) for (const a of fa[f]) if (axes[k++] !== a) return false;
  }
  return true;
}
