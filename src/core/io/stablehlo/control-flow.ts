import type { Region, Value, ValueId } from '../../ir/program.ts';
import { tensorType, type TensorType } from '../../ir/shape.ts';
import type { OpAst, RegionAst } from './ast.ts';
import { attrBool, attrInts, attrNum, attrPairs, attrStr, hashFields } from './attrs.ts';
import { mapBlock } from './block.ts';
import type { Env, MappingContext } from './mapping-context.ts';
import { opaqueOp } from './op-mapping.ts';
import { sortedUnion, unbatchIndices } from './batching.ts';

const MAX_INLINE_DEPTH = 64;
const COMBINERS = new Set(['add', 'maximum', 'minimum', 'multiply', 'and', 'or']);

/** Ops with regions or callees; undefined for every other op. */
export function mapControlOp(
  cx: MappingContext,
  op: OpAst,
  env: Env,
  scope: string,
): Value[] | undefined {
  switch (op.name) {
    case 'func.call':
      return inlineCall(cx, op, env, scope);
    case 'stablehlo.while':
      return whileOp(cx, op, env);
    case 'stablehlo.case':
    case 'stablehlo.if':
      return caseOp(cx, op, env);
    case 'stablehlo.reduce':
      return reduceOp(cx, op, env);
    case 'stablehlo.reduce_window':
      return reduceWindowOp(cx, op, env);
    case 'stablehlo.scatter':
      return scatterOp(cx, op, env);
    case 'stablehlo.sort':
      return sortOp(cx, op, env);
    case 'stablehlo.select_and_scatter':
      return selectAndScatterOp(cx, op, env);
  }
  if (op.regions.length && !op.name.startsWith('stablehlo.custom_call'))
    return opaqueOp(cx, op, env, 'an op with regions the IR does not hold');
  return undefined;
}

/**
 * Calls are inlined: JAX's private functions are small helpers (relu, _where, closed_call), and
 * inlined ops take the caller's scope, so tactics and the graph see one flat structure.
 */
function inlineCall(cx: MappingContext, op: OpAst, env: Env, scope: string): Value[] {
  const callee = attrStr(op.attrs.get('callee'));
  const f = callee === undefined ? undefined : cx.funcs.get(callee);
  if (!f)
    return cx.fail(
      op,
      `call of unknown function @${callee ?? '?'}`,
      'a function defined in the module',
    );
  if (cx.inlineDepth >= MAX_INLINE_DEPTH)
    cx.fail(op, `calls nest deeper than ${MAX_INLINE_DEPTH} (recursion?)`, 'non-recursive calls');
  const args = op.operands.map((n) => cx.lookup(env, n, op));
  if (args.length !== f.body.args.length)
    cx.fail(
      op,
      `@${f.name} takes ${f.body.args.length} arguments, the call passes ${args.length}`,
      `${f.body.args.length} arguments`,
    );
  const inner: Env = { vars: new Map(), closed: true };
  f.body.args.forEach((a, i) => inner.vars.set(a.name, args[i]));
  const phase = cx.b.phase;
  cx.inlineDepth++;
  try {
    return mapBlock(cx, f.body.ops, inner, scope, phase);
  } finally {
    cx.inlineDepth--;
    cx.b.replaceScope(scope);
    cx.b.phase = phase;
  }
}

/** Names used in the regions but defined outside them (StableHLO regions may read outer values). */
function freeNames(regions: readonly RegionAst[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (r: RegionAst, defined: Set<string>) => {
    const local = new Set(defined);
    for (const a of r.args) local.add(a.name);
    for (const o of r.ops) {
      for (const n of o.operands)
        if (!local.has(n) && !seen.has(n)) {
          seen.add(n);
          out.push(n);
        }
      for (const sub of o.regions) visit(sub, local);
      for (const res of o.results) local.add(res);
    }
  };
  for (const r of regions) visit(r, new Set());
  return out;
}

/** Maps a region's ops as a closed IR region over the given parameters. */
function mapRegion(
  cx: MappingContext,
  r: RegionAst,
  paramTypes: readonly TensorType[],
  bindNames: readonly string[],
  parent: Env | undefined,
  closed: boolean,
): Region {
  const scope = cx.b.currentScope;
  const phase = cx.b.phase;
  return cx.b.region(paramTypes, (...params) => {
    const env: Env = { vars: new Map(), parent, closed };
    bindNames.forEach((n, i) => env.vars.set(n, params[i]));
    const ys = mapBlock(cx, r.ops, env, scope, phase);
    cx.b.replaceScope(scope);
    cx.b.phase = phase;
    return ys;
  });
}

function scalarOf(t: TensorType): TensorType {
  return tensorType([], t.dtype);
}

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

function reduceOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
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

function reduceWindowOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
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

function scatterOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
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
  const region = combinerRegion(cx, op, env, x.type);
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

function sortOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
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

function selectAndScatterOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
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

/**
 * while: outer values the regions read become extra loop-carried values (the IR's regions are
 * closed), yielded unchanged by the body. The trip count is recovered from JAX's loop pattern.
 */
function whileOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const inits = op.operands.map((n) => cx.lookup(env, n, op));
  if (op.regions.length !== 2)
    cx.fail(op, 'while needs a cond and a body region', 'cond { ... } do { ... }');
  const [condAst, bodyAst] = op.regions;
  const iterNames = condAst.args.map((a) => a.name);
  const bodyNames = bodyAst.args.map((a) => a.name);
  const free = freeNames([condAst, bodyAst]).filter(
    (n) => !iterNames.includes(n) && !bodyNames.includes(n),
  );
  const captured = free.map((n) => cx.lookup(env, n, op));
  const all = [...inits, ...captured];
  const types = all.map((v) => v.type);
  const cond = mapRegion(cx, condAst, types, [...iterNames, ...free], undefined, true);
  const body = cx.b.region(types, (...params) => {
    const e: Env = { vars: new Map(), closed: true };
    bodyNames.forEach((n, i) => e.vars.set(n, params[i]));
    free.forEach((n, i) => e.vars.set(n, params[inits.length + i]));
    const scope = cx.b.currentScope;
    const phase = cx.b.phase;
    const ys = mapBlock(cx, bodyAst.ops, e, scope, phase);
    cx.b.replaceScope(scope);
    cx.b.phase = phase;
    return [...ys, ...params.slice(inits.length)];
  });
  // shardlab's own exports carry the count; JAX's loops give it by their counter pattern
  let tripCount = attrNum(op.attrs.get('shardlab.trip_count')) ?? tripCountOf(cx, cond, body, all);
  if (tripCount === undefined) {
    cx.tripCountsAssumed.push(
      `while at line ${cx.line(op)}${cx.b.currentScope ? ` in ${cx.b.currentScope}` : ''}`,
    );
    cx.warn(`while at line ${cx.line(op)}: trip count not recognised; assumed 1`);
    tripCount = 1;
  }
  const results = cx.b.op('while', all, { tripCount }, { regions: [cond, body] });
  return results.slice(0, inits.length);
}

