import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convolutionAttrs, NHWC_HWIO } from '../convolution.ts';
import type { ConvolutionAttrs } from '../ops.ts';
import { run1, tensor } from './testing.ts';

/** Input [N, C, W], kernel [O, I, K], output [N, O, W]: the 1-D layout of these tests. */
function conv1d(over: Partial<ConvolutionAttrs> = {}): ConvolutionAttrs {
  return {
    inputBatchDim: 0,
    inputFeatureDim: 1,
    inputSpatialDims: [2],
    kernelOutputFeatureDim: 0,
    kernelInputFeatureDim: 1,
    kernelSpatialDims: [2],
    outputBatchDim: 0,
    outputFeatureDim: 1,
    outputSpatialDims: [2],
    windowStrides: [1],
    padding: [[0, 0]],
    lhsDilation: [1],
    rhsDilation: [1],
    featureGroupCount: 1,
    batchGroupCount: 1,
    ...over,
  };
}

interface Conv1dCase {
  N: number;
  C: number;
  W: number;
  O: number;
  K: number;
  stride: number;
  lo: number;
  hi: number;
  ld: number;
  rd: number;
  G: number;
  BG: number;
}

/** The definition spelled out: insert lhs-dilation zeros, pad, slide the rhs-dilated kernel,
 *  split features (feature groups) or batch (batch groups) into contiguous groups. */
function naiveConv1d(x: number[], w: number[], c: Conv1dCase): number[] {
  const I = c.C / c.G;
  const padded = (n: number, ch: number) => {
    const row = new Array((c.W - 1) * c.ld + 1 + c.lo + c.hi).fill(0);
    for (let i = 0; i < c.W; i++) row[c.lo + i * c.ld] = x[(n * c.C + ch) * c.W + i];
    return row;
  };
  const P = (c.W - 1) * c.ld + 1 + c.lo + c.hi;
  const span = (c.K - 1) * c.rd + 1;
  const Wout = P < span ? 0 : Math.floor((P - span) / c.stride) + 1;
  const outN = c.N / c.BG;
  const out: number[] = [];
  for (let n = 0; n < outN; n++)
    for (let o = 0; o < c.O; o++) {
      const g = Math.floor(o / (c.O / c.G));
      const nIn = Math.floor(o / (c.O / c.BG)) * outN + n;
      for (let y = 0; y < Wout; y++) {
        let s = 0;
        for (let i = 0; i < I; i++) {
          const row = padded(nIn, g * I + i);
          for (let k = 0; k < c.K; k++)
            s += row[y * c.stride + k * c.rd] * w[(o * I + i) * c.K + k];
        }
        out.push(s);
      }
    }
  return out;
}

