import type { OpAttrs } from '../ops.ts';
import type { Value } from '../program.ts';
import type { TensorType } from '../shape.ts';
import { indexConst, zerosOf } from './emit.ts';
import { loopAugmentedEmit, loopPlan } from './while-augment.ts';
import type { VjpContext, VjpRule } from './vjp-rule.ts';

/**
 * Control flow. Each body is a closed block, so its backward is a closed block too: it takes
 * the body's arguments and the cotangents of its results, recomputes the body's forward, and
 * returns the cotangents of the arguments (cx.blockVjp). `call` and `case` are thus
 * checkpointed at their boundary (only their arguments are kept), like jax.checkpoint.
 */

function indices(flags: readonly boolean[]): number[] {
  return flags.flatMap((f, i) => (f ? [i] : []));
}

/** Zeros where a block left a wanted cotangent structurally zero. */
function filled(
  cx: VjpContext,
  vs: readonly (Value | undefined)[],
  types: readonly TensorType[],
  which: readonly number[],
): Value[] {
  return which.map((i) => vs[i] ?? zerosOf(cx.b, types[i]));
}

/**
 * call: differentiates the callee into a new function `<callee>_vjp(args…, cts…) → arg cts`,
 * emitted once per callee and per pattern of wanted arguments and present cotangents, then calls it.
 */
export const callVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const { callee } = op.attrs as OpAttrs['call'];
  const f = cx.func(callee);
  const n = op.operands.length;
  const wanted = indices(cx.wants);
  const withCt = indices(cx.cts.map((c) => c !== undefined));
  const argTypes = op.operands.map((_, i) => cx.xType(i));
  const key = `call ${callee} ${wanted.join(',')} ${withCt.join(',')}`;
  let name = cx.memo.get(key);
  if (!name) {
    name = cx.funcName(`${callee}_vjp`);
    cx.memo.set(key, name);
    const ctTypes = withCt.map((i) => cx.cts[i]!.type);
    b.func(name, [...argTypes, ...ctTypes], (...ps) => {
      const cts = f.results.map((_, i) =>
        withCt.includes(i) ? ps[n + withCt.indexOf(i)] : undefined,
      );
      const out = cx.blockVjp(
        { params: f.params, ops: f.ops, yields: f.results },
        ps.slice(0, n),
        cts,
        cx.wants,
      );
      return filled(cx, out, argTypes, wanted);
    });
  }
  const args = op.operands.map((_, i) => cx.x(i));
  const res = b.op('call', [...args, ...withCt.map((i) => cx.cts[i]!)], { callee: name });
  return op.operands.map((_, i) => (cx.wants[i] ? res[wanted.indexOf(i)] : undefined));
};

/** case: a backward case on the same index whose branch k is the backward of branch k. */
export const caseVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const n = op.operands.length - 1;
  const argWants = cx.wants.slice(1);
  const wanted = indices(argWants);
  const withCt = indices(cx.cts.map((c) => c !== undefined));
  const argTypes = op.operands.slice(1).map((_, i) => cx.xType(i + 1));
  const ctTypes = withCt.map((i) => cx.cts[i]!.type);
  const branches = op.regions.map((r) =>
    b.region([...argTypes, ...ctTypes], (...ps) => {
      const cts = r.yields.map((_, i) =>
        withCt.includes(i) ? ps[n + withCt.indexOf(i)] : undefined,
      );
      return filled(cx, cx.blockVjp(r, ps.slice(0, n), cts, argWants), argTypes, wanted);
    }),
  );
  const args = op.operands.map((_, i) => cx.x(i));
  const res = b.op('case', [...args, ...withCt.map((i) => cx.cts[i]!)], {}, { regions: branches });
  return [undefined, ...argWants.map((w, i) => (w ? res[wanted.indexOf(i)] : undefined))];
};

/**
 * while with a known trip count T: a backward while of T iterations, counter j = 0…T−1 visiting
 * forward iteration t = T−1−j. It carries the cotangents of the plan's carried carries, the
 * stacks of saved carries and the invariant carries; each iteration reads row t of the stacks,
 * recomputes the body from it and runs the body's backward. The stacks come from the forward
 * loop augmented in place (grad.ts) or, failing that, from an augmented copy emitted here.
 */
export const whileVjp: VjpRule = (cx) => {
  const { b, op } = cx;
  const trips = (op.attrs as OpAttrs['while']).tripCount;
  const body = op.regions[1];
  if (trips === 0) return op.operands.map((_, i) => (cx.wants[i] ? cx.cts[i] : undefined));
  const typeOf = (id: number) => b.value(id).type;
  const plan =
    cx.savedLoop?.plan ??
    loopPlan(
      op,
      cx.wants,
      cx.cts.map((c) => c !== undefined),
      typeOf,
    );
  if (plan.carried.length === 0) return op.operands.map(() => undefined);
  const operands = op.operands.map((_, i) => cx.x(i));
  const stacks =
    cx.savedLoop?.stacks ??
    (plan.saved.length ? withRemat(cx, () => loopAugmentedEmit(b, op, operands, plan)) : []);
  const carryType = (i: number) => cx.xType(i);
  const ctInit = plan.carried.map((i) => cx.cts[i] ?? zerosOf(b, carryType(i)));
  const invariant = plan.invariant.map((i) => operands[i]);
  const nc = plan.carried.length;
  const ns = stacks.length;
  const types = [
    { shape: [], dtype: 'i32' } as const,
    ...ctInit.map((v) => v.type),
    ...stacks.map((v) => v.type),
    ...invariant.map((v) => v.type),
  ];
  const cond = b.region(types, (j) => [b.compare(j, indexConst(b, trips), 'LT')]);
  const loop = b.region(types, (j, ...rest) => {
    const cts = rest.slice(0, nc);
    const held = rest.slice(nc);
    const t = b.sub(indexConst(b, trips - 1), j);
    const args: (Value | undefined)[] = body.params.map(() => undefined);
    plan.saved.forEach((i, k) => {
      const shape = carryType(i).shape;
      const zero = indexConst(b, 0);
      const row = b.op1('dynamic_slice', [held[k], t, ...shape.map(() => zero)], {
        sliceSizes: [1, ...shape],
      });
      args[i] = b.reshape(row, shape);
    });
    plan.invariant.forEach((i, k) => (args[i] = held[ns + k]));
    const yieldCts = body.yields.map((_, i) =>
      plan.carried.includes(i) ? cts[plan.carried.indexOf(i)] : undefined,
    );
    const wants = body.params.map((_, i) => plan.carried.includes(i));
    const out = cx.blockVjp(body, args, yieldCts, wants);
    const next = plan.carried.map((i) => out[i] ?? zerosOf(b, carryType(i)));
    return [b.add(j, indexConst(b, 1)), ...next, ...held];
  });
  const res = b.op(
    'while',
    [indexConst(b, 0), ...ctInit, ...stacks, ...invariant],
    { tripCount: trips },
    { regions: [cond, loop] },
  );
  return op.operands.map((_, i) =>
    cx.wants[i] && plan.carried.includes(i) ? res[1 + plan.carried.indexOf(i)] : undefined,
  );
};

function withRemat<T>(cx: VjpContext, fn: () => T): T {
  const saved = cx.b.remat;
  cx.b.remat = true;
  try {
    return fn();
  } finally {
    cx.b.remat = saved;
  }
}
