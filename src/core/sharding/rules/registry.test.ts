import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../../ir/builder.ts';
import { convolutionAttrs, NHWC_HWIO } from '../../ir/convolution.ts';
import type { DType } from '../../ir/dtype.ts';
import {
  BINARY_KINDS,
  OP_KINDS,
  UNARY_KINDS,
  type ConvolutionAttrs,
  type OpAttrs,
  type OpKind,
} from '../../ir/ops.ts';
import type { Op, Program, Value, ValueId } from '../../ir/program.ts';
import { tensorType, type Shape } from '../../ir/shape.ts';
import { factorRuleToString, type FactorRule, type TensorMapping } from '../factor-rule.ts';
import { conservativeOps, DATA_FLOW_KINDS, opFactorRule } from './registry.ts';
import { factorRuleCheck } from './rule-check.ts';

// Each test builds one op with ProgramBuilder and compares its printed rule with a string
// written by hand from the op's semantics. Factors are lettered result dims first, then the
// factors only operands hold; `()` is a dim with nothing to shard. Every rule is also checked
// against the op's shapes (rule-check.ts). Cases follow the registry's order.

type Build = (b: ProgramBuilder) => void;

let names = 0;
function arg(b: ProgramBuilder, shape: Shape, dtype: DType = 'f32'): Value {
  return b.input(`v${names++}`, shape, dtype, 'data');
}

function lastOp(build: Build): { op: Op; program: Program } {
  const b = new ProgramBuilder('t');
  b.axisSizes = () => 2;
  build(b);
  const program = b.build();
  return { op: program.main.ops[program.main.ops.length - 1], program };
}

function ruleOf(build: Build): FactorRule | undefined {
  const { op, program } = lastOp(build);
  const types = (id: ValueId) => program.values[id].type;
  const rule = opFactorRule(op, types);
  if (rule) {
    const errs = factorRuleCheck(
      rule,
      op.operands.map((id) => types(id).shape),
      op.results.map((id) => types(id).shape),
    );
    expect(errs, `${op.kind}: ${rule && factorRuleToString(rule)}`).toEqual([]);
  }
  return rule;
}

function printed(build: Build): string {
  const rule = ruleOf(build);
  if (!rule) throw new Error('the op has no rule');
  return factorRuleToString(rule);
}

const ZERO_PAD = (rank: number): [number, number][] =>
  Array.from({ length: rank }, () => [0, 0] as [number, number]);

/** NHWC input, HWIO kernel, NHWC output; no strides, padding, dilation or groups unless given. */
function conv2d(b: ProgramBuilder, x: Value, k: Value, o: Partial<ConvolutionAttrs> = {}): Value {
  return b.op1('convolution', [x, k], convolutionAttrs(NHWC_HWIO, o));
}

function reduceWindow(
  b: ProgramBuilder,
  x: Value,
  w: Partial<OpAttrs['reduce_window']>,
  combiner: 'add' | 'maximum' = 'maximum',
): Value {
  const r = x.type.shape.length;
  const ones = Array.from({ length: r }, () => 1);
  const init = b.constant(combiner === 'add' ? 0 : -Infinity);
  return b.op1(
    'reduce_window',
    [x, init],
    {
      windowDimensions: ones,
      windowStrides: ones,
      padding: ZERO_PAD(r),
      baseDilations: ones,
      windowDilations: ones,
      ...w,
    },
    { regions: [b.combiner('f32', combiner)] },
  );
}

/** GNS aggregation: messages [20, 16] scatter-combined into nodes [10, 16] by receiver ids [20]. */
function gnsScatter(b: ProgramBuilder, combiner: 'add' | 'replace'): void {
  const nodes = arg(b, [10, 16]);
  const receivers = arg(b, [20], 'i32');
  const messages = arg(b, [20, 16]);
  const s = tensorType([], 'f32');
  const region =
    combiner === 'add' ? b.combiner('f32', 'add') : b.region([s, s], (_old, update) => [update]);
  b.op(
    'scatter',
    [nodes, receivers, messages],
    {
      updateWindowDims: [1],
      insertedWindowDims: [0],
      scatterDimsToOperandDims: [0],
      indexVectorDim: 1,
    },
    { regions: [region] },
  );
}

