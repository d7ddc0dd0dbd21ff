import type { Shape } from '../../ir/shape.ts';
import type { FactorKind, FactorRule, TensorMapping } from '../factor-rule.ts';

/** In the per-tensor dim lists given to `RuleBuilder.factor`: this tensor does not have the factor. */
export const NULL_DIM = -1;

const EMPTY: readonly number[] = Object.freeze([]);

/**
 * Builds a FactorRule so that each registry case reads like the einsum it encodes:
 *
 *   new RuleBuilder([[8, 16], [16, 4]], [[8, 4]])
 *     .factor([0, NULL_DIM], [0], 8)              // i: lhs rows → result rows
 *     .factor([NULL_DIM, 1], [1], 4)              // j: rhs cols → result cols
 *     .factor([1, 0], [], 16, 'reduction')        // k: contracted
 *     .build()                                    // ([i, k], [k, j])->([i, j]) {i=8, j=4, k=16} reduction={k}
 *
 * Contract:
 * - `factor` appends the new factor to the *minor* end of each named dim's list, so call it
 *   major→minor for compound dims (reshape, grouped convolution). The call order of unrelated
 *   factors does not matter: `build` renumbers factors canonically (below).
 * - A factor of size ≤ 1 is dropped: there is nothing to shard. So a size-1 dim prints `()`.
 * - `build` gives every dim nobody mapped an empty list if its size is ≤ 1, and otherwise a
 *   needReplication factor of its own: no dim is ever silently unconstrained.
 * - Canonical numbering: factors are lettered in order of first appearance reading the results
 *   (tensor by tensor, dim by dim, major→minor), then the operands. So result factors come first
 *   and factors absent from every result (reductions, operand-only) follow.
 * - A dim index out of range throws: that is a bug in the rule, not in the program.
 */
export class RuleBuilder {
  private readonly sizes: number[] = [];
  private readonly kinds: FactorKind[] = [];
  /** Per tensor (operands, then results), per dim: factor indices major→minor, or undefined. */
  private readonly dims: (number[] | undefined)[][];

  constructor(
    private readonly operandShapes: readonly Shape[],
    private readonly resultShapes: readonly Shape[],
  ) {
    const n = operandShapes.length + resultShapes.length;
    this.dims = new Array(n);
    for (let t = 0; t < n; t++) this.dims[t] = new Array(this.shapeOf(t).length);
  }

  /**
   * A factor of `size` held by dim `operandDims[k]` of operand k and dim `resultDims[k]` of
   * result k. NULL_DIM, or an entry past the end of the list, means that tensor lacks it.
   */
  factor(
    operandDims: readonly number[],
    resultDims: readonly number[],
    size: number,
    kind: FactorKind = 'passThrough',
  ): this {
    const nOperands = this.operandShapes.length;
    if (operandDims.length > nOperands || resultDims.length > this.resultShapes.length)
      throw new RangeError(
        `factor rule names ${operandDims.length} operands and ${resultDims.length} results; the op has ${nOperands} and ${this.resultShapes.length}`,
      );
    if (size <= 1) return this;
    let f = -1;
    for (let k = 0; k < operandDims.length; k++) {
      if (operandDims[k] !== NULL_DIM) f = this.map(k, operandDims[k], f, size, kind);
    }
    for (let k = 0; k < resultDims.length; k++) {
      if (resultDims[k] !== NULL_DIM) f = this.map(nOperands + k, resultDims[k], f, size, kind);
    }
    return this;
  }

  /** A factor held by `dim` of every operand and result, scalars excepted (they get nothing). */
  sameDim(dim: number, size: number, kind: FactorKind = 'passThrough'): this {
    if (size <= 1) return this;
    let f = -1;
    for (let t = 0; t < this.dims.length; t++) {
      if (this.dims[t].length !== 0) f = this.map(t, dim, f, size, kind);
    }
    return this;
  }

