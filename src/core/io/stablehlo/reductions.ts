import type { Region, Value } from '../../ir/program.ts';
import type { TensorType } from '../../ir/shape.ts';
import type { OpAst } from './ast.ts';
import { attrBool, attrInts, attrNum, attrPairs, attrStr, hashFields } from './attrs.ts';
import { putAlongAxisAdd, sortedUnion, unbatchIndices } from './batching.ts';
import type { Env, MappingContext } from './mapping-context.ts';
import { opaqueOp } from './op-mapping.ts';
import { mapRegion, scalarOf } from './regions.ts';

const COMBINERS = new Set(['add', 'maximum', 'minimum', 'multiply', 'and', 'or']);

function combinerRegion(cx: MappingContext, op: OpAst, env: Env, dtypeOf: TensorType): Region {
  const applies = attrStr(op.attrs.get('applies'));
  if (applies) {
    const kind = applies.replace(/^stablehlo\./, '');
    if (!COMBINERS.has(kind))
      cx.fail(op, `reduction with ${applies}`, 'add, maximum, minimum, multiply, and, or');
    return cx.b.combiner(dtypeOf.dtype, kind as 'add');
  }
  const r = op.regions[0];
  if (!r) cx.fail(op, `${op.name} without a body`, 'a reducer region or applies');
  const s = scalarOf(dtypeOf);
  return mapRegion(
    cx,
    r,
    [s, s],
    r.args.map((a) => a.name),
    env,
    true,
  );
}

/** Inputs and inits of a reduce-like op: `(%x init: %c)` keeps inits apart; generic lists both. */
function inputsAndInits(
  cx: MappingContext,
  op: OpAst,
  env: Env,
): { inputs: Value[]; inits: Value[] } {
  const all = op.operands.map((n) => cx.lookup(env, n, op));
  const inits = op.attrs.get('inits');
  if (inits?.t === 'list')
    return { inputs: all, inits: inits.v.map((v) => cx.lookup(env, attrStr(v) ?? '', op)) };
  const half = all.length / 2;
  return { inputs: all.slice(0, half), inits: all.slice(half) };
}

export function reduceOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const { inputs, inits } = inputsAndInits(cx, op, env);
  const dims = attrInts(op.attrs.get('dimensions'));
  if (!dims) cx.fail(op, 'reduce without dimensions', 'across dimensions = [...]');
  if (inputs.length === 2 && inits.length === 2) {
    const arg = argMinMax(cx, op, inputs, inits, dims);
    if (arg) return arg;
  }
  if (inputs.length !== 1 || inits.length !== 1)
    return opaqueOp(cx, op, env, 'a reduce over several inputs (argmax-like)');
  const region = combinerRegion(cx, op, env, inputs[0].type);
  return cx.b.op('reduce', [inputs[0], inits[0]], { dims }, { regions: [region] });
}

/**
 * JAX's argmax / argmin: a reduce over (values, iota along the reduced dim) whose body picks the
 * greater (lesser) value and, on ties, the smaller index. Written with single-input reduces:
 * m = max(x); index = min(select(x == m, iota, big)). The same numbers except where x holds NaN
 * (JAX picks the NaN). Undefined when the op does not have that shape.
 */
function argMinMax(
  cx: MappingContext,
  op: OpAst,
  inputs: readonly Value[],
  inits: readonly Value[],
  dims: readonly number[],
): Value[] | undefined {
  const [x, iota] = inputs;
  if (dims.length !== 1 || cx.iotaDims.get(iota.id) !== dims[0]) return undefined;
  const body = op.regions[0];
  if (!body || body.args.length !== 4) return undefined;
  const [lhs, , rhs] = body.args.map((a) => a.name);
  const cmp = body.ops.find(
    (o) => o.name === 'stablehlo.compare' && o.operands[0] === lhs && o.operands[1] === rhs,
  );
  const enums = cmp?.attrs.get('enums');
  const dir = enums?.t === 'list' ? attrStr(enums.v[0]) : undefined;
  const kind =
    dir === 'GT' || dir === 'GE' ? 'maximum' : dir === 'LT' || dir === 'LE' ? 'minimum' : undefined;
  if (!kind) return undefined;
  const b = cx.b;
  const d = dims[0];
  const m = b.op1(
    'reduce',
    [x, inits[0]],
    { dims: [d] },
    { regions: [b.combiner(x.type.dtype, kind)] },
  );
  const keep = x.type.shape.map((_, i) => i).filter((i) => i !== d);
  const mb = b.op1('broadcast_in_dim', [m], { shape: x.type.shape, dims: keep });
  const hit = b.op1('compare', [x, mb], { direction: 'EQ' });
  const big = b.constant(2 ** 31 - 1, [], iota.type.dtype);
  const bigB = b.op1('broadcast_in_dim', [big], { shape: iota.type.shape, dims: [] });
  const candidates = b.op1('select', [hit, iota, bigB], {});
  const index = b.op1(
    'reduce',
    [candidates, big],
    { dims: [d] },
    { regions: [b.combiner(iota.type.dtype, 'minimum')] },
  );
  return [m, index];
}

