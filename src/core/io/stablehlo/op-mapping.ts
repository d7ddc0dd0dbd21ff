import type { DType } from '../../ir/dtype.ts';
import {
  BINARY_KINDS,
  UNARY_KINDS,
  type BinaryKind,
  type CompareDirection,
  type ConvolutionAttrs,
  type OpAttrs,
  type UnaryKind,
} from '../../ir/ops.ts';
import type { Value } from '../../ir/program.ts';
import { shapeNumel, type TensorType } from '../../ir/shape.ts';
import type { OpAst } from './ast.ts';
import {
  attrBool,
  attrInts,
  attrNum,
  attrPairs,
  attrStr,
  denseValues,
  hashFields,
} from './attrs.ts';
import { sortedUnion, takeAlongAxis, unbatchIndices } from './batching.ts';
import type { Env, MappingContext } from './mapping-context.ts';

const UNARY = new Set<string>(UNARY_KINDS);
const BINARY = new Set<string>(BINARY_KINDS);
/** Other dialects' spellings of ops the IR has. */
const ALIASES: Record<string, string> = { 'chlo.erf': 'erf', 'mhlo.erf': 'erf' };
const DIRECTIONS = new Set(['EQ', 'NE', 'LT', 'LE', 'GT', 'GE']);

function kindOf(name: string): string {
  if (ALIASES[name]) return ALIASES[name];
  return name.startsWith('stablehlo.')
    ? name.slice(10)
    : name.startsWith('mhlo.')
      ? name.slice(5)
      : name;
}