  /** One factor per dim of `shape`, held by that dim of every non-scalar tensor; passThrough unless `kindOf` says otherwise. */
  pointwise(shape: Shape, kindOf?: (dim: number) => FactorKind): this {
    for (let d = 0; d < shape.length; d++)
      this.sameDim(d, shape[d], kindOf ? kindOf(d) : 'passThrough');
    return this;
  }

  /** The rule. Call once: the builder hands over its lists. */
  build(): FactorRule {
    // Unmapped dims: nothing to shard (size ≤ 1), or a needReplication factor of their own.
    for (let t = 0; t < this.dims.length; t++) {
      const shape = this.shapeOf(t);
      const tensor = this.dims[t];
      for (let d = 0; d < tensor.length; d++) {
        if (tensor[d] === undefined && shape[d] > 1)
          tensor[d] = [this.newFactor(shape[d], 'needReplication')];
      }
    }
    // Canonical numbering: first appearance over results, then operands.
    const n = this.sizes.length;
    const remap = new Int32Array(n).fill(-1);
    let next = 0;
    const nOperands = this.operandShapes.length;
    for (let pass = 0; pass < 2; pass++) {
      const from = pass === 0 ? nOperands : 0;
      const to = pass === 0 ? this.dims.length : nOperands;
      for (let t = from; t < to; t++) {
        for (const list of this.dims[t]) {
          if (list === undefined) continue;
          for (let i = 0; i < list.length; i++) {
            const f = list[i];
            if (remap[f] < 0) remap[f] = next++;
            list[i] = remap[f];
          }
        }
      }
    }
    const factorSizes = new Array<number>(n);
    const factorKinds = new Array<FactorKind>(n);
    for (let f = 0; f < n; f++) {
      factorSizes[remap[f]] = this.sizes[f];
      factorKinds[remap[f]] = this.kinds[f];
    }
    const mapping = (t: number): TensorMapping => {
      const tensor = this.dims[t];
      const out = new Array<readonly number[]>(tensor.length);
      for (let d = 0; d < tensor.length; d++) out[d] = tensor[d] ?? EMPTY;
      return out;
    };
    const operands = new Array<TensorMapping>(nOperands);
    for (let t = 0; t < nOperands; t++) operands[t] = mapping(t);
    const results = new Array<TensorMapping>(this.resultShapes.length);
    for (let t = 0; t < results.length; t++) results[t] = mapping(nOperands + t);
    return { factorSizes, factorKinds, operands, results };
  }

  private shapeOf(t: number): Shape {
    const nOperands = this.operandShapes.length;
    return t < nOperands ? this.operandShapes[t] : this.resultShapes[t - nOperands];
  }

  private newFactor(size: number, kind: FactorKind): number {
    this.sizes.push(size);
    this.kinds.push(kind);
    return this.sizes.length - 1;
  }

  /** Maps factor `f` (created on first use) to dim `dim` of tensor `t`; returns f. */
  private map(t: number, dim: number, f: number, size: number, kind: FactorKind): number {
    const tensor = this.dims[t];
    if (!(dim >= 0 && dim < tensor.length)) {
      const nOperands = this.operandShapes.length;
      const what = t < nOperands ? `operand ${t}` : `result ${t - nOperands}`;
      throw new RangeError(
        `factor rule maps dim ${dim} of ${what}, which has rank ${tensor.length}`,
      );
    }
    if (f < 0) f = this.newFactor(size, kind);
    const list = tensor[dim];
    if (list === undefined) tensor[dim] = [f];
    else list.push(f);
    return f;
  }
}

/**
 * The placeholder rule for an op nothing is known about (an opaque custom call): every dim of
 * size > 1 of every operand and result is a needReplication factor of its own, and the rule is
 * flagged `conservative` so the op can be reported.
 */
export function conservativeFactorRule(
  operandShapes: readonly Shape[],
  resultShapes: readonly Shape[],
): FactorRule {
  return { ...new RuleBuilder(operandShapes, resultShapes).build(), conservative: true };
}
