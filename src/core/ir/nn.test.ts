import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from './builder.ts';
import type { DType } from './dtype.ts';
import { hostTensor } from './host-tensor.ts';
import { evaluate } from './interpreter.ts';
import {
  attention,
  attentionCore,
  crossEntropy,
  einsum,
  embeddingLookup,
  gelu,
  layerNorm,
  linear,
  mseLoss,
  rmsNorm,
  rotary,
  rotaryTables,
  segmentSum,
  silu,
  softmax,
} from './nn.ts';
import { forEachOpDeep, type Value } from './program.ts';
import { shapeNumel, type Shape } from './shape.ts';
import { verifyProgram } from './verifier.ts';

interface In {
  readonly shape: Shape;
  readonly data: readonly number[];
  readonly dtype?: DType;
}

/** Builds fn over data inputs, checks the program, runs it in the interpreter, returns the output's elements. */
function run(inputs: readonly In[], fn: (b: ProgramBuilder, ...xs: Value[]) => Value): number[] {
  const b = new ProgramBuilder('t');
  const xs = inputs.map((x, i) => b.input(`x${i}`, x.shape, x.dtype ?? 'f32', 'data'));
  b.output('y', fn(b, ...xs));
  const p = b.build();
  expect(verifyProgram(p)).toEqual([]);
  return [
    ...evaluate(
      p,
      inputs.map((x) => hostTensor(x.shape, x.dtype ?? 'f32', x.data)),
    )[0].data,
  ];
}

function random(shape: Shape, seed: number): In {
  let s = seed;
  const data = Array.from({ length: shapeNumel(shape) }, () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  });
  return { shape, data };
}

function close(actual: readonly number[], expected: readonly number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) =>
    expect(Math.abs(a - expected[i]), `element ${i}: ${a} vs ${expected[i]}`).toBeLessThan(tol),
  );
}

/** Naive attention over row-major q [B,S,H,dh], k/v [B,T,KV,dh]: head h reads kv head ⌊h/(H/KV)⌋. */
function naiveAttention(q: In, k: In, v: In, causal: boolean): number[] {
  const [B, S, H, dh] = q.shape;
  const [, T, KV] = k.shape;
  const G = H / KV;
  const at = (x: In, i: number, j: number, h: number, d: number, n: number, hs: number) =>
    x.data[((i * n + j) * hs + h) * dh + d];
  const out = new Array<number>(B * S * H * dh).fill(0);
  for (let bi = 0; bi < B; bi++)
    for (let s = 0; s < S; s++)
      for (let h = 0; h < H; h++) {
        const kh = Math.floor(h / G);
        const scores: number[] = [];
        for (let t = 0; t < T; t++) {
          let dot = 0;
          for (let d = 0; d < dh; d++) dot += at(q, bi, s, h, d, S, H) * at(k, bi, t, kh, d, T, KV);
          scores.push(causal && t > s + (T - S) ? -Infinity : dot / Math.sqrt(dh));
        }
        const m = Math.max(...scores);
        const e = scores.map((x) => Math.exp(x - m));
        const z = e.reduce((a, c) => a + c, 0);
        for (let d = 0; d < dh; d++)
          out[((bi * S + s) * H + h) * dh + d] = e.reduce(
            (acc, p, t) => acc + (p / z) * at(v, bi, t, kh, d, T, KV),
            0,
          );
      }
  return out;
}

