import { describe, expect, it } from 'vitest';
import type { ProgramBuilder } from '../builder.ts';
import type { DType } from '../dtype.ts';
import type { CompareDirection } from '../ops.ts';
import type { Value } from '../program.ts';
import { tensorType, type TensorType } from '../shape.ts';
import { run, tensor } from './testing.ts';

const s = (dtype: DType): TensorType => tensorType([], dtype);

/** Sorts by the first operand only, with one compare (the interpreter's fast path). */
function sortBy(
  b: ProgramBuilder,
  xs: Value[],
  dimension: number,
  direction: CompareDirection = 'LT',
): Value[] {
  const params = xs.flatMap((x) => [s(x.type.dtype), s(x.type.dtype)]);
  const cmp = b.region(params, (l0, r0) => [b.compare(l0, r0, direction)]);
  return b.op('sort', xs, { dimension, isStable: true }, { regions: [cmp] });
}

const values = (ts: { data: Float64Array }[]) => ts.map((t) => Array.from(t.data));

describe('sort', () => {
  it('sorts keys and permutes a second operand the same way', () => {
    const out = run([tensor([3], [3, 1, 2]), tensor([3], [30, 10, 20], 'i32')], (b, k, v) =>
      sortBy(b, [k, v], 0),
    );
    expect(values(out)).toEqual([
      [1, 2, 3],
      [10, 20, 30],
    ]);
  });

  it('keeps equal keys in their original order', () => {
    const out = run([tensor([4], [1, 0, 1, 0]), tensor([4], [0, 1, 2, 3], 'i32')], (b, k, v) =>
      sortBy(b, [k, v], 0),
    );
    expect(values(out)).toEqual([
      [0, 0, 1, 1],
      [1, 3, 0, 2],
    ]);
  });

  it('sorts descending with a GT comparator, each row on its own', () => {
    const out = run([tensor([2, 3], [1, 3, 2, 6, 4, 5])], (b, k) => sortBy(b, [k], 1, 'GT'));
    expect(values(out)).toEqual([[3, 2, 1, 6, 5, 4]]);
  });

  it('sorts along dimension 0, column by column', () => {
    const out = run([tensor([3, 2], [3, 0, 1, 2, 2, 1])], (b, k) => sortBy(b, [k], 0));
    expect(values(out)).toEqual([[1, 0, 2, 1, 3, 2]]);
  });

  it('runs a general comparator region: lexicographic on two operands', () => {
    const out = run([tensor([3], [1, 0, 1]), tensor([3], [5, 9, 2])], (b, k, v) => {
      const cmp = b.region([s('f32'), s('f32'), s('f32'), s('f32')], (k0, k1, v0, v1) => {
        const less = b.compare(k0, k1, 'LT');
        const tie = b.compare(k0, k1, 'EQ');
        return [b.op1('or', [less, b.op1('and', [tie, b.compare(v0, v1, 'LT')], {})], {})];
      });
      return b.op('sort', [k, v], { dimension: 0, isStable: false }, { regions: [cmp] });
    });
    expect(values(out)).toEqual([
      [0, 1, 1],
      [9, 2, 5],
    ]);
  });
});
