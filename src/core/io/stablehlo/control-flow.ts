import type { Region, Value, ValueId } from '../../ir/program.ts';
import type { OpAst } from './ast.ts';
import { attrNum, attrStr } from './attrs.ts';
import { mapBlock } from './block.ts';
import type { Env, MappingContext } from './mapping-context.ts';
import { opaqueOp } from './op-mapping.ts';
import { reduceOp, reduceWindowOp, scatterOp, selectAndScatterOp, sortOp } from './reductions.ts';
import { freeNames, mapRegion } from './regions.ts';

const MAX_INLINE_DEPTH = 64;

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
