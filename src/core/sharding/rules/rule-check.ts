import type { Shape } from '../../ir/shape.ts';
import { factorName, type FactorRule, type TensorMapping } from '../factor-rule.ts';

/**
 * Every invariant the registry's rules keep, checked against the op's shapes; empty when the
 * rule is sound. Tests run it on every rule; it is not on the propagation path.
 *
 * - one mapping per operand and result, with one entry per dim;
 * - factor indices in range, sizes and kinds given for each, every factor used somewhere;
 * - a factor at most once per tensor;
 * - reduction factors appear in operands only;
 * - the product of a dim's factor sizes is the dim size (an empty list: size ≤ 1). The one
 *   exception: an operand dim holding a permutation factor, which is sized by the result dim it
 *   re-tiles (pad, slice, strided windows).
 */
export function factorRuleCheck(
  rule: FactorRule,
  operandShapes: readonly Shape[],
  resultShapes: readonly Shape[],
): string[] {
  const errs: string[] = [];
  const n = rule.factorSizes.length;
  if (rule.factorKinds.length !== n)
    errs.push(`has ${n} factor sizes but ${rule.factorKinds.length} kinds`);
  const used = new Array<boolean>(n).fill(false);
  const check = (what: string, m: TensorMapping, shape: Shape, isOperand: boolean) => {
    if (m.length !== shape.length) {
      errs.push(`${what} maps ${m.length} dims but has rank ${shape.length}`);
      return;
    }
    const seen = new Set<number>();
    m.forEach((dim, d) => {
      let product = 1;
      let permuted = false;
      for (const f of dim) {
        if (!(f >= 0 && f < n)) {
          errs.push(`${what} dim ${d} names factor ${f}, which does not exist`);
          continue;
        }
        used[f] = true;
        if (seen.has(f)) errs.push(`${what} holds factor ${factorName(f)} twice`);
        seen.add(f);
        if (!isOperand && rule.factorKinds[f] === 'reduction')
          errs.push(`${what} dim ${d} holds reduction factor ${factorName(f)}`);
        if (rule.factorKinds[f] === 'permutation') permuted = true;
        product *= rule.factorSizes[f];
      }
      const expected = shape[d] <= 1 ? 1 : shape[d];
      if (product !== expected && !(isOperand && permuted))
        errs.push(`${what} dim ${d} (size ${shape[d]}) holds factors of total size ${product}`);
    });
  };
  if (rule.operands.length !== operandShapes.length)
    errs.push(`has ${rule.operands.length} operand mappings for ${operandShapes.length} operands`);
  if (rule.results.length !== resultShapes.length)
    errs.push(`has ${rule.results.length} result mappings for ${resultShapes.length} results`);
  rule.operands.forEach(
    (m, k) => k < operandShapes.length && check(`operand ${k}`, m, operandShapes[k], true),
  );
  rule.results.forEach(
    (m, k) => k < resultShapes.length && check(`result ${k}`, m, resultShapes[k], false),
  );
  used.forEach((u, f) => {
    if (!u) errs.push(`factor ${factorName(f)} is held by no tensor`);
  });
  return errs;
}