/**
 * JAX's counted loops: cond is `compare LT, %i, C` (or LE/GT/GE/NE) on a loop-carried counter
 * whose initial value is a constant and which the body advances by a constant step.
 */
function tripCountOf(
  cx: MappingContext,
  cond: Region,
  body: Region,
  inits: readonly Value[],
): number | undefined {
  const cmp = cond.ops.find((o) => o.results[0] === cond.yields[0]);
  if (!cmp || cmp.kind !== 'compare') return undefined;
  const dir = (cmp.attrs as { direction: string }).direction;
  const constOf = (id: ValueId): number | undefined => {
    const c = cx.scalarConstants.get(id);
    if (c !== undefined) return c;
    const k = cond.params.indexOf(id);
    // a carried bound: constant on entry and passed through unchanged
    if (k >= 0 && body.yields[k] === body.params[k]) return cx.scalarConstants.get(inits[k].id);
    return undefined;
  };
  let [a, c] = cmp.operands;
  let direction = dir;
  let j = cond.params.indexOf(a);
  if (j < 0 || constOf(a) !== undefined) {
    [a, c] = [c, a];
    j = cond.params.indexOf(a);
    direction = (
      { LT: 'GT', GT: 'LT', LE: 'GE', GE: 'LE', EQ: 'EQ', NE: 'NE' } as Record<string, string>
    )[dir];
  }
  if (j < 0) return undefined;
  const limit = constOf(c);
  const start = cx.scalarConstants.get(inits[j].id);
  const step = stepOf(cx, body, j);
  if (limit === undefined || start === undefined || step === undefined || step === 0)
    return undefined;
  const span = limit - start;
  let n: number;
  if (direction === 'LT') n = Math.ceil(span / step);
  else if (direction === 'LE') n = Math.floor(span / step) + 1;
  else if (direction === 'GT') n = Math.ceil(-span / -step);
  else if (direction === 'GE') n = Math.floor(-span / -step) + 1;
  else if (direction === 'NE') n = span / step;
  else return undefined;
  return Number.isInteger(n) && n >= 0
    ? n
    : Number.isFinite(n)
      ? Math.max(0, Math.round(n))
      : undefined;
}

function stepOf(cx: MappingContext, body: Region, j: number): number | undefined {
  const y = body.yields[j];
  const add = body.ops.find((o) => o.results[0] === y);
  if (!add) return undefined;
  const [p, q] = add.operands;
  const sign = add.kind === 'add' ? 1 : add.kind === 'subtract' ? -1 : 0;
  if (!sign) return undefined;
  if (p === body.params[j] && cx.scalarConstants.has(q)) return sign * cx.scalarConstants.get(q)!;
  if (sign === 1 && q === body.params[j] && cx.scalarConstants.has(p))
    return cx.scalarConstants.get(p)!;
  return undefined;
}

/** case / if: outer values the branches read become the op's operands and the branches' params. */
function caseOp(cx: MappingContext, op: OpAst, env: Env): Value[] {
  const [index] = op.operands.map((n) => cx.lookup(env, n, op));
  if (!index) cx.fail(op, `${op.name} without an index`, 'an index operand');
  const free = freeNames(op.regions);
  const captured = free.map((n) => cx.lookup(env, n, op));
  let idx = index;
  if (op.name === 'stablehlo.if') {
    // if(pred) {true} else {false} == case(pred ? 0 : 1)
    idx = cx.b.op1('select', [index, cx.b.constant(0, [], 'i32'), cx.b.constant(1, [], 'i32')], {});
  } else if (index.type.dtype !== 'i32' && index.type.dtype !== 'i64')
    idx = cx.b.convert(index, 'i32');
  const regions = op.regions.map((r) =>
    mapRegion(
      cx,
      r,
      captured.map((v) => v.type),
      free,
      undefined,
      true,
    ),
  );
  return cx.b.op('case', [idx, ...captured], {}, { regions });
}