const unarySamples = Object.fromEntries(
  UNARY_KINDS.map((k) => [
    k,
    (b: ProgramBuilder) => void b.op1(k, [arg(b, [4, 8], k === 'not' ? 'i32' : 'f32')], {}),
  ]),
);
const binarySamples = Object.fromEntries(
  BINARY_KINDS.map((k) => {
    const dtype: DType = k === 'and' || k === 'or' || k === 'xor' ? 'i32' : 'f32';
    return [
      k,
      (b: ProgramBuilder) => void b.op1(k, [arg(b, [4, 8], dtype), arg(b, [4, 8], dtype)], {}),
    ];
  }),
);

/** One representative op per kind: the exhaustiveness check runs them all. */
const SAMPLES = {
  ...(unarySamples as Record<(typeof UNARY_KINDS)[number], Build>),
  ...(binarySamples as Record<(typeof BINARY_KINDS)[number], Build>),
  all_gather: (b) => void b.op1('all_gather', [arg(b, [4, 8])], { axes: ['x'], dim: 0 }),
  all_reduce: (b) => void b.op1('all_reduce', [arg(b, [4, 8])], { axes: ['x'], reduction: 'sum' }),
  all_to_all: (b) =>
    void b.op1('all_to_all', [arg(b, [4, 8])], { axes: ['x'], splitDim: 1, concatDim: 0 }),
  axis_index: (b) => void b.op1('axis_index', [], { axes: ['x'] }),
  collective_permute: (b) =>
    void b.op1('collective_permute', [arg(b, [4, 8])], {
      axes: ['x', 'y'],
      dim: 0,
      to: ['y', 'x'],
    }),
  broadcast_in_dim: (b) => void b.broadcastInDim(arg(b, [16]), [4, 16], [1]),
  call: (b) => {
    b.func('id', [tensorType([4], 'f32')], (v) => [v]);
    b.op('call', [arg(b, [4])], { callee: 'id' });
  },
  case: (b) => {
    const index = arg(b, [], 'i32');
    const x = arg(b, [4]);
    const branch = () => b.region([x.type], (v) => [v]);
    b.op('case', [index, x], {}, { regions: [branch(), branch()] });
  },
  clamp: (b) => void b.op1('clamp', [arg(b, []), arg(b, [4, 8]), arg(b, [])], {}),
  compare: (b) => void b.op1('compare', [arg(b, [4, 8]), arg(b, [4, 8])], { direction: 'LT' }),
  concatenate: (b) => void b.concatenate([arg(b, [4, 3]), arg(b, [4, 5])], 1),
  constant: (b) => void b.constant([1, 2, 3, 4, 5, 6], [2, 3]),
  convert: (b) => void b.op1('convert', [arg(b, [4, 8])], { dtype: 'bf16' }),
  convolution: (b) =>
    void conv2d(b, arg(b, [8, 32, 32, 16]), arg(b, [3, 3, 16, 32]), {
      padding: [
        [1, 1],
        [1, 1],
      ],
    }),
  custom_call: (b) =>
    void b.op1('custom_call', [arg(b, [4, 1, 8])], {
      callTarget: 'my_kernel',
      resultTypes: [{ shape: [2, 3], dtype: 'f32' }],
    }),
  dot_general: (b) =>
    void b.dotGeneral(arg(b, [8, 16]), arg(b, [16, 4]), {
      lhsBatch: [],
      rhsBatch: [],
      lhsContract: [1],
      rhsContract: [0],
    }),
  dynamic_slice: (b) =>
    void b.op1('dynamic_slice', [arg(b, [16, 8]), arg(b, [], 'i32'), arg(b, [], 'i32')], {
      sliceSizes: [4, 8],
    }),
  dynamic_update_slice: (b) =>
    void b.op1(
      'dynamic_update_slice',
      [arg(b, [16, 8]), arg(b, [4, 8]), arg(b, [], 'i32'), arg(b, [], 'i32')],
      {},
    ),
  gather: (b) =>
    void b.op1('gather', [arg(b, [1000, 64]), arg(b, [4, 8], 'i32')], {
      offsetDims: [2],
      collapsedSliceDims: [0],
      startIndexMap: [0],
      indexVectorDim: 2,
      sliceSizes: [1, 64],
    }),
  iota: (b) => void b.iota([4, 8], 1),
  pad: (b) =>
    void b.op1('pad', [arg(b, [8, 6]), b.constant(0)], {
      low: [1, 0],
      high: [1, 0],
      interior: [0, 0],
    }),
  reduce: (b) => void b.sum(arg(b, [4, 8, 16]), [1]),
  reduce_scatter: (b) =>
    void b.op1('reduce_scatter', [arg(b, [8, 4])], { axes: ['x'], dim: 0, reduction: 'sum' }),
  reduce_window: (b) =>
    void reduceWindow(b, arg(b, [2, 8, 8, 3]), {
      windowDimensions: [1, 2, 2, 1],
      windowStrides: [1, 2, 2, 1],
    }),
  reshape: (b) => void b.reshape(arg(b, [8, 4]), [2, 16]),
  reverse: (b) => void b.op1('reverse', [arg(b, [4, 8])], { dims: [1] }),
  scatter: (b) => gnsScatter(b, 'add'),
  select: (b) => void b.op1('select', [arg(b, [], 'i1'), arg(b, [4, 8]), arg(b, [4, 8])], {}),
  select_and_scatter: (b) => {
    const x = arg(b, [2, 8, 8, 3]);
    const source = arg(b, [2, 4, 4, 3]);
    const init = b.constant(0);
    const s = tensorType([], 'f32');
    const select = b.region([s, s], (p, q) => [b.compare(p, q, 'GE')]);
    b.op(
      'select_and_scatter',
      [x, source, init],
      { windowDimensions: [1, 2, 2, 1], windowStrides: [1, 2, 2, 1], padding: ZERO_PAD(4) },
      { regions: [select, b.combiner('f32', 'add')] },
    );
  },
  shard_slice: (b) => void b.op1('shard_slice', [arg(b, [8, 4])], { axes: ['x'], dim: 1 }),
  slice: (b) => void b.slice(arg(b, [8, 6]), [0, 2], [8, 6]),
  sort: (b) => {
    const s = tensorType([], 'f32');
    const comparator = b.region([s, s, s, s], (p, q) => [b.compare(p, q, 'LT')]);
    b.op(
      'sort',
      [arg(b, [4, 8]), arg(b, [4, 8])],
      { dimension: 1, isStable: true },
      { regions: [comparator] },
    );
  },
  transpose: (b) => void b.transpose(arg(b, [2, 3, 4]), [2, 0, 1]),
  while: (b) => {
    const x = arg(b, [4]);
    const cond = b.region([x.type], () => [b.constant(1, [], 'i1')]);
    const body = b.region([x.type], (v) => [b.add(v, v)]);
    b.op('while', [x], { tripCount: 3 }, { regions: [cond, body] });
  },
} satisfies Record<OpKind, Build>;

