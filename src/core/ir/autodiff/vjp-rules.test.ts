import { describe, expect, it } from 'vitest';
import { convolutionAttrs, NHWC_HWIO, type ConvolutionLayout } from '../convolution.ts';
import { ProgramBuilder } from '../builder.ts';
import type { DType } from '../dtype.ts';
import { IRError } from '../errors.ts';
import { hostTensor, type HostTensor } from '../host-tensor.ts';
import type { ConvolutionAttrs, OpKind } from '../ops.ts';
import type { Program, Value } from '../program.ts';
import { shapeNumel } from '../shape.ts';
import { verifyProgram } from '../verifier.ts';
import { gradAnalytic, gradError, gradNumeric, randomUniform } from './gradient-check.ts';
import { gradients } from './grad.ts';
import { VJP_RULES } from './vjp-rules.ts';

/**
 * One small program per op kind: loss = Σ_k sum(result_k ⊙ R_k) with fixed random R_k, so each
 * result gets a non-uniform cotangent; the analytic gradient of every float input must match
 * central finite differences (f64, relative error < 1e-5). Inputs stay away from kinks.
 */

interface InputSpec {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  /** Explicit elements; otherwise uniform in [lo, hi). */
  readonly data?: readonly number[];
  readonly lo?: number;
  readonly hi?: number;
  /** Differentiate with respect to it (default: float inputs). */
  readonly diff?: boolean;
}

interface Case {
  readonly kind: OpKind;
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly body: (b: ProgramBuilder, ...xs: Value[]) => Value | readonly Value[];
}

function caseProgram(c: Case, rand: () => number): Program {
  const b = new ProgramBuilder(c.name);
  const xs = c.inputs.map((s, i) =>
    b.input(`x${i}`, s.shape, s.dtype ?? 'f32', (s.dtype ?? 'f32')[0] === 'f' ? 'param' : 'data'),
  );
  const outs = [c.body(b, ...xs)].flat();
  let loss: Value | undefined;
  for (const o of outs) {
    if (o.type.dtype !== 'f32') continue;
    const r = b.constant(
      Array.from({ length: shapeNumel(o.type.shape) }, () => rand()),
      o.type.shape,
      'f32',
    );
    const term = b.sum(
      b.mul(o, r),
      o.type.shape.map((_, i) => i),
    );
    loss = loss ? b.add(loss, term) : term;
  }
  b.output('loss', loss!);
  return b.build();
}

function caseInputs(c: Case, rand: (lo?: number, hi?: number) => number): HostTensor[] {
  return c.inputs.map((s) => {
    const n = shapeNumel(s.shape);
    const data = s.data ?? Array.from({ length: n }, () => rand(s.lo ?? -1, s.hi ?? 1));
    return hostTensor(s.shape, s.dtype ?? 'f32', data);
  });
}

function gradCheck(c: Case): void {
  const rand = randomUniform(c.name.length * 7919 + 17);
  const p = caseProgram(c, () => rand());
  const inputs = caseInputs(c, rand);
  const wrt = c.inputs.flatMap((s, i) => ((s.diff ?? (s.dtype ?? 'f32')[0] === 'f') ? [i] : []));
  const run = gradAnalytic(p, inputs, wrt);
  expect(verifyProgram(run.program)).toEqual([]);
  wrt.forEach((k, j) => {
    const numeric = gradNumeric(p, inputs, k);
    const { error, at } = gradError(run.grads[j], numeric);
    if (error > 1e-5)
      throw new Error(
        `${c.name}: d loss/d x${k}[${at}] analytic ${run.grads[j][at]} vs numeric ${numeric[at]} (rel. error ${error})`,
      );
  });
}

