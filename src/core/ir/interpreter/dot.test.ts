import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DotGeneralAttrs } from '../ops.ts';
import { run1, tensor } from './testing.ts';

const none = { lhsBatch: [], rhsBatch: [] };

/** dot_general the slow way: for every result index, walk every contracting index and read
 *  both operands through explicit per-dimension index maps. */
function naiveDot(
  ls: number[],
  l: number[],
  rs: number[],
  r: number[],
  d: DotGeneralAttrs,
): number[] {
  const free = (rank: number, used: readonly number[]) =>
    [...Array(rank).keys()].filter((i) => !used.includes(i));
  const lf = free(ls.length, [...d.lhsBatch, ...d.lhsContract]);
  const rf = free(rs.length, [...d.rhsBatch, ...d.rhsContract]);
  const outShape = [
    ...d.lhsBatch.map((i) => ls[i]),
    ...lf.map((i) => ls[i]),
    ...rf.map((i) => rs[i]),
  ];
  const kShape = d.lhsContract.map((i) => ls[i]);
  const unravel = (flat: number, shape: number[]) => {
    const idx = new Array(shape.length).fill(0);
    for (let i = shape.length - 1; i >= 0; i--) {
      idx[i] = flat % shape[i];
      flat = Math.floor(flat / shape[i]);
    }
    return idx;
  };
  const flatOf = (idx: number[], shape: number[]) =>
    idx.reduce((acc, v, i) => acc * shape[i] + v, 0);
  const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let o = 0; o < count(outShape); o++) {
    const oi = unravel(o, outShape);
    let sum = 0;
    for (let k = 0; k < count(kShape); k++) {
      const ki = unravel(k, kShape);
      const li = new Array(ls.length);
      const ri = new Array(rs.length);
      d.lhsBatch.forEach((dim, j) => ((li[dim] = oi[j]), (ri[d.rhsBatch[j]] = oi[j])));
      lf.forEach((dim, j) => (li[dim] = oi[d.lhsBatch.length + j]));
      rf.forEach((dim, j) => (ri[dim] = oi[d.lhsBatch.length + lf.length + j]));
      d.lhsContract.forEach((dim, j) => ((li[dim] = ki[j]), (ri[d.rhsContract[j]] = ki[j])));
      sum += l[flatOf(li, ls)] * r[flatOf(ri, rs)];
    }
    out.push(sum);
  }
  return out;
}

describe('dot_general', () => {
  it('multiplies a 2x3 by a 3x2 matrix', () => {
    const a = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = tensor([3, 2], [7, 8, 9, 10, 11, 12]);
    const out = run1([a, b], (pb, x, y) =>
      pb.dotGeneral(x, y, { ...none, lhsContract: [1], rhsContract: [0] }),
    );
    expect(out).toEqual([58, 64, 139, 154]);
  });

  it('contracts a transposed lhs (dimension 0) to the same product', () => {
    const at = tensor([3, 2], [1, 4, 2, 5, 3, 6]);
    const b = tensor([3, 2], [7, 8, 9, 10, 11, 12]);
    const out = run1([at, b], (pb, x, y) =>
      pb.dotGeneral(x, y, { ...none, lhsContract: [0], rhsContract: [0] }),
    );
    expect(out).toEqual([58, 64, 139, 154]);
  });

  it('keeps batch dims first and multiplies each batch separately', () => {
    const l = tensor([2, 1, 2], [1, 2, 5, 6]);
    const r = tensor([2, 2, 1], [3, 4, 7, 8]);
    const out = run1([l, r], (pb, x, y) =>
      pb.dotGeneral(x, y, { lhsBatch: [0], rhsBatch: [0], lhsContract: [2], rhsContract: [1] }),
    );
    expect(out).toEqual([1 * 3 + 2 * 4, 5 * 7 + 6 * 8]);
  });

  it('forms an outer product when nothing is contracted', () => {
    const out = run1([tensor([2], [1, 2]), tensor([3], [3, 4, 5])], (pb, x, y) =>
      pb.dotGeneral(x, y, { ...none, lhsContract: [], rhsContract: [] }),
    );
    expect(out).toEqual([3, 4, 5, 6, 8, 10]);
  });

  it('agrees with a naive loop for random shapes and dimension numbers', () => {
    const caseArb = fc
      .record({
        batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        contract: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        lfree: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        rfree: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
        seed: fc.integer(),
      })
      .chain((c) => {
        const nl = c.batch.length + c.contract.length + c.lfree.length;
        const nr = c.batch.length + c.contract.length + c.rfree.length;
        const perm = (n: number) =>
          fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });
        return fc.tuple(fc.constant(c), perm(nl), perm(nr));
      });
    fc.assert(
      fc.property(caseArb, ([c, lp, rp]) => {
        // lp[i] is where logical lhs dim i (batch…, contract…, free…) sits in the operand.
        const nb = c.batch.length;
        const nk = c.contract.length;
        const lSizes = [...c.batch, ...c.contract, ...c.lfree];
        const rSizes = [...c.batch, ...c.contract, ...c.rfree];
        const ls = new Array<number>(lSizes.length);
        lp.forEach((pos, i) => (ls[pos] = lSizes[i]));
        const rs = new Array<number>(rSizes.length);
        rp.forEach((pos, i) => (rs[pos] = rSizes[i]));
        const d: DotGeneralAttrs = {
          lhsBatch: lp.slice(0, nb),
          rhsBatch: rp.slice(0, nb),
          lhsContract: lp.slice(nb, nb + nk),
          rhsContract: rp.slice(nb, nb + nk),
        };
        const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
        const l = Array.from({ length: count(ls) }, (_, i) => ((i * 7 + c.seed) % 11) - 5);
        const r = Array.from({ length: count(rs) }, (_, i) => ((i * 5 + c.seed) % 13) - 6);
        const got = run1([tensor(ls, l), tensor(rs, r)], (pb, x, y) => pb.dotGeneral(x, y, d));
        expect(got).toEqual(naiveDot(ls, l, rs, r, d));
      }),
      { numRuns: 200 },
    );
  });

  it('wraps integer products to the result width', () => {
    const out = run1([tensor([1], [65536], 'i32'), tensor([1], [65536], 'i32')], (pb, x, y) =>
      pb.dotGeneral(x, y, { ...none, lhsContract: [0], rhsContract: [0] }),
    );
    expect(out).toEqual([0]);
  });
});
