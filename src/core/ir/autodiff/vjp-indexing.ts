import type { ProgramBuilder } from '../builder.ts';
import type { DType } from '../dtype.ts';
import type { GatherAttrs, OpAttrs, ScatterAttrs } from '../ops.ts';
import type { Value, ValueId } from '../program.ts';
import { regionCombiner, zerosOf } from './emit.ts';
import { opsReemit } from './reemit.ts';
import { vjpError, type VjpRule } from './vjp-rule.ts';

/**
 * gather: scatter-add g into zeros with the matching dimension numbers (offset dims are the
 * update window dims, collapsed slice dims the inserted ones). Gather clamps start indices so
 * the slice fits while scatter skips windows that do not, so the indices are clamped the same
 * way first: the gradient is exact for out-of-range indices too.
 */
export const gatherVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const a = op.attrs as GatherAttrs;
  const x = cx.xType(0);
  const idx = gatherIndicesClamped(b, cx.x(1), x.shape, a);
  const g = cx.cts[0]!;
  const scattered = b.op1(
    'scatter',
    [zerosOf(b, x), idx, g],
    {
      updateWindowDims: [...a.offsetDims],
      insertedWindowDims: [...a.collapsedSliceDims],
      scatterDimsToOperandDims: [...a.startIndexMap],
      indexVectorDim: a.indexVectorDim,
    },
    { regions: [b.combiner(x.dtype, 'add')] },
  );
  return [scattered, undefined];
};

/** Clamps each start vector component k to [0, operand size − slice size] along startIndexMap[k]. */
function gatherIndicesClamped(
  b: ProgramBuilder,
  idx: Value,
  operand: readonly number[],
  a: GatherAttrs,
): Value {
  const highs = a.startIndexMap.map((d) => operand[d] - a.sliceSizes[d]);
  const rank = idx.type.shape.length;
  const hi =
    a.indexVectorDim === rank
      ? b.constant(highs[0], [], idx.type.dtype)
      : b.broadcastInDim(b.constant(highs, [highs.length], idx.type.dtype), idx.type.shape, [
          a.indexVectorDim,
        ]);
  return b.op1('clamp', [b.constant(0, [], idx.type.dtype), idx, hi], {});
}

/** The gather that reads back, per update, the window a scatter with these numbers wrote. */
function scatterWindowGather(
  b: ProgramBuilder,
  src: Value,
  idx: Value,
  updates: readonly number[],
  s: ScatterAttrs,
): Value {
  const sliceSizes: number[] = [];
  let pos = 0;
  for (let d = 0; d < src.type.shape.length; d++)
    sliceSizes.push(s.insertedWindowDims.includes(d) ? 1 : updates[s.updateWindowDims[pos++]]);
  return b.op1('gather', [src, idx], {
    offsetDims: [...s.updateWindowDims],
    collapsedSliceDims: [...s.insertedWindowDims],
    startIndexMap: [...s.scatterDimsToOperandDims],
    indexVectorDim: s.indexVectorDim,
    sliceSizes,
  });
}

/**
 * scatter with an add region: the operand gets g, each update the window of g it was added to.
 * With a replace region (yields its second param) the operand gets g with the overwritten
 * windows zeroed and each update its window (exact when no two updates hit one element).
 * Other regions are refused. Windows that did not fit were skipped by the scatter but are read
 * clamped by the gather: keep scatter indices in range.
 */
export const scatterVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const s = op.attrs as ScatterAttrs;
  const kind = regionCombiner(op.regions[0]);
  if (kind !== 'add' && kind !== 'replace')
    throw vjpError(op, `the scatter region must add or replace (found '${kind}')`);
  const g = cx.cts[0]!;
  const idx = cx.x(1);
  const u = cx.xType(2);
  const operand = () => {
    if (kind === 'add') return g;
    const scalar = { shape: [], dtype: g.type.dtype } as const;
    const replace = b.region([scalar, scalar], (_old, neu) => [neu]);
    return b.op1('scatter', [g, idx, zerosOf(b, u)], { ...s }, { regions: [replace] });
  };
  return [
    cx.wants[0] ? operand() : undefined,
    undefined,
    cx.wants[2] ? scatterWindowGather(b, g, idx, u.shape, s) : undefined,
  ];
};

/**
 * sort: the backward sorts again with an iota appended as a last operand (the comparator
 * ignores it; the sort is stable), which yields the permutation; each operand's cotangent is
 * g scattered back to the positions its elements came from. Ties between keys whose other
 * operands differ may order differently from an unstable forward sort.
 */
export const sortVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const { dimension } = op.attrs as OpAttrs['sort'];
  const xs = op.operands.map((_, i) => cx.x(i));
  const shape = xs[0].type.shape;
  const r = shape.length;
  const cmp = op.regions[0];
  const dtypes: DType[] = [...xs.flatMap((x) => [x.type.dtype, x.type.dtype]), 'i32', 'i32'];
  const scalarTypes = dtypes.map((dtype) => ({ shape: [], dtype }));
  const comparator = b.region(scalarTypes, (...ps) => {
    const map = new Map<ValueId, Value>();
    cmp.params.forEach((p, i) => map.set(p, ps[i]));
    opsReemit(
      b,
      cmp.ops,
      map,
      (id) => {
        throw vjpError(op, `comparator uses %${id} from outside its region`);
      },
      'gradient',
    );
    return cmp.yields.map((y) => map.get(y)!);
  });
  const sorted = b.op(
    'sort',
    [...xs, b.iota(shape, dimension, 'i32')],
    { dimension, isStable: true },
    { regions: [comparator] },
  );
  const perm = sorted[xs.length];
  const coords = shape.map((_, d) =>
    b.reshape(d === dimension ? perm : b.iota(shape, d, 'i32'), [...shape, 1]),
  );
  const indices = b.concatenate(coords, r);
  const all = shape.map((_, d) => d);
  return xs.map((x, k) => {
    const g = cx.cts[k];
    if (!cx.wants[k] || !g) return undefined;
    return b.op1(
      'scatter',
      [zerosOf(b, x.type), indices, g],
      {
        updateWindowDims: [],
        insertedWindowDims: all,
        scatterDimsToOperandDims: all,
        indexVectorDim: r,
      },
      { regions: [b.combiner(x.type.dtype, 'add')] },
    );
  });
};