const dot = (lc: number[], rc: number[], lb: number[] = [], rb: number[] = []) => ({
  lhsBatch: lb,
  rhsBatch: rb,
  lhsContract: lc,
  rhsContract: rc,
});
const nhwc = NHWC_HWIO;
const nchw: ConvolutionLayout = {
  inputBatchDim: 0,
  inputFeatureDim: 1,
  inputSpatialDims: [2, 3],
  kernelInputFeatureDim: 1,
  kernelOutputFeatureDim: 0,
  kernelSpatialDims: [2, 3],
  outputBatchDim: 0,
  outputFeatureDim: 1,
  outputSpatialDims: [2, 3],
};
const conv =
  (layout: ConvolutionLayout, o: Partial<ConvolutionAttrs>) =>
  (b: ProgramBuilder, x: Value, w: Value) =>
    b.op1('convolution', [x, w], convolutionAttrs(layout, o));
const i32 = (shape: number[], data: number[]): InputSpec => ({ shape, dtype: 'i32', data });
const f = (shape: number[], lo = -1, hi = 1): InputSpec => ({ shape, lo, hi });
const distinct = (shape: number[], seed: number): InputSpec => ({
  shape,
  data: Array.from({ length: shapeNumel(shape) }, (_, i) => ((i * 7 + seed) % 23) / 5 - 2),
});
const unary = (kind: OpKind, lo = -1, hi = 1): Case => ({
  kind,
  name: kind,
  inputs: [f([2, 3], lo, hi)],
  body: (b, x) => b.op1(kind, [x], {}),
});
const binary = (kind: OpKind, a: InputSpec, c: InputSpec): Case => ({
  kind,
  name: kind,
  inputs: [a, c],
  body: (b, x, y) => b.op1(kind, [x, y], {}),
});
const region = (b: ProgramBuilder, kind: 'add' | 'maximum' | 'minimum' | 'multiply') =>
  b.combiner('f32', kind);