describe('convolution', () => {
  it('slides a 1-D kernel with stride 2 and padding 1', () => {
    // padded input [0,1,2,3,4,5,0]; windows at 0, 2, 4 against [1,0,-1]
    const x = tensor([1, 1, 5], [1, 2, 3, 4, 5]);
    const k = tensor([1, 1, 3], [1, 0, -1]);
    const out = run1([x, k], (b, a, w) =>
      b.op1('convolution', [a, w], conv1d({ windowStrides: [2], padding: [[1, 1]] })),
    );
    expect(out).toEqual([0 - 2, 2 - 4, 4 - 0]);
  });

  it('inserts holes for lhs dilation (a transposed convolution)', () => {
    // [1,2,3] dilated by 2 is [1,0,2,0,3]; a [1,1] kernel sums neighbours
    const out = run1([tensor([1, 1, 3], [1, 2, 3]), tensor([1, 1, 2], [1, 1])], (b, a, w) =>
      b.op1('convolution', [a, w], conv1d({ lhsDilation: [2] })),
    );
    expect(out).toEqual([1, 2, 2, 3]);
  });

  it('spreads kernel taps for rhs dilation (an atrous convolution)', () => {
    const out = run1([tensor([1, 1, 5], [1, 2, 3, 4, 5]), tensor([1, 1, 2], [1, 1])], (b, a, w) =>
      b.op1('convolution', [a, w], conv1d({ rhsDilation: [2] })),
    );
    expect(out).toEqual([1 + 3, 2 + 4, 3 + 5]);
  });

  it('pairs feature groups: each output channel sees only its own input channels', () => {
    const x = tensor([1, 2, 2], [1, 2, 10, 20]);
    const k = tensor([2, 1, 1], [2, 3]);
    const out = run1([x, k], (b, a, w) =>
      b.op1('convolution', [a, w], conv1d({ featureGroupCount: 2 })),
    );
    expect(out).toEqual([2, 4, 30, 60]);
  });

  it('pairs batch groups with output features and shrinks the batch', () => {
    const x = tensor([2, 1, 2], [1, 2, 3, 4]);
    const k = tensor([2, 1, 1], [5, 7]);
    const out = run1([x, k], (b, a, w) =>
      b.op1('convolution', [a, w], conv1d({ batchGroupCount: 2 })),
    );
    expect(out).toEqual([5, 10, 21, 28]);
  });

  it('honours NHWC / HWIO / NHWC dimension numbers in 2-D', () => {
    const x = tensor([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const k = tensor([2, 2, 1, 1], [1, 0, 0, 1]);
    const nhwc = convolutionAttrs(NHWC_HWIO);
    const out = run1([x, k], (b, a, w) => b.op1('convolution', [a, w], nhwc));
    expect(out).toEqual([1 + 5, 2 + 6, 4 + 8, 5 + 9]);
  });

  it('agrees with the spelled-out definition for random 1-D windows and groups', () => {
    const arb = fc
      .record({
        nb: fc.integer({ min: 1, max: 2 }),
        I: fc.integer({ min: 1, max: 2 }),
        W: fc.integer({ min: 1, max: 6 }),
        m: fc.integer({ min: 1, max: 2 }),
        K: fc.integer({ min: 1, max: 3 }),
        stride: fc.integer({ min: 1, max: 3 }),
        lo: fc.integer({ min: 0, max: 2 }),
        hi: fc.integer({ min: 0, max: 2 }),
        ld: fc.integer({ min: 1, max: 3 }),
        rd: fc.integer({ min: 1, max: 2 }),
        groups: fc.integer({ min: 1, max: 3 }),
        byBatch: fc.boolean(),
      })
      .map((r): Conv1dCase => {
        const G = r.byBatch ? 1 : r.groups;
        const BG = r.byBatch ? r.groups : 1;
        return {
          N: r.nb * BG,
          C: r.I * G,
          W: r.W,
          O: r.m * G * BG,
          K: r.K,
          stride: r.stride,
          lo: r.lo,
          hi: r.hi,
          ld: r.ld,
          rd: r.rd,
          G,
          BG,
        };
      })
      .filter((c) => (c.W - 1) * c.ld + 1 + c.lo + c.hi >= (c.K - 1) * c.rd + 1);
    fc.assert(
      fc.property(arb, (c) => {
        const x = Array.from({ length: c.N * c.C * c.W }, (_, i) => ((i * 3) % 7) - 3);
        const w = Array.from({ length: c.O * (c.C / c.G) * c.K }, (_, i) => ((i * 5) % 9) - 4);
        const attrs = conv1d({
          windowStrides: [c.stride],
          padding: [[c.lo, c.hi]],
          lhsDilation: [c.ld],
          rhsDilation: [c.rd],
          featureGroupCount: c.G,
          batchGroupCount: c.BG,
        });
        const got = run1(
          [tensor([c.N, c.C, c.W], x), tensor([c.O, c.C / c.G, c.K], w)],
          (b, a, k) => b.op1('convolution', [a, k], attrs),
        );
        expect(got).toEqual(naiveConv1d(x, w, c));
      }),
      { numRuns: 200 },
    );
  });

  it('with a 1x1 kernel equals a dot_general over the feature dimension', () => {
    const dims = fc.record({
      N: fc.integer({ min: 1, max: 2 }),
      H: fc.integer({ min: 1, max: 3 }),
      W: fc.integer({ min: 1, max: 3 }),
      C: fc.integer({ min: 1, max: 3 }),
      O: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(dims, ({ N, H, W, C, O }) => {
        const x = tensor(
          [N, H, W, C],
          Array.from({ length: N * H * W * C }, (_, i) => Math.sin(i + 1)),
        );
        const k = tensor(
          [1, 1, C, O],
          Array.from({ length: C * O }, (_, i) => Math.cos(i)),
        );
        const viaConv = run1([x, k], (b, a, w) =>
          b.op1('convolution', [a, w], convolutionAttrs(NHWC_HWIO)),
        );
        const viaDot = run1([x, k], (b, a, w) =>
          b.dotGeneral(a, b.reshape(w, [C, O]), {
            lhsBatch: [],
            rhsBatch: [],
            lhsContract: [3],
            rhsContract: [0],
          }),
        );
        viaConv.forEach((v, i) => expect(v).toBeCloseTo(viaDot[i], 12));
      }),
      { numRuns: 50 },
    );
  });
});
