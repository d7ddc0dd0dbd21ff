import type { Value } from '../../ir/program.ts';
import type { MappingContext } from './mapping-context.ts';

/**
 * Gathers and scatters with batching dims (`operand_batching_dims`, what `take_along_axis`
 * lowers to since JAX 0.4.31) written without them, as XLA's batched-gather normaliser does:
 * each batching dim's position becomes an explicit index (an iota along that dim of the
 * indices) in front of the index vector, and the operand's batching dims become collapsed
 * (gather) or inserted (scatter) dims addressed by those indices. The result is the same op.
 */
export function unbatchIndices(
  cx: MappingContext,
  indices: Value,
  indexVectorDim: number,
  indicesBatchingDims: readonly number[],
): { indices: Value; indexVectorDim: number } {
  const b = cx.b;
  let idx = indices;
  let ivd = indexVectorDim;
  if (ivd === idx.type.shape.length) {
    // an implicit trailing index vector of size 1: make it explicit
    idx = b.op1('reshape', [idx], { shape: [...idx.type.shape, 1] });
  }
  const shape = idx.type.shape.map((d, i) => (i === ivd ? 1 : d));
  const parts = indicesBatchingDims.map((d) =>
    b.op1('iota', [], { shape, dtype: idx.type.dtype, dimension: d }),
  );
  idx = b.op1('concatenate', [...parts, idx], { dimension: ivd });
  ivd = indexVectorDim;
  return { indices: idx, indexVectorDim: ivd };
}

export function sortedUnion(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}
