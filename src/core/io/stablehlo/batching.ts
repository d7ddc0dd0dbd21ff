import type { Region, Value } from '../../ir/program.ts';
import { regionCombiner } from '../../ir/autodiff/emit.ts';
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

/**
 * `take_along_axis` and its gradient, recognised: a batched gather (scatter-add) whose batching
 * dims are every operand dim but one axis `a`, which it indexes with slices of size 1. Written
 * as the plain gather (scatter) above, the batching dims become indexed dims, and no factor rule
 * can keep them sharded: batch parallelism would gather the whole operand (the log-probabilities
 * of a cross-entropy). Written as a one-hot select and a sum over `a` instead, the batching dims
 * pass through elementwise ops and a reduction, so they keep their sharding, and a sharded `a`
 * becomes a partial sum (a vocabulary-parallel loss). Equal for indices in range; an index out of
 * range selects nothing (0) where the gather would clamp it.
 */
interface AlongAxis {
  /** The operand dim indexed. */
  readonly axis: number;
  /** The indices without their index vector dim: the result's (gather) or the update's shape. */
  readonly idx: Value;
  /** The position in `idx` of each operand dim's batching partner (-1 for `axis`). */
  readonly partner: readonly number[];
}

function alongAxis(
  cx: MappingContext,
  operand: Value,
  indices: Value,
  f: ReadonlyMap<string, readonly number[]>,
  keys: { batching: string; indicesBatching: string; collapsed: string; toOperand: string },
): AlongAxis | undefined {
  const rank = operand.type.shape.length;
  const ob = f.get(keys.batching) ?? [];
  const ib = f.get(keys.indicesBatching) ?? [];
  const collapsed = f.get(keys.collapsed) ?? [];
  const toOperand = f.get(keys.toOperand) ?? [];
  const ivd = f.get('index_vector_dim')?.[0] ?? 0;
  const shape = indices.type.shape;
  if (ob.length !== rank - 1 || collapsed.length !== 1 || toOperand.length !== 1) return undefined;
  const axis = collapsed[0];
  if (toOperand[0] !== axis || ob.includes(axis)) return undefined;
  if (ivd < shape.length && shape[ivd] !== 1) return undefined;
  const kept = shape.map((_, i) => i).filter((i) => i !== ivd);
  const at = (d: number) => kept.indexOf(d);
  const partner = operand.type.shape.map((_, d) => (d === axis ? -1 : at(ib[ob.indexOf(d)])));
  const idx =
    ivd < shape.length
      ? cx.b.op1('reshape', [indices], { shape: kept.map((d) => shape[d]) })
      : indices;
  return { axis, idx, partner };
}

/** [...idx shape, V]: true where the index equals the position along the last dim. */
function oneHot(cx: MappingContext, idx: Value, size: number): Value {
  const b = cx.b;
  const full = [...idx.type.shape, size];
  const lead = idx.type.shape.map((_, i) => i);
  const spread = b.op1('broadcast_in_dim', [idx], { shape: full, dims: lead });
  return b.compare(spread, b.iota(full, lead.length, idx.type.dtype), 'EQ');
}

export function takeAlongAxis(
  cx: MappingContext,
  operand: Value,
  indices: Value,
  f: ReadonlyMap<string, readonly number[]>,
  sliceSizes: readonly number[],
): Value | undefined {
  if ((f.get('offset_dims') ?? []).length || sliceSizes.some((s) => s !== 1)) return undefined;
  const along = alongAxis(cx, operand, indices, f, {
    batching: 'operand_batching_dims',
    indicesBatching: 'start_indices_batching_dims',
    collapsed: 'collapsed_slice_dims',
    toOperand: 'start_index_map',
  });
  if (!along) return undefined;
  const b = cx.b;
  const lead = along.idx.type.shape.length;
  const hot = oneHot(cx, along.idx, operand.type.shape[along.axis]);
  const dims = along.partner.map((p) => (p < 0 ? lead : p));
  const spread = b.op1('broadcast_in_dim', [operand], { shape: [...hot.type.shape], dims });
  return b.sum(b.select(hot, spread, 0), [lead]);
}

export function putAlongAxisAdd(
  cx: MappingContext,
  operand: Value,
  indices: Value,
  updates: Value,
  f: ReadonlyMap<string, readonly number[]>,
  combiner: Region,
): Value | undefined {
  if ((f.get('update_window_dims') ?? []).length || regionCombiner(combiner) !== 'add')
    return undefined;
  const along = alongAxis(cx, operand, indices, f, {
    batching: 'input_batching_dims',
    indicesBatching: 'scatter_indices_batching_dims',
    collapsed: 'inserted_window_dims',
    toOperand: 'scatter_dims_to_operand_dims',
  });
  if (!along) return undefined;
  const b = cx.b;
  const hot = oneHot(cx, along.idx, operand.type.shape[along.axis]);
  const lanes = b.op1('broadcast_in_dim', [updates], {
    shape: [...hot.type.shape],
    dims: updates.type.shape.map((_, i) => i),
  });
  // sum the updates landing on the same element: over the index dims with no batching partner
  const extra = along.idx.type.shape.map((_, i) => i).filter((i) => !along.partner.includes(i));
  const summed = extra.length ? b.sum(b.select(hot, lanes, 0), extra) : b.select(hot, lanes, 0);
  // what is left: the partners in index order, then the axis; as the operand lays them out
  const left = along.partner.filter((p) => p >= 0).sort((x, y) => x - y);
  const perm = along.partner.map((p) => (p < 0 ? left.length : left.indexOf(p)));
  const placed = perm.every((p, i) => p === i)
    ? summed
    : b.op1('transpose', [summed], { permutation: perm });
  return b.add(operand, placed);
}