const CASES: Case[] = [
  unary('abs', 0.2, 1),
  {
    kind: 'abs',
    name: 'abs negative',
    inputs: [f([4], -2, -0.1)],
    body: (b, x) => b.op1('abs', [x], {}),
  },
  binary('add', f([2, 3]), f([2, 3])),
  binary('atan2', f([2, 3]), f([2, 3], 0.3, 2)),
  {
    kind: 'broadcast_in_dim',
    name: 'broadcast new dims',
    inputs: [f([3])],
    body: (b, x) => b.broadcastInDim(x, [2, 3, 4], [1]),
  },
  {
    kind: 'broadcast_in_dim',
    name: 'broadcast size-1 and permuted',
    inputs: [f([4, 1, 3])],
    body: (b, x) => b.broadcastInDim(x, [3, 5, 2, 4], [3, 2, 0]),
  },
  {
    kind: 'call',
    name: 'call twice',
    inputs: [f([3]), f([3])],
    body: (b, x, w) => {
      const t = x.type;
      b.func('cell', [t, t], (a, c) => [b.tanh(b.mul(a, c)), b.add(a, b.unary('sine', c))]);
      const [y1, z1] = b.op('call', [x, w], { callee: 'cell' });
      const [y2] = b.op('call', [y1, w], { callee: 'cell' });
      return [y2, z1];
    },
  },
  ...[0, 1].map((k): Case => ({
    kind: 'case',
    name: `case branch ${k}`,
    inputs: [i32([], [k]), f([3]), f([3])],
    body: (b, i, x, y) => {
      const t = x.type;
      const br0 = b.region([t, t], (p, q) => [b.mul(p, q)]);
      const br1 = b.region([t, t], (p, q) => [b.add(b.unary('sine', p), q)]);
      return b.op1('case', [i, x, y], {}, { regions: [br0, br1] });
    },
  })),
  {
    kind: 'clamp',
    name: 'clamp tensor bounds',
    inputs: [
      { shape: [6], data: [-1, -1, -1, -1, -1, -1] },
      { shape: [6], data: [-1.5, -0.5, 0.2, 0.7, 1.3, 2.5] },
      { shape: [6], data: [1, 1, 1, 1, 1, 1] },
    ],
    body: (b, lo, x, hi) => b.op1('clamp', [lo, x, hi], {}),
  },
  {
    kind: 'clamp',
    name: 'clamp scalar bounds',
    inputs: [
      { shape: [], data: [-0.6] },
      { shape: [6], data: [-1.5, -0.5, 0.2, 0.4, 1.3, 2.5] },
      { shape: [], data: [0.5] },
    ],
    body: (b, lo, x, hi) => b.op1('clamp', [lo, x, hi], {}),
  },
  {
    kind: 'concatenate',
    name: 'concatenate',
    inputs: [f([2, 1]), f([2, 3]), f([2, 2])],
    body: (b, x, y, z) => b.concatenate([x, y, z], 1),
  },
  {
    kind: 'convert',
    name: 'convert int to float (no cotangent)',
    inputs: [i32([3], [1, 2, 3]), f([3])],
    body: (b, i, x) => b.mul(b.op1('convert', [i], { dtype: 'f32' }), x),
  },
  {
    kind: 'convolution',
    name: 'conv nhwc strided padded',
    inputs: [f([2, 5, 4, 3]), f([2, 3, 3, 4])],
    body: conv(nhwc, {
      windowStrides: [2, 1],
      padding: [
        [1, 0],
        [0, 2],
      ],
    }),
  },
  {
    kind: 'convolution',
    name: 'conv rhs dilation, negative padding',
    inputs: [f([1, 6, 5, 2]), f([2, 2, 2, 3])],
    body: conv(nhwc, {
      rhsDilation: [2, 1],
      padding: [
        [-1, 1],
        [1, -1],
      ],
    }),
  },
  {
    kind: 'convolution',
    name: 'conv lhs dilation (transposed conv)',
    inputs: [f([2, 3, 3, 2]), f([3, 2, 2, 2])],
    body: conv(nhwc, {
      lhsDilation: [2, 2],
      padding: [
        [1, 1],
        [0, 1],
      ],
      windowStrides: [1, 2],
    }),
  },
  {
    kind: 'convolution',
    name: 'conv feature groups (nchw)',
    inputs: [f([2, 6, 4, 4]), f([6, 2, 2, 2])],
    body: conv(nchw, {
      featureGroupCount: 3,
      windowStrides: [2, 1],
      padding: [
        [0, 1],
        [1, 0],
      ],
    }),
  },
  {
    kind: 'convolution',
    name: 'conv batch groups (nchw)',
    inputs: [f([4, 3, 4, 3]), f([4, 3, 2, 2])],
    body: conv(nchw, {
      batchGroupCount: 2,
      padding: [
        [1, 0],
        [0, 0],
      ],
    }),
  },
  unary('cosine'),
  binary('divide', f([2, 3]), f([2, 3], 0.5, 2)),
  {
    kind: 'dot_general',
    name: 'matmul',
    inputs: [f([3, 4]), f([4, 2])],
    body: (b, x, y) => b.dotGeneral(x, y, dot([1], [0])),
  },
  {
    kind: 'dot_general',
    name: 'dot batch and two contracting dims, odd order',
    inputs: [f([3, 2, 4, 5]), f([4, 6, 3, 2])],
    body: (b, x, y) => b.dotGeneral(x, y, dot([0, 2], [2, 0], [1], [3])),
  },
  {
    kind: 'dynamic_slice',
    name: 'dynamic_slice clamped start',
    inputs: [f([5, 4]), i32([], [1]), i32([], [3])],
    body: (b, x, i, j) => b.op1('dynamic_slice', [x, i, j], { sliceSizes: [2, 2] }),
  },
  {
    kind: 'dynamic_update_slice',
    name: 'dynamic_update_slice',
    inputs: [f([5, 4]), f([2, 3]), i32([], [2]), i32([], [1])],
    body: (b, x, u, i, j) => b.op1('dynamic_update_slice', [x, u, i, j], {}),
  },
  unary('erf'),
  unary('exponential'),
  unary('exponential_minus_one'),
  {
    kind: 'gather',
    name: 'gather embedding rows (repeated and out-of-range ids)',
    inputs: [f([5, 3]), i32([4, 1], [1, 3, 1, 7])],
    body: (b, x, ids) =>
      b.op1('gather', [x, ids], {
        offsetDims: [1],
        collapsedSliceDims: [0],
        startIndexMap: [0],
        indexVectorDim: 1,
        sliceSizes: [1, 3],
      }),
  },
  {
    kind: 'gather',
    name: 'gather 2-d windows',
    inputs: [f([4, 5]), i32([3, 2], [0, 0, 2, 3, 1, 4])],
    body: (b, x, idx) =>
      b.op1('gather', [x, idx], {
        offsetDims: [1, 2],
        collapsedSliceDims: [],
        startIndexMap: [0, 1],
        indexVectorDim: 1,
        sliceSizes: [2, 2],
      }),
  },
  unary('log', 0.2, 3),
  unary('log_plus_one', -0.5, 2),
  unary('logistic', -3, 3),
  binary('maximum', distinct([2, 3], 1), distinct([2, 3], 5)),
  binary('minimum', distinct([2, 3], 1), distinct([2, 3], 5)),
  binary('multiply', f([2, 3]), f([2, 3])),
  unary('negate'),
  {
    kind: 'pad',
    name: 'pad edges and interior, differentiable value',
    inputs: [f([2, 3]), f([])],
    body: (b, x, v) => b.op1('pad', [x, v], { low: [1, 0], high: [0, 2], interior: [1, 2] }),
  },
  {
    kind: 'pad',
    name: 'pad negative (cropping)',
    inputs: [f([4, 5]), f([])],
    body: (b, x, v) => b.op1('pad', [x, v], { low: [-1, 2], high: [1, -2], interior: [0, 1] }),
  },
  binary('power', f([2, 3], 0.3, 2), f([2, 3], -1.5, 1.5)),
  {
    kind: 'reduce',
    name: 'reduce sum, differentiable init',
    inputs: [f([2, 3, 4]), f([])],
    body: (b, x, init) =>
      b.op1('reduce', [x, init], { dims: [0, 2] }, { regions: [region(b, 'add')] }),
  },
  {
    kind: 'reduce',
    name: 'reduce max',
    inputs: [distinct([3, 4], 3)],
    body: (b, x) => b.reduce(x, [1], 'maximum'),
  },
  {
    kind: 'reduce',
    name: 'reduce min',
    inputs: [distinct([3, 4], 2)],
    body: (b, x) => b.reduce(x, [0], 'minimum'),
  },
  {
    kind: 'reduce',
    name: 'reduce multiply',
    inputs: [f([3, 4], 0.5, 1.5)],
    body: (b, x) => b.reduce(x, [1], 'multiply'),
  },
  {
    kind: 'reduce_window',
    name: 'reduce_window sum, strides and padding',
    inputs: [f([2, 7]), f([])],
    body: (b, x, init) =>
      b.op1(
        'reduce_window',
        [x, init],
        {
          windowDimensions: [1, 3],
          windowStrides: [1, 2],
          padding: [
            [0, 0],
            [1, 1],
          ],
          baseDilations: [1, 1],
          windowDilations: [1, 1],
        },
        { regions: [region(b, 'add')] },
      ),
  },
  {
    kind: 'reduce_window',
    name: 'reduce_window sum, base and window dilation',
    inputs: [f([3, 6])],
    body: (b, x) =>
      b.op1(
        'reduce_window',
        [x, b.constant(0)],
        {
          windowDimensions: [2, 2],
          windowStrides: [1, 2],
          padding: [
            [1, 0],
            [0, 1],
          ],
          baseDilations: [2, 1],
          windowDilations: [1, 2],
        },
        { regions: [region(b, 'add')] },
      ),
  },
  {
    kind: 'reduce_window',
    name: 'reduce_window max (pooling)',
    inputs: [distinct([2, 6], 4)],
    body: (b, x) =>
      b.op1(
        'reduce_window',
        [x, b.constant(-Infinity)],
        {
          windowDimensions: [1, 2],
          windowStrides: [1, 2],
          padding: [
            [0, 0],
            [1, 1],
          ],
          baseDilations: [1, 1],
          windowDilations: [1, 1],
        },
        { regions: [region(b, 'maximum')] },
      ),
  },
  {
    kind: 'reduce_window',
    name: 'reduce_window min, overlapping windows',
    inputs: [distinct([2, 6], 9)],
    body: (b, x) =>
      b.op1(
        'reduce_window',
        [x, b.constant(Infinity)],
        {
          windowDimensions: [2, 3],
          windowStrides: [1, 1],
          padding: [
            [0, 0],
            [0, 0],
          ],
          baseDilations: [1, 1],
          windowDilations: [1, 1],
        },
        { regions: [region(b, 'minimum')] },
      ),
  },
  {
    kind: 'remainder',
    name: 'remainder',
    inputs: [
      { shape: [4], data: [2.3, -1.7, 0.4, 5.1] },
      { shape: [4], data: [0.7, 0.5, 0.9, -1.3] },
    ],
    body: (b, x, y) => b.op1('remainder', [x, y], {}),
  },
  { kind: 'reshape', name: 'reshape', inputs: [f([2, 6])], body: (b, x) => b.reshape(x, [3, 4]) },
  {
    kind: 'reverse',
    name: 'reverse',
    inputs: [f([2, 3, 4])],
    body: (b, x) => b.op1('reverse', [x], { dims: [0, 2] }),
  },
  unary('rsqrt', 0.3, 2),
  {
    kind: 'scatter',
    name: 'scatter add (repeated ids)',
    inputs: [f([5, 3]), i32([4, 1], [1, 3, 1, 0]), f([4, 3])],
    body: (b, x, ids, u) =>
      b.op1(
        'scatter',
        [x, ids, u],
        {
          updateWindowDims: [1],
          insertedWindowDims: [0],
          scatterDimsToOperandDims: [0],
          indexVectorDim: 1,
        },
        { regions: [region(b, 'add')] },
      ),
  },
  {
    kind: 'scatter',
    name: 'scatter replace (unique ids)',
    inputs: [f([5, 3]), i32([2, 1], [3, 1]), f([2, 3])],
    body: (b, x, ids, u) => {
      const s = { shape: [], dtype: 'f32' } as const;
      const replace = b.region([s, s], (_p, q) => [q]);
      return b.op1(
        'scatter',
        [x, ids, u],
        {
          updateWindowDims: [1],
          insertedWindowDims: [0],
          scatterDimsToOperandDims: [0],
          indexVectorDim: 1,
        },
        { regions: [replace] },
      );
    },
  },
  {
    kind: 'select',
    name: 'select by a compared float (no gradient through the predicate)',
    inputs: [f([2, 3]), f([2, 3]), f([2, 3])],
    body: (b, p, x, y) => b.select(b.compare(p, 0, 'GT'), x, y),
  },
  {
    kind: 'select',
    name: 'select with a scalar predicate',
    inputs: [i32([], [1]), f([2, 3]), f([2, 3])],
    body: (b, i, x, y) => b.op1('select', [b.compare(i, b.constant(0, [], 'i32'), 'GT'), x, y], {}),
  },
  unary('sine'),
  {
    kind: 'slice',
    name: 'slice strided',
    inputs: [f([5, 7])],
    body: (b, x) => b.slice(x, [1, 0], [5, 7], [2, 3]),
  },
  {
    kind: 'sort',
    name: 'sort keys and values along dim 1',
    inputs: [distinct([2, 5], 6), f([2, 5])],
    body: (b, k, v) => {
      const s = { shape: [], dtype: 'f32' } as const;
      const cmp = b.region([s, s, s, s], (a, c) => [b.compare(a, c, 'LT')]);
      return b.op('sort', [k, v], { dimension: 1, isStable: true }, { regions: [cmp] });
    },
  },
  unary('sqrt', 0.3, 2),
  binary('subtract', f([2, 3]), f([2, 3])),
  unary('tanh', -2, 2),
  {
    kind: 'transpose',
    name: 'transpose',
    inputs: [f([2, 3, 4])],
    body: (b, x) => b.transpose(x, [2, 0, 1]),
  },
  {
    kind: 'while',
    name: 'while with a counter, a state and a weight',
    inputs: [f([3]), f([3], 0.5, 1)],
    body: (b, h0, w) => {
      const i32s = { shape: [], dtype: 'i32' } as const;
      const types = [i32s, h0.type, w.type];
      const cond = b.region(types, (i) => [b.compare(i, b.constant(3, [], 'i32'), 'LT')]);
      const body = b.region(types, (i, h, ww) => [
        b.add(i, b.constant(1, [], 'i32')),
        b.add(b.mul(h, ww), b.unary('sine', h)),
        ww,
      ]);
      return b
        .op('while', [b.constant(0, [], 'i32'), h0, w], { tripCount: 3 }, { regions: [cond, body] })
        .slice(1);
    },
  },
  {
    kind: 'floor',
    name: 'non-differentiable ops pass no cotangent',
    inputs: [f([2, 3], 0.1, 2.9)],
    body: (b, x) =>
      b.add(b.mul(b.unary('floor', x), x), b.mul(b.unary('sign', x), b.unary('ceil', x))),
  },
];