describe('opFactorRule', () => {
  it('has a rule for every op kind but the data-flow ones, which are listed explicitly', () => {
    for (const kind of OP_KINDS) {
      const sample = (SAMPLES as Record<string, Build | undefined>)[kind];
      expect(sample, `no sample op for '${kind}': add one, and a rule`).toBeDefined();
      expect(lastOp(sample!).op.kind).toBe(kind);
      const rule = ruleOf(sample!);
      if (DATA_FLOW_KINDS.includes(kind)) {
        expect(rule, kind).toBeUndefined();
      } else {
        expect(rule, `'${kind}' has no rule`).toBeDefined();
        expect(rule!.conservative ?? false, `'${kind}' only has the conservative placeholder`).toBe(
          kind === 'custom_call',
        );
      }
    }
  });

  // ---- pointwise ------------------------------------------------------------

  it('gives every unary op one pass-through factor per dim', () => {
    for (const kind of UNARY_KINDS)
      expect(printed(SAMPLES[kind]), kind).toBe('([i, j])->([i, j]) {i=4, j=8}');
  });

  it('gives every binary op one pass-through factor per dim, shared by both operands', () => {
    for (const kind of BINARY_KINDS)
      expect(printed(SAMPLES[kind]), kind).toBe('([i, j], [i, j])->([i, j]) {i=4, j=8}');
  });

  it('leaves size-1 dims and scalar pointwise ops without factors', () => {
    expect(printed((b) => void b.exp(arg(b, [1, 8])))).toBe('([(), i])->([(), i]) {i=8}');
    expect(printed((b) => void b.op1('add', [arg(b, []), arg(b, [])], {}))).toBe(
      '([], [])->([]) {}',
    );
  });

  it('clamp: scalar bounds hold nothing; full-shape bounds share the factors', () => {
    expect(printed(SAMPLES.clamp)).toBe('([], [i, j], [])->([i, j]) {i=4, j=8}');
    expect(
      printed((b) => void b.op1('clamp', [arg(b, [4, 8]), arg(b, [4, 8]), arg(b, [])], {})),
    ).toBe('([i, j], [i, j], [])->([i, j]) {i=4, j=8}');
  });

  it('collective_permute: the permuted dim is a permutation factor, the rest pass through', () => {
    expect(printed(SAMPLES.collective_permute)).toBe(
      '([i, j])->([i, j]) {i=4, j=8} permutation={i}',
    );
  });

  it('compare is pointwise', () => {
    expect(printed(SAMPLES.compare)).toBe('([i, j], [i, j])->([i, j]) {i=4, j=8}');
  });

  it('convert is pointwise', () => {
    expect(printed(SAMPLES.convert)).toBe('([i, j])->([i, j]) {i=4, j=8}');
  });

  it('select: a scalar predicate holds nothing; a full one shares the factors', () => {
    expect(printed(SAMPLES.select)).toBe('([], [i, j], [i, j])->([i, j]) {i=4, j=8}');
    expect(
      printed(
        (b) => void b.op1('select', [arg(b, [4, 8], 'i1'), arg(b, [4, 8]), arg(b, [4, 8])], {}),
      ),
    ).toBe('([i, j], [i, j], [i, j])->([i, j]) {i=4, j=8}');
  });

  // ---- one case per op kind, alphabetical -------------------------------------

  it('all_gather: the gathered dim needs replication on each side, the rest pass through', () => {
    expect(printed(SAMPLES.all_gather)).toBe(
      '([k, j])->([i, j]) {i=8, j=8, k=4} needReplication={i, k}',
    );
  });

  it('all_reduce is pointwise', () => {
    expect(printed(SAMPLES.all_reduce)).toBe('([i, j])->([i, j]) {i=4, j=8}');
  });

  it('all_to_all: split and concat dims need replication', () => {
    expect(printed(SAMPLES.all_to_all)).toBe(
      '([k, l])->([i, j]) {i=8, j=4, k=4, l=8} needReplication={i, j, k, l}',
    );
  });

  it('axis_index has nothing to shard', () => {
    expect(printed(SAMPLES.axis_index)).toBe('()->([]) {}');
  });

  it('broadcast_in_dim: mapped dims share a factor, new dims are result-only', () => {
    expect(printed(SAMPLES.broadcast_in_dim)).toBe('([j])->([i, j]) {i=4, j=16}');
    // a size-1 dim expanded in place: nothing to shard in the operand, a result-only factor
    expect(printed((b) => void b.broadcastInDim(arg(b, [1, 16]), [4, 16], [0, 1]))).toBe(
      '([(), j])->([i, j]) {i=4, j=16}',
    );
    // operand dims land out of order
    expect(printed((b) => void b.broadcastInDim(arg(b, [16, 4]), [4, 2, 16], [2, 0]))).toBe(
      '([k, i])->([i, j, k]) {i=4, j=2, k=16}',
    );
  });

  it('concatenate: other dims pass through; the concat dim needs replication in every tensor', () => {
    expect(printed(SAMPLES.concatenate)).toBe(
      '([i, k], [i, l])->([i, j]) {i=4, j=8, k=3, l=5} needReplication={j, k, l}',
    );
  });

  it('constant: results only', () => {
    expect(printed(SAMPLES.constant)).toBe('()->([i, j]) {i=2, j=3}');
  });

  it('convolution, 3×3 SAME: spatial dims are halo permutations, input features are contracted, the kernel window stays whole', () => {
    expect(printed(SAMPLES.convolution)).toBe(
      '([i, j, k, m], [n, o, m, l])->([i, j, k, l]) {i=8, j=32, k=32, l=32, m=16, n=3, o=3} reduction={m} needReplication={n, o} permutation={j, k}',
    );
  });

  it('convolution, 16×16 stride 16 (patch embedding): input spatial = (windows, window), windows pass through', () => {
    const patch = (b: ProgramBuilder) =>
      void conv2d(b, arg(b, [2, 32, 32, 3]), arg(b, [16, 16, 3, 64]), { windowStrides: [16, 16] });
    expect(printed(patch)).toBe(
      '([i, (jm), (kn), o], [m, n, o, l])->([i, j, k, l]) {i=2, j=2, k=2, l=64, m=16, n=16, o=3} reduction={m, n, o}',
    );
  });

  it('convolution, depthwise (feature groups = channels): the channel factor passes through input, kernel and output', () => {
    const depthwise = (b: ProgramBuilder) =>
      void conv2d(b, arg(b, [4, 8, 8, 32]), arg(b, [3, 3, 1, 32]), {
        padding: [
          [1, 1],
          [1, 1],
        ],
        featureGroupCount: 32,
      });
    expect(printed(depthwise)).toBe(
      '([i, j, k, l], [m, n, (), l])->([i, j, k, l]) {i=4, j=8, k=8, l=32, m=3, n=3} needReplication={m, n} permutation={j, k}',
    );
  });

  it('convolution, 1×1 in NCHW/OIHW: spatial dims pass through, dimension numbers respected', () => {
    const pointwise = (b: ProgramBuilder) =>
      void b.op1('convolution', [arg(b, [2, 16, 8, 8]), arg(b, [32, 16, 1, 1])], {
        inputBatchDim: 0,
        inputFeatureDim: 1,
        inputSpatialDims: [2, 3],
        kernelOutputFeatureDim: 0,
        kernelInputFeatureDim: 1,
        kernelSpatialDims: [2, 3],
        outputBatchDim: 0,
        outputFeatureDim: 1,
        outputSpatialDims: [2, 3],
        windowStrides: [1, 1],
        padding: ZERO_PAD(2),
        lhsDilation: [1, 1],
        rhsDilation: [1, 1],
        featureGroupCount: 1,
        batchGroupCount: 1,
      });
    expect(printed(pointwise)).toBe(
      '([i, m, k, l], [j, m, (), ()])->([i, j, k, l]) {i=2, j=32, k=8, l=8, m=16} reduction={m}',
    );
  });

  it('convolution, batch groups: input batch = (group, batch), output feature = (group, feature)', () => {
    const grouped = (b: ProgramBuilder) =>
      void b.op1('convolution', [arg(b, [8, 6]), arg(b, [6, 10])], {
        inputBatchDim: 0,
        inputFeatureDim: 1,
        inputSpatialDims: [],
        kernelInputFeatureDim: 0,
        kernelOutputFeatureDim: 1,
        kernelSpatialDims: [],
        outputBatchDim: 0,
        outputFeatureDim: 1,
        outputSpatialDims: [],
        windowStrides: [],
        padding: [],
        lhsDilation: [],
        rhsDilation: [],
        featureGroupCount: 1,
        batchGroupCount: 2,
      });
    expect(printed(grouped)).toBe(
      '([(ji), l], [l, (jk)])->([i, (jk)]) {i=4, j=2, k=5, l=6} reduction={l}',
    );
  });

  it('custom_call: the conservative placeholder, every dim replicated', () => {
    expect(printed(SAMPLES.custom_call)).toBe(
      '([k, (), l])->([i, j]) {i=2, j=3, k=4, l=8} needReplication={i, j, k, l} conservative',
    );
  });

  it('dot_general: [8,16]x[16,4] contracts k', () => {
    expect(printed(SAMPLES.dot_general)).toBe(
      '([i, k], [k, j])->([i, j]) {i=8, j=4, k=16} reduction={k}',
    );
  });

  it('dot_general: attention scores, batch dims first in the result, then lhs free, then rhs free', () => {
    const scores = (b: ProgramBuilder) =>
      void b.dotGeneral(arg(b, [2, 4, 8, 16]), arg(b, [2, 4, 6, 16]), {
        lhsBatch: [0, 1],
        rhsBatch: [0, 1],
        lhsContract: [3],
        rhsContract: [3],
      });
    expect(printed(scores)).toBe(
      '([i, j, k, m], [i, j, l, m])->([i, j, k, l]) {i=2, j=4, k=8, l=6, m=16} reduction={m}',
    );
  });

  it('dynamic_slice: whole dims pass through, a sliced dim needs replication in operand and result', () => {
    expect(printed(SAMPLES.dynamic_slice)).toBe(
      '([k, j], [], [])->([i, j]) {i=4, j=8, k=16} needReplication={i, k}',
    );
  });

  it('dynamic_update_slice: a dim the update covers whole passes through; one it covers in part stays whole everywhere', () => {
    expect(printed(SAMPLES.dynamic_update_slice)).toBe(
      '([i, j], [k, j], [], [])->([i, j]) {i=16, j=8, k=4} needReplication={i, k}',
    );
  });

  it('gather, embedding lookup: ids and feature dims pass through, the vocab dim needs replication', () => {
    expect(printed(SAMPLES.gather)).toBe(
      '([l, k], [i, j])->([i, j, k]) {i=4, j=8, k=64, l=1000} needReplication={l}',
    );
  });

  it('gather with an index vector and a partial slice: both need replication', () => {
    const windows = (b: ProgramBuilder) =>
      void b.op1('gather', [arg(b, [10, 20]), arg(b, [5, 2], 'i32')], {
        offsetDims: [1],
        collapsedSliceDims: [0],
        startIndexMap: [0, 1],
        indexVectorDim: 1,
        sliceSizes: [1, 4],
      });
    expect(printed(windows)).toBe(
      '([k, l], [i, m])->([i, j]) {i=5, j=4, k=10, l=20, m=2} needReplication={j, k, l, m}',
    );
  });

  it('iota: results only, the iota dim included', () => {
    expect(printed(SAMPLES.iota)).toBe('()->([i, j]) {i=4, j=8}');
  });

  it('pad: padded dims are permutations sized by the result', () => {
    expect(printed(SAMPLES.pad)).toBe('([i, j], [])->([i, j]) {i=10, j=6} permutation={i}');
  });

  it('reduce: kept dims pass through, reduced dims are operand-only reductions', () => {
    expect(printed(SAMPLES.reduce)).toBe(
      '([i, k, j], [])->([i, j]) {i=4, j=16, k=8} reduction={k}',
    );
    expect(printed((b) => void b.reduce(arg(b, [4, 8]), [0, 1], 'maximum'))).toBe(
      '([i, j], [])->([]) {i=4, j=8} reduction={i, j}',
    );
  });

  it('reduce: a combiner an all-reduce cannot apply needs replication', () => {
    expect(printed((b) => void b.reduce(arg(b, [4, 8]), [1], 'multiply'))).toBe(
      '([i, j], [])->([i]) {i=4, j=8} needReplication={j}',
    );
  });

  it('reduce_scatter: the scattered dim needs replication on each side', () => {
    expect(printed(SAMPLES.reduce_scatter)).toBe(
      '([k, j])->([i, j]) {i=4, j=4, k=8} needReplication={i, k}',
    );
  });

  it('reduce_window, 2×2 stride-2 max pool: input = (windows, window), the window a reduction', () => {
    expect(printed(SAMPLES.reduce_window)).toBe(
      '([i, (jm), (kn), l], [])->([i, j, k, l]) {i=2, j=4, k=4, l=3, m=2, n=2} reduction={m, n}',
    );
  });

  it('reduce_window, overlapping or padded windows: permutations sized by the result', () => {
    const same = (b: ProgramBuilder) =>
      void reduceWindow(
        b,
        arg(b, [8, 8]),
        {
          windowDimensions: [3, 3],
          padding: [
            [1, 1],
            [1, 1],
          ],
        },
        'add',
      );
    expect(printed(same)).toBe('([i, j], [])->([i, j]) {i=8, j=8} permutation={i, j}');
    const strided = (b: ProgramBuilder) =>
      void reduceWindow(b, arg(b, [9]), { windowDimensions: [3], windowStrides: [2] });
    expect(printed(strided)).toBe('([i], [])->([i]) {i=4} permutation={i}');
  });

  it('reshape: [8,4] → [2,16] splits by GCD into compound dims', () => {
    expect(printed(SAMPLES.reshape)).toBe('([(ij), k])->([i, (jk)]) {i=2, j=4, k=4}');
  });

  it('reshape: [B,S,H*D] → [B,S,H,D] splits the last dim', () => {
    expect(printed((b) => void b.reshape(arg(b, [2, 8, 12]), [2, 8, 3, 4]))).toBe(
      '([i, j, (kl)])->([i, j, k, l]) {i=2, j=8, k=3, l=4}',
    );
  });

  it('reshape: size-1 dims get no factor', () => {
    expect(printed((b) => void b.reshape(arg(b, [1, 6]), [6, 1]))).toBe(
      '([(), i])->([i, ()]) {i=6}',
    );
  });

  it('reshape: where the dims diverge, input-only and output-only factors need replication', () => {
    expect(printed((b) => void b.reshape(arg(b, [3, 2]), [2, 3]))).toBe(
      '([k, l])->([i, j]) {i=2, j=3, k=3, l=2} needReplication={i, j, k, l}',
    );
    // [3,4] → [2,6] meets again at 6 elements and shares the minor 2
    expect(printed((b) => void b.reshape(arg(b, [3, 4]), [2, 6]))).toBe(
      '([l, (mk)])->([i, (jk)]) {i=2, j=3, k=2, l=3, m=2} needReplication={i, j, l, m}',
    );
  });

  it('reshape: no elements, nothing shared', () => {
    expect(printed((b) => void b.reshape(arg(b, [0, 4]), [4, 0]))).toBe(
      '([(), j])->([i, ()]) {i=4, j=4} needReplication={i, j}',
    );
  });

  it('reverse: reversed dims are permutations', () => {
    expect(printed(SAMPLES.reverse)).toBe('([i, j])->([i, j]) {i=4, j=8} permutation={j}');
  });

  it('scatter, GNS message aggregation: features pass through, edges are a reduction, nodes need replication', () => {
    expect(printed(SAMPLES.scatter)).toBe(
      '([i, j], [k], [k, j])->([i, j]) {i=10, j=16, k=20} reduction={k} needReplication={i}',
    );
  });

  it('scatter with a replacing combiner: the edges need replication', () => {
    expect(printed((b) => gnsScatter(b, 'replace'))).toBe(
      '([i, j], [k], [k, j])->([i, j]) {i=10, j=16, k=20} needReplication={i, k}',
    );
  });

  it('select_and_scatter, 2×2 stride-2 pool gradient: windows pass through, the selected-in window needs replication', () => {
    expect(printed(SAMPLES.select_and_scatter)).toBe(
      '([i, (jk), (lm), n], [i, j, l, n], [])->([i, (jk), (lm), n]) {i=2, j=4, k=2, l=4, m=2, n=3} needReplication={k, m}',
    );
  });

  it('shard_slice: the sliced dim needs replication on each side', () => {
    expect(printed(SAMPLES.shard_slice)).toBe(
      '([i, k])->([i, j]) {i=8, j=2, k=4} needReplication={j, k}',
    );
  });

  it('slice: untouched dims pass through, sliced dims are permutations sized by the result', () => {
    expect(printed(SAMPLES.slice)).toBe('([i, j])->([i, j]) {i=8, j=4} permutation={j}');
  });

  it('sort: the sort dim needs replication in every operand and result', () => {
    expect(printed(SAMPLES.sort)).toBe(
      '([i, j], [i, j])->([i, j], [i, j]) {i=4, j=8} needReplication={j}',
    );
  });

  it('transpose: each operand dim maps to its permuted result position', () => {
    expect(printed(SAMPLES.transpose)).toBe('([j, k, i])->([i, j, k]) {i=4, j=2, k=3}');
  });

  // ---- data-flow ops ----------------------------------------------------------

  it('call, case and while have no rule: propagation goes through their bodies', () => {
    expect(DATA_FLOW_KINDS).toEqual(['call', 'case', 'while']);
    for (const kind of DATA_FLOW_KINDS)
      expect(ruleOf(SAMPLES[kind as 'call' | 'case' | 'while']), kind).toBeUndefined();
  });
});

