import type { OpAttrs } from '../ops.ts';
import type { Region } from '../program.ts';
import { expectArgCount, fail, resultType, type OpEvaluator } from './context.ts';

/**
 * Control flow and calls. Regions are closed, so each runs on exactly the values passed in.
 */

/**
 * while runs its body exactly `tripCount` times (the IR's promise, which the simulator and the
 * sharding engine rely on), and checks the promise against cond: true before every iteration,
 * false after the last.
 */
export const evalWhile: OpEvaluator = (op, args, ctx) => {
  const { tripCount } = op.attrs as OpAttrs['while'];
  const [cond, body] = op.regions;
  if (!cond || !body) fail(op, 'needs a cond and a body region');
  let carried = [...args];
  const test = () => ctx.runRegion(cond, carried)[0].data[0] !== 0;
  for (let i = 0; i < tripCount; i++) {
    if (!test()) fail(op, `cond is false before iteration ${i}, but tripCount is ${tripCount}`);
    carried = ctx.runRegion(body, carried);
  }
  if (test()) fail(op, `cond is still true after ${tripCount} iterations (tripCount)`);
  return carried;
};

/** An out-of-range index (negative or too large) picks the last branch, as StableHLO says. */
export const evalCase: OpEvaluator = (op, args, ctx) => {
  if (args.length < 1) fail(op, 'expects an index argument');
  const n = op.regions.length;
  if (n === 0) fail(op, 'has no branches');
  const i = Math.trunc(args[0].data[0]);
  const branch = i >= 0 && i < n ? i : n - 1;
  return ctx.runRegion(op.regions[branch], args.slice(1));
};

export const evalCall: OpEvaluator = (op, args, ctx) => {
  const { callee } = op.attrs as OpAttrs['call'];
  const f = ctx.program.funcs.get(callee);
  if (!f) fail(op, `calls @${callee}, which the program does not define`);
  const body: Region = { params: f.params, ops: f.ops, yields: f.results };
  return ctx.runRegion(body, args);
};

/** custom_call is opaque unless its target is in the context's registry. */
export const evalCustomCall: OpEvaluator = (op, args, ctx) => {
  const { callTarget } = op.attrs as OpAttrs['custom_call'];
  const registry = ctx.customCalls ?? KNOWN_CUSTOM_CALLS;
  const target = registry[callTarget];
  if (!target) {
    const known = Object.keys(registry);
    fail(
      op,
      `target '${callTarget}' is opaque to the interpreter (known targets: ${known.length ? known.join(', ') : 'none'})`,
    );
  }
  return target(op, args, ctx);
};

/**
 * Targets whose meaning is known. `Sharding` is how JAX exports with_sharding_constraint: on
 * the global program it is the identity.
 */
export const KNOWN_CUSTOM_CALLS: Readonly<Record<string, OpEvaluator>> = {
  Sharding: (op, args, ctx) => {
    expectArgCount(op, args, 1);
    const t = resultType(op, ctx);
    return [{ shape: t.shape, dtype: t.dtype, data: args[0].data }];
  },
};
