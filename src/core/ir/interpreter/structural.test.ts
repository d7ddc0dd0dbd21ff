import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run, run1, scalar, tensor } from './testing.ts';

const m23 = () => tensor([2, 3], [1, 2, 3, 4, 5, 6]);

describe('layout ops', () => {
  it('reshapes in row-major order', () => {
    const [out] = run([m23()], (b, x) => b.reshape(x, [3, 2]));
    expect(out.shape).toEqual([3, 2]);
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('transposes a matrix and permutes a 3-D tensor', () => {
    expect(run1([m23()], (b, x) => b.transpose(x, [1, 0]))).toEqual([1, 4, 2, 5, 3, 6]);
    // x[i,j,k] = 100i + 10j + k with shape [2,2,3]; result[k,i,j] = x[i,j,k]
    const x = tensor([2, 2, 3], [0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    expect(run1([x], (b, a) => b.transpose(a, [2, 0, 1]))).toEqual([
      0, 10, 100, 110, 1, 11, 101, 111, 2, 12, 102, 112,
    ]);
  });

  it('broadcasts into new dims and expands size-1 dims', () => {
    expect(run1([tensor([3], [1, 2, 3])], (b, x) => b.broadcastInDim(x, [2, 3], [1]))).toEqual([
      1, 2, 3, 1, 2, 3,
    ]);
    expect(run1([tensor([2], [1, 2])], (b, x) => b.broadcastInDim(x, [2, 3], [0]))).toEqual([
      1, 1, 1, 2, 2, 2,
    ]);
    expect(run1([tensor([2, 1], [1, 2])], (b, x) => b.broadcastInDim(x, [2, 3], [0, 1]))).toEqual([
      1, 1, 1, 2, 2, 2,
    ]);
    expect(run1([scalar(7)], (b, x) => b.broadcastInDim(x, [2], []))).toEqual([7, 7]);
  });

  it('slices with strides', () => {
    expect(run1([tensor([6], [0, 1, 2, 3, 4, 5])], (b, x) => b.slice(x, [1], [6], [2]))).toEqual([
      1, 3, 5,
    ]);
    expect(run1([m23()], (b, x) => b.slice(x, [1, 0], [2, 3], [1, 2]))).toEqual([4, 6]);
  });

  it('reverses the chosen dims', () => {
    expect(run1([m23()], (b, x) => b.op1('reverse', [x], { dims: [1] }))).toEqual([
      3, 2, 1, 6, 5, 4,
    ]);
    expect(run1([m23()], (b, x) => b.op1('reverse', [x], { dims: [0, 1] }))).toEqual([
      6, 5, 4, 3, 2, 1,
    ]);
  });

  it('pads low, high and between elements', () => {
    const out = run1([tensor([3], [1, 2, 3]), scalar(0)], (b, x, v) =>
      b.op1('pad', [x, v], { low: [1], high: [2], interior: [1] }),
    );
    expect(out).toEqual([0, 1, 0, 2, 0, 3, 0, 0]);
  });

  it('crops with negative low and high padding', () => {
    // interior 1 gives [1,9,2,9,3]; low -1 and high -1 drop the ends
    const out = run1([tensor([3], [1, 2, 3]), scalar(9)], (b, x, v) =>
      b.op1('pad', [x, v], { low: [-1], high: [-1], interior: [1] }),
    );
    expect(out).toEqual([9, 2, 9]);
  });

  it('pads a matrix on both dims', () => {
    const out = run1([tensor([2, 2], [1, 2, 3, 4]), scalar(0)], (b, x, v) =>
      b.op1('pad', [x, v], { low: [0, 1], high: [1, 0], interior: [0, 0] }),
    );
    expect(out).toEqual([0, 1, 2, 0, 3, 4, 0, 0, 0]);
  });

  it('concatenates along a dimension', () => {
    const a = tensor([2, 1], [1, 2]);
    const c = tensor([2, 2], [3, 4, 5, 6]);
    expect(run1([a, c], (b, x, y) => b.concatenate([x, y], 1))).toEqual([1, 3, 4, 2, 5, 6]);
    expect(run1([c, c], (b, x, y) => b.concatenate([x, y], 0))).toEqual([3, 4, 5, 6, 3, 4, 5, 6]);
  });
});

describe('generated values', () => {
  it('counts along the iota dimension', () => {
    expect(run1([], (b) => b.iota([2, 3], 0))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(run1([], (b) => b.iota([2, 3], 1))).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('makes splat and dense constants', () => {
    expect(run1([], (b) => b.constant(2.5, [2, 2]))).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect(run1([], (b) => b.constant([1, 2, 3], [3], 'i32'))).toEqual([1, 2, 3]);
  });
});

describe('dynamic slices', () => {
  const five = () => tensor([5], [0, 1, 2, 3, 4]);
  const dyn = (start: number) =>
    run1([five(), scalar(start, 'i32')], (b, x, s) =>
      b.op1('dynamic_slice', [x, s], { sliceSizes: [2] }),
    );

  it('reads a window at a runtime start', () => {
    expect(dyn(1)).toEqual([1, 2]);
  });

  it('clamps the start so the window stays inside', () => {
    expect(dyn(4)).toEqual([3, 4]);
    expect(dyn(-3)).toEqual([0, 1]);
  });

  it('writes an update at a clamped start and leaves the rest', () => {
    const upd = (start: number) =>
      run1([five(), tensor([2], [9, 8]), scalar(start, 'i32')], (b, x, u, s) =>
        b.op1('dynamic_update_slice', [x, u, s], {}),
      );
    expect(upd(1)).toEqual([0, 9, 8, 3, 4]);
    expect(upd(7)).toEqual([0, 1, 2, 9, 8]);
  });

  it('slices a matrix with one start per dimension', () => {
    const out = run1([m23(), scalar(1, 'i32'), scalar(1, 'i32')], (b, x, i, j) =>
      b.op1('dynamic_slice', [x, i, j], { sliceSizes: [1, 2] }),
    );
    expect(out).toEqual([5, 6]);
  });
});

describe('laws of layout ops', () => {
  const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });
  const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const iotaData = (s: number[]) => Array.from({ length: numel(s) }, (_, i) => i);

  it('transposing by a permutation and then by its inverse is the identity', () => {
    const arb = shapeArb.chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }),
      ),
    );
    fc.assert(
      fc.property(arb, ([s, perm]) => {
        const inv = new Array<number>(perm.length);
        perm.forEach((p, i) => (inv[p] = i));
        const out = run1([tensor(s, iotaData(s))], (b, x) =>
          b.op1('transpose', [b.op1('transpose', [x], { permutation: perm })], {
            permutation: inv,
          }),
        );
        expect(out).toEqual(iotaData(s));
      }),
    );
  });

  it('reshaping to any shape with as many elements and back changes nothing', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 0, max: 5 }), (s, split) => {
        const n = numel(s);
        const divisors = [...Array(n).keys()].map((i) => i + 1).filter((d) => n % d === 0);
        const d = divisors[split % divisors.length];
        const out = run1([tensor(s, iotaData(s))], (b, x) =>
          b.reshape(b.reshape(x, [d, n / d]), s),
        );
        expect(out).toEqual(iotaData(s));
      }),
    );
  });

  it('concatenating consecutive slices along a dim rebuilds the tensor', () => {
    const arb = shapeArb.chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.integer({ min: 0, max: s.length - 1 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      ),
    );
    fc.assert(
      fc.property(arb, ([s, dim, rawCuts]) => {
        const cuts = [0, ...rawCuts.map((c) => c % (s[dim] + 1)).sort((a, b) => a - b), s[dim]];
        const out = run1([tensor(s, iotaData(s))], (b, x) => {
          const parts = cuts.slice(1).map((hi, i) => {
            const start = s.map((_, d) => (d === dim ? cuts[i] : 0));
            const limit = s.map((n, d) => (d === dim ? hi : n));
            return b.slice(x, start, limit);
          });
          return b.concatenate(parts, dim);
        });
        expect(out).toEqual(iotaData(s));
      }),
    );
  });

  it('reversing a dim twice is the identity, and once moves element i to n-1-i', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), (n) => {
        const once = run1([tensor([n], iotaData([n]))], (b, x) =>
          b.op1('reverse', [x], { dims: [0] }),
        );
        expect(once).toEqual(iotaData([n]).map((i) => n - 1 - i));
        const twice = run1([tensor([n], iotaData([n]))], (b, x) =>
          b.op1('reverse', [b.op1('reverse', [x], { dims: [0] })], { dims: [0] }),
        );
        expect(twice).toEqual(iotaData([n]));
      }),
    );
  });
});