export function reduceWindowOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const { inputs, inits } = inputsAndInits(cx, op, env);
  if (inputs.length !== 1) return opaqueOp(cx, op, env, 'a reduce_window over several inputs');
  const x = inputs[0];
  const r = x.type.shape.length;
  const ones = Array.from({ length: r }, () => 1);
  const region = combinerRegion(cx, op, env, x.type);
  return cx.b.op(
    'reduce_window',
    [x, inits[0]],
    {
      windowDimensions: attrInts(op.attrs.get('window_dimensions')) ?? ones,
      windowStrides: attrInts(op.attrs.get('window_strides')) ?? ones,
      padding: attrPairs(op.attrs.get('padding')) ?? ones.map(() => [0, 0] as [number, number]),
      baseDilations: attrInts(op.attrs.get('base_dilations')) ?? ones,
      windowDilations: attrInts(op.attrs.get('window_dilations')) ?? ones,
    },
    { regions: [region] },
  );
}

export function scatterOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const xs = op.operands.map((n) => cx.lookup(env, n, op));
  if (xs.length !== 3) return opaqueOp(cx, op, env, 'a scatter over several inputs');
  const dn = op.attrs.get('scatter_dimension_numbers');
  const f = dn?.t === 'hash' ? hashFields(dn.body) : new Map<string, number[]>();
  const [x, , upd] = xs;
  let idx = xs[1];
  let indexVectorDim = f.get('index_vector_dim')?.[0] ?? 0;
  let toOperand = f.get('scatter_dims_to_operand_dims') ?? [];
  let inserted = f.get('inserted_window_dims') ?? [];
  const ib = f.get('input_batching_dims') ?? [];
  const region = combinerRegion(cx, op, env, x.type);
  const along = ib.length ? putAlongAxisAdd(cx, x, idx, upd, f, region) : undefined;
  if (along) return [along];
  if (ib.length) {
    // see batching.ts: batching dims become explicit indices and inserted window dims
    ({ indices: idx, indexVectorDim } = unbatchIndices(
      cx,
      idx,
      indexVectorDim,
      f.get('scatter_indices_batching_dims') ?? [],
    ));
    toOperand = [...ib, ...toOperand];
    inserted = sortedUnion(inserted, ib);
  }
  return cx.b.op(
    'scatter',
    [x, idx, upd],
    {
      updateWindowDims: f.get('update_window_dims') ?? [],
      insertedWindowDims: inserted,
      scatterDimsToOperandDims: toOperand,
      indexVectorDim,
    },
    { regions: [region] },
  );
}

export function sortOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const xs = op.operands.map((n) => cx.lookup(env, n, op));
  const r = op.regions[0];
  if (!r) cx.fail(op, 'sort without a comparator', 'a comparator region');
  const params = xs.flatMap((x) => [scalarOf(x.type), scalarOf(x.type)]);
  const region = mapRegion(
    cx,
    r,
    params,
    r.args.map((a) => a.name),
    env,
    true,
  );
  return cx.b.op(
    'sort',
    xs,
    {
      dimension: attrNum(op.attrs.get('dimension')) ?? 0,
      isStable: attrBool(op.attrs.get('is_stable')) ?? false,
    },
    { regions: [region] },
  );
}

export function selectAndScatterOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const xs = op.operands.map((n) => cx.lookup(env, n, op));
  if (op.regions.length !== 2 || xs.length !== 3)
    return opaqueOp(cx, op, env, 'select_and_scatter without two regions');
  const s = scalarOf(xs[0].type);
  const regions = op.regions.map((r) =>
    mapRegion(
      cx,
      r,
      [s, s],
      r.args.map((a) => a.name),
      env,
      true,
    ),
  );
  const rank = xs[0].type.shape.length;
  const ones = Array.from({ length: rank }, () => 1);
  return cx.b.op(
    'select_and_scatter',
    xs,
    {
      windowDimensions: attrInts(op.attrs.get('window_dimensions')) ?? ones,
      windowStrides: attrInts(op.attrs.get('window_strides')) ?? ones,
      padding: attrPairs(op.attrs.get('padding')) ?? ones.map(() => [0, 0] as [number, number]),
    },
    { regions },
  );
}