/** Maps an op with no regions of its own (control flow is in control-flow.ts). */
export function mapSimpleOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const kind = kindOf(op.name);
  const isOwnDialect =
    op.name.startsWith('stablehlo.') ||
    op.name.startsWith('mhlo.') ||
    ALIASES[op.name] !== undefined;
  if (!isOwnDialect && !op.name.startsWith('sdy.'))
    return opaqueOp(cx, op, env, `${op.name.split('.')[0]} op`);
  const xs = () => op.operands.map((n) => cx.lookup(env, n, op));
  const out = (i = 0) =>
    cx.tensor(op.resultTypes[i] ?? op.resultTypes[op.resultTypes.length - 1], op);
  const b = cx.b;
  if (UNARY.has(kind)) return b.op(kind as UnaryKind, xs(), {});
  if (BINARY.has(kind)) return b.op(kind as BinaryKind, xs(), {});
  switch (kind) {
    case 'compare': {
      const enums = op.attrs.get('enums');
      let dir = enums?.t === 'list' ? attrStr(enums.v[0]) : undefined;
      const generic = op.attrs.get('comparison_direction');
      if (!dir && generic?.t === 'hash') dir = generic.body.trim().split(/\s+/).pop();
      if (!dir || !DIRECTIONS.has(dir))
        cx.fail(op, `compare without a direction`, 'EQ, NE, LT, LE, GT or GE');
      return b.op('compare', xs(), { direction: dir as CompareDirection });
    }
    case 'select':
    case 'clamp':
    case 'dynamic_update_slice':
      return b.op(kind, xs(), {});
    case 'convert':
      return b.op('convert', xs(), { dtype: out().dtype });
    case 'constant':
      return constantOp(cx, op);
    case 'iota': {
      const t = out();
      const dimension = attrNum(cx.attr(op, 'dim', 'iota_dimension')) ?? 0;
      const r = b.op('iota', [], { shape: t.shape, dtype: t.dtype, dimension });
      cx.iotaDims.set(r[0].id, dimension);
      return r;
    }
    case 'broadcast_in_dim':
      return b.op('broadcast_in_dim', xs(), {
        shape: out().shape,
        dims: ints(cx, op, 'dims', 'broadcast_dimensions'),
      });
    case 'broadcast': {
      const [x] = xs();
      const sizes = ints(cx, op, 'sizes', 'broadcast_sizes');
      return b.op('broadcast_in_dim', [x], {
        shape: out().shape,
        dims: x.type.shape.map((_, i) => i + sizes.length),
      });
    }
    case 'reshape':
      return b.op('reshape', xs(), { shape: out().shape });
    case 'transpose':
      return b.op('transpose', xs(), { permutation: ints(cx, op, 'dims', 'permutation') });
    case 'reverse':
      return b.op('reverse', xs(), { dims: ints(cx, op, 'dims', 'dimensions') });
    case 'dot_general':
      return b.op('dot_general', xs(), dotAttrs(cx, op, xs(), out()));
    case 'dot': {
      const [l, r] = xs();
      const t = out();
      return b.op('dot_general', [l, r], {
        lhsBatch: [],
        rhsBatch: [],
        lhsContract: [l.type.shape.length - 1],
        rhsContract: [0],
        ...(t.dtype !== l.type.dtype ? { resultDtype: t.dtype } : {}),
      });
    }
    case 'slice':
      return b.op('slice', xs(), sliceAttrs(cx, op));
    case 'dynamic_slice':
      return b.op('dynamic_slice', xs(), { sliceSizes: ints(cx, op, 'sizes', 'slice_sizes') });
    case 'concatenate':
      return b.op('concatenate', xs(), {
        dimension: attrNum(cx.attr(op, 'dim', 'dimension')) ?? 0,
      });
    case 'pad':
      return b.op('pad', xs(), {
        low: ints(cx, op, 'low', 'edge_padding_low'),
        high: ints(cx, op, 'high', 'edge_padding_high'),
        interior: ints(cx, op, 'interior', 'interior_padding'),
      });
    case 'convolution':
      return convolutionOp(cx, op, xs(), out());
    case 'gather': {
      const f = hashBody(cx, op, 'dimension_numbers');
      const [x, idx0] = xs();
      let idx = idx0;
      let indexVectorDim = f.get('index_vector_dim')?.[0] ?? 0;
      let startIndexMap = f.get('start_index_map') ?? [];
      let collapsed = f.get('collapsed_slice_dims') ?? [];
      const ob = f.get('operand_batching_dims') ?? [];
      const sliceSizes = ints(cx, op, 'slice_sizes');
      const along = ob.length ? takeAlongAxis(cx, x, idx0, f, sliceSizes) : undefined;
      if (along) return [along];
      if (ob.length) {
        ({ indices: idx, indexVectorDim } = unbatchIndices(
          cx,
          idx0,
          indexVectorDim,
          f.get('start_indices_batching_dims') ?? [],
        ));
        startIndexMap = [...ob, ...startIndexMap];
        collapsed = sortedUnion(collapsed, ob);
      }
      return b.op('gather', [x, idx], {
        offsetDims: f.get('offset_dims') ?? [],
        collapsedSliceDims: collapsed,
        startIndexMap,
        indexVectorDim,
        sliceSizes,
      });
    }
    case 'custom_call':
      return customCallOp(cx, op, env);
    case 'optimization_barrier':
      // an identity for dataflow (it only orders remat); its results are its operands
      return xs();
    case 'sdy.sharding_constraint':
    case 'sdy.reshard': {
      const [x] = xs();
      const s = op.attrs.get('sharding');
      if (s?.t === 'raw') annotate(cx, 'constraint', x, s.v.slice(1, -1), 'sdy');
      return [x];
    }
  }
  return opaqueOp(cx, op, env, 'no IR op of this kind');
}

function ints(cx: MappingContext, op: OpAst, ...keys: string[]): number[] {
  const v = attrInts(cx.attr(op, ...keys));
  if (!v) cx.fail(op, `${op.name} needs '${keys[0]}'`, `${keys[0]} = [...]`);
  return v;
}

function hashBody(cx: MappingContext, op: OpAst, key: string): Map<string, number[]> {
  const v = op.attrs.get(key);
  if (v?.t !== 'hash') cx.fail(op, `${op.name} needs '${key}'`, `${key} = #stablehlo...<...>`);
  return hashFields(v.body);
}

function annotate(
  cx: MappingContext,
  target: 'constraint',
  x: Value,
  text: string,
  dialect: 'sdy' | 'gspmd',
): void {
  const index = cx.constraintCount++;
  cx.annotations.push({ target, index, value: x.id, scope: cx.b.currentScope, dialect, text });
}