describe('conservativeOps', () => {
  it('lists the opaque ops of main (nested regions included), then of helper functions', () => {
    const b = new ProgramBuilder('p');
    const x = arg(b, [4]);
    const opaque = (v: Value, target: string) =>
      b.op1('custom_call', [v], {
        callTarget: target,
        resultTypes: [{ shape: [4], dtype: 'f32' }],
      });
    b.func('helper', [x.type], (v) => [opaque(v, 'in_func')]);
    const y = b.tanh(opaque(x, 'in_main'));
    const cond = b.region([x.type], () => [b.constant(1, [], 'i1')]);
    const body = b.region([x.type], (v) => [opaque(v, 'in_loop')]);
    b.op('while', [y], { tripCount: 2 }, { regions: [cond, body] });
    const found = conservativeOps(b.build());
    expect(found.map((op) => (op.attrs as OpAttrs['custom_call']).callTarget)).toEqual([
      'in_main',
      'in_loop',
      'in_func',
    ]);
  });
});

// ---- properties -----------------------------------------------------------------

/** Groups `parts` into dims: a new dim starts wherever `cuts` says (and at the first part). */
function grouped(parts: readonly number[], cuts: readonly boolean[]): number[] {
  const dims: number[] = [];
  parts.forEach((p, i) => {
    if (i === 0 || cuts[i]) dims.push(p);
    else dims[dims.length - 1] *= p;
  });
  return dims;
}

