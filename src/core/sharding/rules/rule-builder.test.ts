import { describe, expect, it } from 'vitest';
import { factorRuleToString } from '../factor-rule.ts';
import { conservativeFactorRule, NULL_DIM, RuleBuilder } from './rule-builder.ts';

describe('RuleBuilder', () => {
  it('reads like the einsum it encodes, result factors lettered first', () => {
    const rule = new RuleBuilder(
      [
        [8, 16],
        [16, 4],
      ],
      [[8, 4]],
    )
      .factor([1, 0], [], 16, 'reduction')
      .factor([0, NULL_DIM], [0], 8)
      .factor([NULL_DIM, 1], [1], 4)
      .build();
    expect(factorRuleToString(rule)).toBe(
      '([i, k], [k, j])->([i, j]) {i=8, j=4, k=16} reduction={k}',
    );
  });

  it('appends factors minor-most, so compound dims are built major to minor', () => {
    const rule = new RuleBuilder([[6]], [[2, 3]]).factor([0], [0], 2).factor([0], [1], 3).build();
    expect(factorRuleToString(rule)).toBe('([(ij)])->([i, j]) {i=2, j=3}');
  });

  it('drops factors of size 1 and leaves size-1 dims empty', () => {
    const rule = new RuleBuilder([[1, 4]], [[1, 4]]).pointwise([1, 4]).build();
    expect(factorRuleToString(rule)).toBe('([(), i])->([(), i]) {i=4}');
  });

  it('gives every unmapped dim of size > 1 a needReplication factor of its own', () => {
    const rule = new RuleBuilder([[4, 8]], [[8]]).factor([1], [0], 8).build();
    expect(factorRuleToString(rule)).toBe('([j, i])->([i]) {i=8, j=4} needReplication={j}');
  });

  it('maps the same dim in every tensor but scalars', () => {
    const rule = new RuleBuilder([[], [4], []], [[4]]).sameDim(0, 4).build();
    expect(factorRuleToString(rule)).toBe('([], [i], [])->([i]) {i=4}');
  });

  it('takes a missing trailing entry as NULL_DIM', () => {
    const rule = new RuleBuilder([[4], [], []], [[4]]).factor([0], [0], 4).build();
    expect(factorRuleToString(rule)).toBe('([i], [], [])->([i]) {i=4}');
  });

  it('throws on a dim out of range, naming the tensor', () => {
    expect(() => new RuleBuilder([[4]], [[4]]).factor([1], [0], 4)).toThrow(
      /maps dim 1 of operand 0, which has rank 1/,
    );
    expect(() => new RuleBuilder([[4]], [[4]]).factor([0, 0], [0], 4)).toThrow(
      /names 2 operands and 1 results; the op has 1 and 1/,
    );
  });

  it('builds the conservative placeholder: everything needs replication, flagged', () => {
    expect(factorRuleToString(conservativeFactorRule([[4, 1]], [[2]]))).toBe(
      '([j, ()])->([i]) {i=2, j=4} needReplication={i, j} conservative',
    );
  });
});
