import type { HostTensor } from './host-tensor.ts';
import type { Op, Program, ValueId } from './program.ts';
import { shapeEqual, shapeNumel, typeToString, type TensorType } from './shape.ts';
import {
  EvalError,
  opError,
  opLabel,
  type EvalContext,
  type OpEvaluator,
} from './interpreter/context.ts';
import { KNOWN_CUSTOM_CALLS } from './interpreter/control.ts';
import { OP_EVALUATORS } from './interpreter/registry.ts';

/**
 * The reference interpreter: runs any program of the IR on small concrete tensors. It is the
 * oracle for autodiff (finite differences) and for the sharding engine (the global program and
 * every device's SPMD program must agree), so it favours exact StableHLO semantics over speed,
 * while keeping matmuls, convolutions and reductions tight enough for a tiny training step.
 * Elements are f64 whatever the dtype; only `convert` rounds (see interpreter/dtype-cast.ts).
 * Tensors are never mutated once produced, so evaluators may share buffers (reshape does).
 */

export { EvalError, type EvalContext, type OpEvaluator } from './interpreter/context.ts';
export { OP_EVALUATORS } from './interpreter/registry.ts';
export { KNOWN_CUSTOM_CALLS } from './interpreter/control.ts';

/** A function body or a region: parameters, ops, and the values it returns. */
export interface EvalBlock {
  readonly params: readonly ValueId[];
  readonly ops: readonly Op[];
  readonly results?: readonly ValueId[];
  readonly yields?: readonly ValueId[];
}

/** Runs the program on inputs given in `p.main.params` order; returns `p.outputs` in order. */
export function evaluate(p: Program, inputs: readonly HostTensor[]): HostTensor[] {
  return evaluateWith(p, inputs, OP_EVALUATORS);
}

/** Runs a function (or any region-like block) of the program on arguments in params order. */
export function evaluateFunc(p: Program, f: EvalBlock, args: readonly HostTensor[]): HostTensor[] {
  const ctx = makeContext(p, OP_EVALUATORS);
  return runBlock(
    f.params,
    f.ops,
    f.results ?? f.yields ?? [],
    args,
    OP_EVALUATORS,
    ctx,
    'function',
  );
}

/**
 * `evaluate` with another evaluator registry (the SPMD interpreter adds collectives) and extra
 * context fields, which every evaluator and every nested region sees. `program` and
 * `runRegion` are always this run's own; `customCalls` adds to KNOWN_CUSTOM_CALLS. Note that
 * scalar regions that are one binary op or compare (reduce combiners, sort comparators) run as
 * built-in scalar functions, not through `evaluators`.
 */
export function evaluateWith<C extends EvalContext = EvalContext>(
  p: Program,
  inputs: readonly HostTensor[],
  evaluators: Readonly<Record<string, OpEvaluator>>,
  ctx?: Partial<C>,
): HostTensor[] {
  const context = makeContext(p, evaluators, ctx);
  const outputs = p.outputs.map((o) => o.value);
  return runBlock(
    p.main.params,
    p.main.ops,
    outputs,
    inputs,
    evaluators,
    context,
    `program '${p.name}'`,
  );
}

function makeContext(
  p: Program,
  evaluators: Readonly<Record<string, OpEvaluator>>,
  extra?: Partial<EvalContext>,
): EvalContext {
  const ctx: EvalContext = {
    ...extra,
    customCalls: { ...KNOWN_CUSTOM_CALLS, ...extra?.customCalls },
    program: p,
    runRegion: (r, args) => runBlock(r.params, r.ops, r.yields, args, evaluators, ctx, 'region'),
  };
  return ctx;
}

function describe(t: HostTensor | TensorType): string {
  return typeToString({ shape: t.shape, dtype: t.dtype });
}

/** Arguments must match the declared parameter types exactly (shape, dtype, element count). */
function checkArgs(
  p: Program,
  params: readonly ValueId[],
  args: readonly HostTensor[],
  what: string,
): void {
  if (args.length !== params.length)
    throw new EvalError(`${what} takes ${params.length} arguments, got ${args.length}`);
  params.forEach((id, i) => {
    const v = p.values[id];
    const a = args[i];
    const label = v.name ? `argument ${i} ('${v.name}')` : `argument ${i}`;
    if (!shapeEqual(a.shape, v.type.shape) || a.dtype !== v.type.dtype)
      throw new EvalError(
        `${what}: ${label} is ${describe(a)} but the parameter is ${describe(v.type)}`,
      );
    if (a.data.length !== shapeNumel(a.shape))
      throw new EvalError(
        `${what}: ${label} holds ${a.data.length} elements for shape ${describe(a)}`,
      );
  });
}

/** What an evaluator returned must be what the program declares for the op's results. */
function checkResults(op: Op, results: readonly HostTensor[], ctx: EvalContext): void {
  if (!Array.isArray(results) || results.length !== op.results.length)
    throw opError(
      op,
      `evaluator returned ${results?.length} results, the op has ${op.results.length}`,
    );
  results.forEach((r, i) => {
    const t = ctx.program.values[op.results[i]].type;
    if (
      !shapeEqual(r.shape, t.shape) ||
      r.dtype !== t.dtype ||
      r.data.length !== shapeNumel(t.shape)
    )
      throw opError(
        op,
        `evaluator produced ${describe(r)} (${r.data.length} elements) for result ${i}, declared ${describe(t)}`,
      );
  });
}

/**
 * Gives an error to the op it escaped from: errors of this op pass as they are, errors of a
 * nested op get this op appended to their trail, anything else is wrapped with this op's name.
 */
function attribute(e: unknown, op: Op): unknown {
  if (e instanceof EvalError && e.where) {
    if (e.where.opId === op.id) return e;
    return new EvalError(`${e.message}\n  inside ${opLabel(op)}`, e.where, { cause: e.cause });
  }
  if (e instanceof Error) {
    const err = opError(op, e instanceof EvalError ? e.message : `evaluator failed: ${e.message}`);
    return new EvalError(err.message, err.where, { cause: e });
  }
  return e;
}

function runBlock(
  params: readonly ValueId[],
  ops: readonly Op[],
  yields: readonly ValueId[],
  args: readonly HostTensor[],
  evaluators: Readonly<Record<string, OpEvaluator>>,
  ctx: EvalContext,
  what: string,
): HostTensor[] {
  const p = ctx.program;
  checkArgs(p, params, args, what);
  const env = new Map<ValueId, HostTensor>();
  params.forEach((v, i) => env.set(v, args[i]));
  for (const op of ops) {
    const ev = evaluators[op.kind];
    if (!ev) throw opError(op, `no evaluator is registered for kind '${op.kind}'`);
    const opArgs = op.operands.map((v, i) => {
      const t = env.get(v);
      if (!t)
        throw opError(op, `operand ${i} (%${v}) is not defined in this block (regions are closed)`);
      return t;
    });
    let results: HostTensor[];
    try {
      results = ev(op, opArgs, ctx);
    } catch (e) {
      throw attribute(e, op);
    }
    checkResults(op, results, ctx);
    op.results.forEach((v, i) => env.set(v, results[i]));
    ctx.onOp?.(op, opArgs, results);
  }
  return yields.map((v) => {
    const t = env.get(v);
    if (!t) throw new EvalError(`${what} returns %${v}, which it does not define`);
    return t;
  });
}