describe('dense layers', () => {
  it('linear contracts the last dim of x with the first of w and adds the bias', () => {
    const y = run(
      [
        { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] },
        { shape: [3, 2], data: [1, 0, 0, 1, 1, 1] },
        { shape: [2], data: [10, 20] },
      ],
      (b, x, w, bias) => linear(b, x, w, bias),
    );
    close(y, [1 + 3 + 10, 2 + 3 + 20, 4 + 6 + 10, 5 + 6 + 20]);
  });

  it("einsum 'bqhd,bkhd->bhqk' matches a loop", () => {
    const q = random([2, 3, 2, 4], 7);
    const k = random([2, 5, 2, 4], 11);
    const y = run([q, k], (b, a, c) => einsum(b, 'bqhd,bkhd->bhqk', a, c));
    const want: number[] = [];
    for (let bi = 0; bi < 2; bi++)
      for (let h = 0; h < 2; h++)
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 5; j++) {
            let s = 0;
            for (let d = 0; d < 4; d++)
              s += q.data[((bi * 3 + i) * 2 + h) * 4 + d] * k.data[((bi * 5 + j) * 2 + h) * 4 + d];
            want.push(s);
          }
    close(y, want);
  });

  it('einsum sums out a letter private to one operand', () => {
    // 'ij,jk->k': Σ_i Σ_j x[i,j]·y[j,k]
    const y = run(
      [
        { shape: [2, 2], data: [1, 2, 3, 4] },
        { shape: [2, 2], data: [1, 10, 100, 1000] },
      ],
      (b, x, w) => einsum(b, 'ij,jk->k', x, w),
    );
    close(y, [(1 + 3) * 1 + (2 + 4) * 100, (1 + 3) * 10 + (2 + 4) * 1000]);
  });

  it('einsum rejects a spec whose letters do not match the ranks', () => {
    const b = new ProgramBuilder('t');
    const x = b.input('x', [2, 3], 'f32', 'data');
    expect(() => einsum(b, 'ijk,jk->i', x, x)).toThrow(
      "einsum 'ijk,jk->i': lhs has 3 letters but rank 2",
    );
  });
});

describe('norms and activations', () => {
  it('layerNorm normalises the last dim: [1,2,3,4] has mean 2.5 and variance 1.25', () => {
    const y = run(
      [
        { shape: [1, 4], data: [1, 2, 3, 4] },
        { shape: [4], data: [1, 1, 2, 2] },
        { shape: [4], data: [0, 0, 0, 1] },
      ],
      (b, x, s, o) => layerNorm(b, x, s, o, 0),
    );
    const r = 1 / Math.sqrt(1.25);
    close(y, [-1.5 * r, -0.5 * r, 1.0 * r, 3.0 * r + 1]);
  });

  it('rmsNorm divides by the root mean square: [3,4] → rms √12.5', () => {
    const y = run(
      [
        { shape: [2], data: [3, 4] },
        { shape: [2], data: [1, 2] },
      ],
      (b, x, s) => rmsNorm(b, x, s, 0),
    );
    close(y, [3 / Math.sqrt(12.5), (2 * 4) / Math.sqrt(12.5)]);
  });

  it('softmax subtracts the max, so large logits stay finite', () => {
    close(
      run([{ shape: [3], data: [1, 2, 3] }], (b, x) => softmax(b, x)),
      [1, 2, 3].map((v) => Math.exp(v) / (Math.E + Math.E ** 2 + Math.E ** 3)),
    );
    close(
      run([{ shape: [2], data: [1000, 1001] }], (b, x) => softmax(b, x)),
      [1 / (1 + Math.E), Math.E / (1 + Math.E)],
    );
  });

  it('softmax along a middle axis normalises that axis only', () => {
    const y = run([{ shape: [2, 2], data: [0, 5, 0, 5] }], (b, x) => softmax(b, x, 0));
    close(y, [0.5, 0.5, 0.5, 0.5]);
  });

  it('gelu is the tanh approximation GPT-2 uses; silu is x·σ(x)', () => {
    // gelu_new(1) = 0.5·(1 + tanh(√(2/π)·1.044715)) = 0.8411919906…, gelu_new(−1) = −0.1588080093…
    close(
      run([{ shape: [3], data: [1, -1, 0] }], (b, x) => gelu(b, x)),
      [0.8411919906082768, -0.15880800939172324, 0],
      1e-12,
    );
    close(
      run([{ shape: [2], data: [1, -2] }], (b, x) => silu(b, x)),
      [1 / (1 + Math.exp(-1)), -2 / (1 + Math.exp(2))],
      1e-12,
    );
  });
});