/** An op the IR cannot hold: a custom call named after it, with its result types (reported). */
export function opaqueOp(cx: MappingContext, op: OpAst, env: Env, reason: string): Value[] {
  const operands = op.operands.map((n) => cx.lookup(env, n, op));
  const resultTypes = op.results.map((_, i) =>
    cx.tensor(op.resultTypes[i] ?? op.resultTypes[0], op),
  );
  cx.opaque.push({ name: op.name, scope: cx.b.currentScope, line: cx.line(op), reason });
  return cx.b.op('custom_call', operands, {
    callTarget: op.name,
    resultTypes: resultTypes.map((t) => ({ shape: t.shape, dtype: t.dtype })),
  });
}

function constantOp(cx: MappingContext, op: OpAst): Value[] {
  const t = cx.tensor(op.resultTypes[0], op);
  const v = cx.attr(op, 'value', 'item0');
  if (v?.t !== 'dense') cx.fail(op, 'constant without a dense<...> value', 'dense<...>');
  const element = op.resultTypes[0]?.element ?? 'f32';
  const value = denseValues(v.v, element, shapeNumel(t.shape), cx.warn);
  const [r] = cx.b.op('constant', [], { shape: t.shape, dtype: t.dtype, value });
  if (typeof value === 'number') cx.scalarConstants.set(r.id, value);
  return [r];
}

function dotAttrs(
  cx: MappingContext,
  op: OpAst,
  xs: Value[],
  out: TensorType,
): OpAttrs['dot_general'] {
  let lb: number[] = [];
  let rb: number[] = [];
  let lc: number[];
  let rc: number[];
  const generic = op.attrs.get('dot_dimension_numbers');
  if (generic?.t === 'hash') {
    const f = hashFields(generic.body);
    lb = f.get('lhs_batching_dimensions') ?? [];
    rb = f.get('rhs_batching_dimensions') ?? [];
    lc = f.get('lhs_contracting_dimensions') ?? [];
    rc = f.get('rhs_contracting_dimensions') ?? [];
  } else {
    const pair = (key: string): [number[], number[]] | undefined => {
      const v = op.attrs.get(key);
      if (v?.t !== 'list' || v.v.length !== 2) return undefined;
      return [attrInts(v.v[0]) ?? [], attrInts(v.v[1]) ?? []];
    };
    const batch = pair('batching_dims');
    if (batch) [lb, rb] = batch;
    const contract = pair('contracting_dims');
    if (!contract)
      cx.fail(op, 'dot_general without contracting_dims', 'contracting_dims = [..] x [..]');
    [lc, rc] = contract;
  }
  const dtype: DType = out.dtype;
  return {
    lhsBatch: lb,
    rhsBatch: rb,
    lhsContract: lc,
    rhsContract: rc,
    ...(xs[0] && dtype !== xs[0].type.dtype ? { resultDtype: dtype } : {}),
  };
}

function sliceAttrs(cx: MappingContext, op: OpAst): OpAttrs['slice'] {
  const ranges = op.attrs.get('ranges');
  if (ranges?.t === 'raw') {
    const start: number[] = [];
    const limit: number[] = [];
    const strides: number[] = [];
    const body = ranges.v.slice(1, -1).trim();
    for (const part of body ? body.split(',') : []) {
      const [s, l, st] = part.split(':').map((x) => Number(x.trim()));
      start.push(s);
      limit.push(l);
      strides.push(st === undefined || Number.isNaN(st) ? 1 : st);
    }
    return { start, limit, strides };
  }
  const start = ints(cx, op, 'start_indices');
  return {
    start,
    limit: ints(cx, op, 'limit_indices'),
    strides: attrInts(op.attrs.get('strides')) ?? start.map(() => 1),
  };
}

