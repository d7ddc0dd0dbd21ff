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
  /**
   * An op no factor of which two tensors hold and none of which is a reduction (a broadcast of
   * a scalar, a constant): propagating through it can change nothing.
   */
  readonly inert: boolean;
}

/** The parts of an op's plan that depend only on its rule: shared by every op with that rule. */
export interface PlanShape {
  readonly mappings: readonly TensorMapping[];
  readonly isResult: readonly boolean[];
  readonly holders: readonly (readonly number[])[];
  readonly uniform: boolean;
  readonly inert: boolean;
}

export function planShape(rule: FactorRule): PlanShape {
  const mappings = [...rule.operands, ...rule.results];
  const isResult = mappings.map((_, i) => i >= rule.operands.length);
  const holders = holdersOf(rule.factorSizes.length, mappings);
  let inert = true;
  for (let f = 0; f < holders.length && inert; f++)
    inert = holders[f].length < 4 && rule.factorKinds[f] !== 'reduction';
  return { mappings, isResult, holders, uniform: uniformOf(rule, mappings), inert };
}

/** The op's plan; `shape` is planShape(rule), passed in when shared. */
export function opPlan(op: Op, rule: FactorRule, shape: PlanShape = planShape(rule)): OpPlan {
  return {
    op,
    rule,
    values: [...op.operands, ...op.results],
    mappings: shape.mappings,
    isResult: shape.isResult,
    holders: shape.holders,
    uniform: shape.uniform,
    inert: shape.inert,
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
    inert: false,
  };
}

function holdersOf(nFactors: number, mappings: readonly TensorMapping[]): number[][] {
  const holders: number[][] = Array.from({ length: nFactors }, () => []);
  mappings.forEach((m, t) =>
    m?.forEach((factors, d) => factors.forEach((f) => holders[f].push(t, d))),
  );
  return holders;
}