/** Each factor's stride in the tensor's row-major order. */
function factorStrides(
  m: TensorMapping,
  shape: Shape,
  sizes: readonly number[],
): Map<number, number> {
  const strides = new Map<number, number>();
  let dimStride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    let s = dimStride;
    for (let k = m[d].length - 1; k >= 0; k--) {
      strides.set(m[d][k], s);
      s *= sizes[m[d][k]];
    }
    dimStride *= shape[d];
  }
  return strides;
}

function expectDimsCovered(m: TensorMapping, shape: Shape, sizes: readonly number[]): void {
  const seen = new Set<number>();
  m.forEach((factors, d) => {
    let product = 1;
    for (const f of factors) {
      expect(seen.has(f), `factor ${f} twice in one tensor`).toBe(false);
      seen.add(f);
      product *= sizes[f];
    }
    expect(product, `dim ${d} of [${shape.join(', ')}]`).toBe(shape[d]);
  });
}

describe('rule properties', () => {
  it('reshape between factorizations of one size: factors cover every dim exactly once, shared factors sit at the same stride', () => {
    const reshapes = fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 7 }).chain((parts) =>
      fc.record({
        parts: fc.constant(parts),
        inCuts: fc.array(fc.boolean(), { minLength: parts.length, maxLength: parts.length }),
        outCuts: fc.array(fc.boolean(), { minLength: parts.length, maxLength: parts.length }),
        order: fc.shuffledSubarray(
          parts.map((_, i) => i),
          { minLength: parts.length, maxLength: parts.length },
        ),
      }),
    );
    fc.assert(
      fc.property(reshapes, ({ parts, inCuts, outCuts, order }) => {
        const inShape = grouped(parts, inCuts);
        const outShape = grouped(
          order.map((i) => parts[i]),
          outCuts,
        );
        const rule = ruleOf((b) => void b.reshape(arg(b, inShape), outShape))!;
        const [inMap] = rule.operands;
        const [outMap] = rule.results;
        expectDimsCovered(inMap, inShape, rule.factorSizes);
        expectDimsCovered(outMap, outShape, rule.factorSizes);
        const inStrides = factorStrides(inMap, inShape, rule.factorSizes);
        const outStrides = factorStrides(outMap, outShape, rule.factorSizes);
        for (const [f, s] of inStrides)
          if (outStrides.has(f)) expect(outStrides.get(f), `factor ${f}`).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it('transpose: the result mapping is the permuted operand mapping', () => {
    const transposes = fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 5 }).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        perm: fc.shuffledSubarray(
          shape.map((_, i) => i),
          { minLength: shape.length, maxLength: shape.length },
        ),
      }),
    );
    fc.assert(
      fc.property(transposes, ({ shape, perm }) => {
        const rule = ruleOf(
          (b) => void b.op1('transpose', [arg(b, shape)], { permutation: perm }),
        )!;
        expect(rule.results[0]).toEqual(perm.map((p) => rule.operands[0][p]));
      }),
      { numRuns: 200 },
    );
  });
});
