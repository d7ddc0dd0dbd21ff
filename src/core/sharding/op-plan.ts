import type { Op, ValueId } from '../ir/program.ts';
import type { DataflowGroup } from './dataflow.ts';
import type { FactorRule, TensorMapping } from './factor-rule.ts';

/**
 * An op's rule laid out for propagation, built once per op: its tensors (operands then results)
 * and, per factor, which tensors hold it and in which dim — so a visit allocates nothing.
 */
export interface OpPlan {
  readonly op: Op;
  readonly rule: FactorRule;
  readonly values: readonly ValueId[];
  readonly mappings: readonly TensorMapping[];
  readonly isResult: readonly boolean[];
  /** Per factor: [tensor index, dim] pairs, flattened. */
  readonly holders: readonly (readonly number[])[];
  /** Every tensor has the same mapping and no factor is a reduction (elementwise ops, groups). */
  readonly uniform: boolean;
}

export function opPlan(op: Op, rule: FactorRule): OpPlan {
  const values = [...op.operands, ...op.results];
  const mappings = [...rule.operands, ...rule.results];
  const isResult = values.map((_, i) => i >= op.operands.length);
  return {
    op,
    rule,
    values,
    mappings,
    isResult,
    holders: holdersOf(rule.factorSizes.length, mappings),
    uniform: uniformOf(rule, mappings),
  };
}

function uniformOf(rule: FactorRule, mappings: readonly TensorMapping[]): boolean {
  for (const k of rule.factorKinds) if (k === 'reduction') return false;
  const m0 = mappings[0];
  if (!m0) return false;
  for (const m of mappings) {
    if (!m || m.length !== m0.length) return false;
    for (let d = 0; d < m.length; d++) {
      if (m[d].length !== m0[d].length) return false;
      for (let j = 0; j < m[d].length; j++) if (m[d][j] !== m0[d][j]) return false;
    }
  }
  return true;
}

/** A data-flow group as an identity rule over its values (see dataflow.ts). */
export function groupPlan(g: DataflowGroup, shape: readonly number[]): OpPlan {
  const mapping: TensorMapping = shape.map((_, d) => [d]);
  const mappings = g.values.map(() => mapping);
  const rule: FactorRule = {
    factorSizes: [...shape],
    factorKinds: shape.map(() => 'passThrough'),
    operands: mappings,
    results: [],
  };
  return {
    op: g.op,
    rule,
    values: g.values,
    mappings,
    isResult: g.values.map(() => false),
    holders: holdersOf(shape.length, mappings),
    uniform: true,
  };
}

function holdersOf(nFactors: number, mappings: readonly TensorMapping[]): number[][] {
  const holders: number[][] = Array.from({ length: nFactors }, () => []);
  mappings.forEach((m, t) =>
    m?.forEach((factors, d) => factors.forEach((f) => holders[f].push(t, d))),
  );
  return holders;
}