/** `[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]`: letters and spatial indices per position. */
function convDims(cx: MappingContext, op: OpAst, text: string) {
  const m = /\[([^\]]*)\]\s*x\s*\[([^\]]*)\]\s*->\s*\[([^\]]*)\]/.exec(text);
  if (!m)
    cx.fail(
      op,
      `cannot read convolution dimension numbers '${text.slice(0, 60)}'`,
      '[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]',
    );
  const read = (s: string, a: string, b2: string) => {
    const parts = s.split(',').map((x) => x.trim());
    const spatial: number[] = [];
    parts.forEach((p, i) => {
      if (/^\d+$/.test(p)) spatial[Number(p)] = i;
    });
    return { a: parts.indexOf(a), b: parts.indexOf(b2), spatial };
  };
  return {
    input: read(m[1], 'b', 'f'),
    kernel: read(m[2], 'i', 'o'),
    output: read(m[3], 'b', 'f'),
  };
}

function convolutionOp(cx: MappingContext, op: OpAst, xs: Value[], out: TensorType): Value[] {
  const dn = op.attrs.get('dim_numbers') ?? op.attrs.get('dimension_numbers');
  const text = dn?.t === 'raw' ? dn.v : dn?.t === 'hash' ? dn.body : '';
  const d = convDims(cx, op, text);
  const ns = d.input.spatial.length;
  const win = op.attrs.get('window');
  const w = win?.t === 'dict' ? win.v : new Map();
  const ones = Array.from({ length: ns }, () => 1);
  const strides = attrInts(w.get('stride') ?? op.attrs.get('window_strides')) ?? ones;
  const padding =
    attrPairs(w.get('pad') ?? op.attrs.get('padding')) ??
    ones.map(() => [0, 0] as [number, number]);
  const lhsDil = attrInts(w.get('lhs_dilate') ?? op.attrs.get('lhs_dilation')) ?? ones;
  const rhsDil = attrInts(w.get('rhs_dilate') ?? op.attrs.get('rhs_dilation')) ?? ones;
  const reverse = attrInts(w.get('reverse') ?? op.attrs.get('window_reversal')) ?? [];
  const attrs: ConvolutionAttrs = {
    inputBatchDim: d.input.a,
    inputFeatureDim: d.input.b,
    inputSpatialDims: d.input.spatial,
    kernelInputFeatureDim: d.kernel.a,
    kernelOutputFeatureDim: d.kernel.b,
    kernelSpatialDims: d.kernel.spatial,
    outputBatchDim: d.output.a,
    outputFeatureDim: d.output.b,
    outputSpatialDims: d.output.spatial,
    windowStrides: strides,
    padding,
    lhsDilation: lhsDil,
    rhsDilation: rhsDil,
    featureGroupCount: attrNum(op.attrs.get('feature_group_count')) ?? 1,
    batchGroupCount: attrNum(op.attrs.get('batch_group_count')) ?? 1,
    ...(xs[0] && out.dtype !== xs[0].type.dtype ? { resultDtype: out.dtype } : {}),
  };
  let kernel = xs[1];
  const flipped = d.kernel.spatial.filter((_, i) => reverse[i]);
  // window reversal flips the kernel's spatial dims: an explicit reverse op says the same
  if (flipped.length) kernel = cx.b.op1('reverse', [kernel], { dims: flipped });
  return cx.b.op('convolution', [xs[0], kernel], attrs);
}

function customCallOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const target = attrStr(op.attrs.get('callee')) ?? attrStr(op.attrs.get('call_target_name')) ?? '';
  const operands = op.operands.map((n) => cx.lookup(env, n, op));
  const sharding = attrStr(op.attrs.get('mhlo.sharding'));
  if (target === 'Sharding' && operands.length === 1 && op.results.length === 1) {
    // with_sharding_constraint under GSPMD: an identity that pins a sharding
    if (sharding !== undefined) annotate(cx, 'constraint', operands[0], sharding, 'gspmd');
    return operands;
  }
  const resultTypes = op.results.map((_, i) =>
    cx.tensor(op.resultTypes[i] ?? op.resultTypes[0], op),
  );
  cx.opaque.push({
    name: `custom_call @${target}`,
    scope: cx.b.currentScope,
    line: cx.line(op),
    reason: 'custom call',
  });
  const config = attrStr(op.attrs.get('backend_config'));
  return cx.b.op('custom_call', operands, {
    callTarget: target,
    resultTypes: resultTypes.map((t) => ({ shape: t.shape, dtype: t.dtype })),
    ...(config ? { backendConfig: config } : {}),
  });
}

export { attrBool };
