import { describe, expect, it } from 'vitest';
import type { ProgramBuilder } from '../builder.ts';
import type { GatherAttrs, ScatterAttrs } from '../ops.ts';
import type { Value } from '../program.ts';
import { tensorType } from '../shape.ts';
import { run1, tensor } from './testing.ts';

const table = () => tensor([3, 2], [1, 2, 3, 4, 5, 6]);
const rowsOf: GatherAttrs = {
  offsetDims: [1],
  collapsedSliceDims: [0],
  startIndexMap: [0],
  indexVectorDim: 1,
  sliceSizes: [1, 2],
};

describe('gather', () => {
  it('gathers rows of a table (an embedding lookup)', () => {
    const out = run1([table(), tensor([3], [2, 0, 2], 'i32')], (b, t, i) =>
      b.op1('gather', [t, i], rowsOf),
    );
    expect(out).toEqual([5, 6, 1, 2, 5, 6]);
  });

  it('takes index vectors from an explicit index_vector_dim', () => {
    const out = run1([table(), tensor([2, 1], [1, 0], 'i32')], (b, t, i) =>
      b.op1('gather', [t, i], rowsOf),
    );
    expect(out).toEqual([3, 4, 1, 2]);
  });

  it('clamps start indices so the slice fits', () => {
    const out = run1([table(), tensor([2], [7, -4], 'i32')], (b, t, i) =>
      b.op1('gather', [t, i], rowsOf),
    );
    expect(out).toEqual([5, 6, 1, 2]);
  });

  it('gathers uncollapsed windows, offset dims placed where offset_dims says', () => {
    // windows of 2 from [0..5) at 0, 3 and 4 (clamped to 3); offset dim first in the result
    const attrs: GatherAttrs = {
      offsetDims: [0],
      collapsedSliceDims: [],
      startIndexMap: [0],
      indexVectorDim: 1,
      sliceSizes: [2],
    };
    const out = run1([tensor([5], [0, 1, 2, 3, 4]), tensor([3], [0, 3, 4], 'i32')], (b, t, i) =>
      b.op1('gather', [t, i], attrs),
    );
    expect(out).toEqual([0, 3, 3, 1, 4, 4]);
  });

  it('gathers single elements with two-component start vectors', () => {
    const attrs: GatherAttrs = {
      offsetDims: [],
      collapsedSliceDims: [0, 1],
      startIndexMap: [0, 1],
      indexVectorDim: 1,
      sliceSizes: [1, 1],
    };
    const out = run1([table(), tensor([2, 2], [2, 1, 0, 1], 'i32')], (b, t, i) =>
      b.op1('gather', [t, i], attrs),
    );
    expect(out).toEqual([6, 2]);
    // the same start vectors stored as columns (index_vector_dim 0)
    const cols = { ...attrs, indexVectorDim: 0 };
    const byCols = run1([table(), tensor([2, 2], [2, 0, 1, 1], 'i32')], (b, t, i) =>
      b.op1('gather', [t, i], cols),
    );
    expect(byCols).toEqual([6, 2]);
  });
});

describe('scatter', () => {
  const f32 = tensorType([], 'f32');
  const scatter = (
    b: ProgramBuilder,
    x: Value,
    i: Value,
    u: Value,
    attrs: ScatterAttrs,
    kind: 'add' | 'replace' = 'add',
  ) => {
    const region =
      kind === 'add' ? b.combiner('f32', 'add') : b.region([f32, f32], (_old, upd) => [upd]);
    return b.op1('scatter', [x, i, u], attrs, { regions: [region] });
  };
  const elems: ScatterAttrs = {
    updateWindowDims: [],
    insertedWindowDims: [0],
    scatterDimsToOperandDims: [0],
    indexVectorDim: 1,
  };

  it('adds updates at duplicate indices together', () => {
    const out = run1(
      [tensor([4], [0, 0, 0, 0]), tensor([3, 1], [1, 3, 1], 'i32'), tensor([3], [10, 20, 30])],
      (b, x, i, u) => scatter(b, x, i, u, elems),
    );
    expect(out).toEqual([0, 40, 0, 20]);
  });

  it('skips updates whose index is out of bounds instead of clamping', () => {
    const out = run1(
      [tensor([3], [1, 1, 1]), tensor([3], [3, -1, 2], 'i32'), tensor([3], [10, 20, 30])],
      (b, x, i, u) => scatter(b, x, i, u, elems),
    );
    expect(out).toEqual([1, 1, 31]);
  });

  it('scatters rows into a matrix', () => {
    const rows: ScatterAttrs = {
      updateWindowDims: [1],
      insertedWindowDims: [0],
      scatterDimsToOperandDims: [0],
      indexVectorDim: 1,
    };
    const out = run1(
      [
        tensor([3, 2], [0, 0, 0, 0, 0, 0]),
        tensor([2], [2, 0], 'i32'),
        tensor([2, 2], [1, 2, 3, 4]),
      ],
      (b, x, i, u) => scatter(b, x, i, u, rows),
    );
    expect(out).toEqual([3, 4, 0, 0, 1, 2]);
  });

  it('skips a whole update window that does not fit, even where parts would', () => {
    const windows: ScatterAttrs = {
      updateWindowDims: [1],
      insertedWindowDims: [],
      scatterDimsToOperandDims: [0],
      indexVectorDim: 1,
    };
    const out = run1(
      [tensor([5], [0, 0, 0, 0, 0]), tensor([2], [4, 1], 'i32'), tensor([2, 2], [7, 8, 1, 2])],
      (b, x, i, u) => scatter(b, x, i, u, windows),
    );
    expect(out).toEqual([0, 1, 2, 0, 0]);
  });

  it('replaces with a region that yields the update, the last duplicate winning', () => {
    const out = run1(
      [tensor([3], [1, 1, 1]), tensor([3], [0, 2, 0], 'i32'), tensor([3], [5, 6, 7])],
      (b, x, i, u) => scatter(b, x, i, u, elems, 'replace'),
    );
    expect(out).toEqual([7, 1, 6]);
  });
});