describe('VJP rules against finite differences', () => {
  for (const c of CASES) it(`${c.name}`, () => gradCheck(c));

  it('covers every kind of the registry', () => {
    const tested = new Set(CASES.map((c) => c.kind));
    expect(Object.keys(VJP_RULES).filter((k) => !tested.has(k as OpKind))).toEqual([]);
  });
});

describe('VJP rules, closed forms and refusals', () => {
  function program(build: (b: ProgramBuilder) => Value): Program {
    const b = new ProgramBuilder('t');
    b.output('loss', build(b));
    return b.build();
  }

  it('maximum splits the cotangent half and half on a tie', () => {
    const b = new ProgramBuilder('tie');
    const x = b.param('x', [], 'f32');
    const y = b.param('y', [], 'f32');
    b.output('loss', b.max(x, y));
    const p = b.build();
    const run = gradAnalytic(p, [hostTensor([], 'f32', [2]), hostTensor([], 'f32', [2])], [0, 1]);
    expect([run.grads[0][0], run.grads[1][0]]).toEqual([0.5, 0.5]);
  });

  it('convert to bf16 and back passes the cotangent through', () => {
    const b = new ProgramBuilder('bf16');
    const x = b.param('x', [3], 'f32');
    const r = b.constant([0.5, -1.25, 3], [3], 'f32');
    b.output('loss', b.sum(b.mul(b.convert(b.convert(x, 'bf16'), 'f32'), r), [0]));
    const run = gradAnalytic(b.build(), [hostTensor([3], 'f32', [0.1, 0.2, 0.3])], [0]);
    expect([...run.grads[0]]).toEqual([0.5, -1.25, 3]);
    expect(verifyProgram(run.program)).toEqual([]);
  });

  it('refuses a custom_call on the path to the loss, naming the op and why', () => {
    let wrt = 0;
    const p = program((b) => {
      const x = b.param('x', [2], 'f32');
      wrt = x.id;
      const y = b.op1('custom_call', [x], {
        callTarget: 'mystery',
        resultTypes: [{ shape: [2], dtype: 'f32' }],
      });
      return b.sum(y, [0]);
    });
    expect(() => gradients(p, [wrt])).toThrow(IRError);
    expect(() => gradients(p, [wrt])).toThrow(
      /cannot differentiate op #\d+ custom_call: custom_call is opaque/,
    );
  });

  it('ignores a custom_call that is not on a path from the inputs to the loss', () => {
    let wrt = 0;
    const p = program((b) => {
      const x = b.param('x', [2], 'f32');
      wrt = x.id;
      const c = b.op1('custom_call', [], {
        callTarget: 'rng',
        resultTypes: [{ shape: [2], dtype: 'f32' }],
      });
      return b.sum(b.mul(x, c), [0]);
    });
    expect(verifyProgram(gradients(p, [wrt]).program)).toEqual([]);
  });

  it('refuses a max reduction whose init value is differentiable', () => {
    let wrt: number[] = [];
    const p = program((b) => {
      const x = b.param('x', [3], 'f32');
      const init = b.param('init', [], 'f32');
      wrt = [x.id, init.id];
      return b.op1('reduce', [x, init], { dims: [0] }, { regions: [b.combiner('f32', 'maximum')] });
    });
    expect(() => gradients(p, wrt)).toThrow(
      /init value of a 'maximum' reduction is differentiable/,
    );
  });
});
