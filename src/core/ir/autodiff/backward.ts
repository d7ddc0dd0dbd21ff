import type { ProgramBuilder } from '../builder.ts';
import type { Func, Op, OpId, Value, ValueId } from '../program.ts';
import { typeEqual, typeToString } from '../shape.ts';
import { activeValues, relevantOps, residualOps } from './analysis.ts';
import { opsReemit } from './reemit.ts';
import { readsResults, residualOperands } from './residuals.ts';
import { softmaxGroups, softmaxVjp } from './softmax.ts';
import { vjpRuleOf } from './vjp-rules.ts';
import { vjpError, type Block, type VjpContext } from './vjp-rule.ts';
import type { SavedLoop } from './while-augment.ts';

/**
 * The reverse sweep: runs the VJP rule of every relevant op, last op first, and accumulates
 * cotangents by `add` where a value has several uses. Each rule emits at its forward op's
 * scope. `blockVjp` applies the same sweep to a closed block (a callee, a branch, a loop body)
 * after recomputing the forward values its rules read.
 */

/** What every sweep of one `gradients` call shares. */
export interface BackwardEnv {
  readonly b: ProgramBuilder;
  /** The program's functions (the callees of `call`). */
  func(name: string): Func;
  funcName(base: string): string;
  readonly memo: Map<string, string>;
}

export interface SweepOptions {
  /** Where the forward value `id` read by `op`'s rule lives now. */
  primal(op: Op, id: ValueId): Value;
  /** Runs before a rule (remat re-emits the op's group here). */
  before?(op: Op): void;
  readonly savedLoops?: ReadonlyMap<OpId, SavedLoop>;
}

/** Runs the rules of `relevant` (forward order) in reverse; `ct` holds the seeds on entry. */
export function backwardSweep(
  env: BackwardEnv,
  relevant: readonly Op[],
  active: ReadonlySet<ValueId>,
  ct: Map<ValueId, Value>,
  opts: SweepOptions,
): void {
  const { b } = env;
  const softmax = softmaxGroups(relevant);
  for (let k = relevant.length - 1; k >= 0; k--) {
    const op = relevant[k];
    const cts = op.results.map((r) => ct.get(r));
    if (cts.every((c) => c === undefined)) continue;
    const wants = op.operands.map((o) => active.has(o));
    if (!wants.some(Boolean)) continue; // e.g. the op defining a wrt value that is not an input
    opts.before?.(op);
    const group = softmax.get(op);
    if (group?.div === op && active.has(group.exp.operands[0])) {
      // the whole softmax at once; its other ops then receive no cotangent and are skipped
      const p = opts.primal(op, op.results[0]);
      b.atScope(op.scope, () =>
        ctAccumulate(b, ct, group.exp, 0, softmaxVjp(b, group, p, cts[0]!)),
      );
      continue;
    }
    const rule = vjpRuleOf({ op });
    b.atScope(op.scope, () => {
      const out = rule(ruleContext(env, op, cts, wants, opts));
      out.forEach((g, i) => {
        if (g && wants[i]) ctAccumulate(b, ct, op, i, g);
      });
    });
  }
}

function ctAccumulate(
  b: ProgramBuilder,
  ct: Map<ValueId, Value>,
  op: Op,
  i: number,
  g: Value,
): void {
  const v = op.operands[i];
  const want = b.value(v).type;
  if (!typeEqual(g.type, want))
    throw vjpError(
      op,
      `its rule gave operand ${i} a cotangent of type ${typeToString(g.type)}, the operand is ${typeToString(want)}`,
    );
  const prev = ct.get(v);
  ct.set(v, prev ? b.op1('add', [prev, g], {}) : g);
}

function ruleContext(
  env: BackwardEnv,
  op: Op,
  cts: (Value | undefined)[],
  wants: boolean[],
  opts: SweepOptions,
): VjpContext {
  const { b } = env;
  const residual = residualOperands(op);
  return {
    b,
    op,
    cts,
    wants,
    x: (i) => {
      if (!residual.includes(i))
        throw new Error(
          `the VJP rule of ${op.kind} reads operand ${i}, which residuals.ts does not list as a residual`,
        );
      return opts.primal(op, op.operands[i]);
    },
    xType: (i) => b.value(op.operands[i]).type,
    y: (i) => {
      if (!readsResults(op))
        throw new Error(
          `the VJP rule of ${op.kind} reads result ${i}, but residuals.ts says it reads no results`,
        );
      return opts.primal(op, op.results[i]);
    },
    func: (name) => env.func(name),
    blockVjp: (block, args, blockCts, blockWants) =>
      blockVjp(env, block, args, blockCts, blockWants),
    funcName: (base) => env.funcName(base),
    memo: env.memo,
    savedLoop: opts.savedLoops?.get(op.id),
  };
}

/**
 * The backward of a closed block at the builder's position: recomputes (flagged remat) the
 * forward ops whose values its rules read, from `args`, then sweeps from the yields' cotangents.
 */
export function blockVjp(
  env: BackwardEnv,
  block: Block,
  args: readonly (Value | undefined)[],
  cts: readonly (Value | undefined)[],
  wants: readonly boolean[],
): (Value | undefined)[] {
  const { b } = env;
  const typeOf = (id: ValueId) => b.value(id).type;
  const active = activeValues(
    block.ops,
    block.params.filter((_, i) => wants[i]),
    typeOf,
  );
  const ct = new Map<ValueId, Value>();
  block.yields.forEach((y, i) => {
    const g = cts[i];
    if (!g || !active.has(y)) return;
    const prev = ct.get(y);
    ct.set(y, prev ? b.op1('add', [prev, g], {}) : g);
  });
  const { relevant } = relevantOps(block.ops, active, ct.keys());
  const { ops: recompute } = residualOps(block.ops, new Set(relevant));
  const map = new Map<ValueId, Value>();
  block.params.forEach((p, i) => {
    const a = args[i];
    if (a) map.set(p, a);
  });
  const missing = (id: ValueId): never => {
    throw new Error(`blockVjp: the backward reads %${id}, a block parameter it was not given`);
  };
  const saved = b.remat;
  b.remat = true;
  try {
    opsReemit(b, recompute, map, missing, 'activation');
  } finally {
    b.remat = saved;
  }
  backwardSweep(env, relevant, active, ct, { primal: (_op, id) => map.get(id) ?? missing(id) });
  return block.params.map((p, i) => (wants[i] ? ct.get(p) : undefined));
}