describe('lookups and losses', () => {
  it('embeddingLookup gathers rows of the table by integer ids', () => {
    const table = { shape: [4, 2], data: [0, 1, 10, 11, 20, 21, 30, 31] };
    const ids = { shape: [2, 2], data: [3, 0, 1, 1], dtype: 'i32' as const };
    close(
      run([table, ids], (b, t, i) => embeddingLookup(b, t, i)),
      [30, 31, 0, 1, 10, 11, 10, 11],
    );
  });

  it('crossEntropy is the mean of log Σ exp(z) − z_target, in f32', () => {
    // row 0: logits [1,2,3], target 2 → log(e+e²+e³) − 3; row 1: all zero over 3 classes → log 3
    const y = run(
      [
        { shape: [2, 3], data: [1, 2, 3, 0, 0, 0] },
        { shape: [2], data: [2, 0], dtype: 'i32' },
      ],
      (b, z, t) => crossEntropy(b, z, t),
    );
    close(y, [(Math.log(Math.E + Math.E ** 2 + Math.E ** 3) - 3 + Math.log(3)) / 2], 1e-12);
  });

  it('mseLoss is the mean squared difference', () => {
    close(
      run(
        [
          { shape: [2, 2], data: [1, 2, 3, 4] },
          { shape: [2, 2], data: [0, 0, 0, 0] },
        ],
        (b, p, t) => mseLoss(b, p, t),
      ),
      [(1 + 4 + 9 + 16) / 4],
    );
  });

  it('segmentSum adds rows into buckets by id (a scatter with an add region)', () => {
    const data = { shape: [3, 2], data: [1, 2, 3, 4, 5, 6] };
    const ids = { shape: [3], data: [2, 0, 2], dtype: 'i32' as const };
    close(
      run([data, ids], (b, d, i) => segmentSum(b, d, i, 3)),
      [3, 4, 0, 0, 6, 8],
    );
  });
});

describe('attention', () => {
  for (const [name, H, KV] of [
    ['MHA', 4, 4],
    ['GQA', 4, 2],
    ['MQA', 4, 1],
  ] as const) {
    it(`the causal ${name} core (H=${H}, KV=${KV}) matches a naive loop`, () => {
      const q = random([2, 5, H, 3], 3);
      const k = random([2, 5, KV, 3], 5);
      const v = random([2, 5, KV, 3], 9);
      close(
        run([q, k, v], (b, a, c, d) => attentionCore(b, a, c, d, { causal: true })),
        naiveAttention(q, k, v, true),
      );
    });
  }

  it('the non-causal core attends to every key', () => {
    const q = random([1, 3, 2, 4], 13);
    const k = random([1, 3, 2, 4], 17);
    const v = random([1, 3, 2, 4], 19);
    close(
      run([q, k, v], (b, a, c, d) => attentionCore(b, a, c, d, { causal: false })),
      naiveAttention(q, k, v, false),
    );
  });

  it('puts the scores, softmax and probs·v in a sub-scope named core', () => {
    const b = new ProgramBuilder('t');
    const x = b.input('x', [2, 4, 8], 'f32', 'data');
    b.scope('layers', () =>
      b.scope('3', () =>
        b.scope('attn', () => {
          const w = (n: string, s: Shape) => b.param(n, s, 'f32');
          b.output(
            'y',
            attention(
              b,
              x,
              {
                wq: w('wq', [8, 8]),
                wk: w('wk', [8, 4]),
                wv: w('wv', [8, 4]),
                wo: w('wo', [8, 8]),
              },
              { heads: 4, kvHeads: 2, causal: true, rotaryTheta: 10000 },
            ),
          );
        }),
      ),
    );
    const p = b.build();
    expect(verifyProgram(p)).toEqual([]);
    const scopesOf = (kind: string) => {
      const s: string[] = [];
      forEachOpDeep(p.main.ops, (op) => op.kind === kind && s.push(op.scope));
      return s;
    };
    // 4 projections in attn, 2 core matmuls in attn/core
    expect(scopesOf('dot_general').sort()).toEqual([
      'layers/3/attn',
      'layers/3/attn',
      'layers/3/attn',
      'layers/3/attn',
      'layers/3/attn/core',
      'layers/3/attn/core',
    ]);
    expect(scopesOf('exponential')).toEqual(['layers/3/attn/core']);
    expect(p.values[p.main.params[1]].name).toBe('layers/3/attn/wq');
  });

  it('rotary rotates each (x_i, x_{i+dh/2}) pair by the angle s·θ^(−2i/dh)', () => {
    const x = random([1, 3, 1, 4], 23);
    const y = run([x], (b, v) => rotary(b, v, rotaryTables(b, 3, 4, 100, 'f32')));
    const want: number[] = [];
    for (let s = 0; s < 3; s++) {
      const row = x.data.slice(s * 4, s * 4 + 4);
      const out = new Array<number>(4);
      for (let i = 0; i < 2; i++) {
        const a = s * Math.pow(100, (-2 * i) / 4);
        out[i] = row[i] * Math.cos(a) - row[i + 2] * Math.sin(a);
        out[i + 2] = row[i + 2] * Math.cos(a) + row[i] * Math.sin(a);
      }
      want.push(...out);
    }
    close(y, want, 1e-12);
  });
});
