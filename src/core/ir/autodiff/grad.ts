import { ProgramBuilder } from '../builder.ts';
import { IRError } from '../errors.ts';
import type { OpAttrs } from '../ops.ts';
import type { Op, OpId, Program, ProgramMeta, Value, ValueId } from '../program.ts';
import { typeToString } from '../shape.ts';
import { activeValues, relevantOps } from './analysis.ts';
import { backwardSweep, type BackwardEnv } from './backward.ts';
import { zerosOf } from './emit.ts';
import { rematSchedule, type RematPolicy } from './remat.ts';
import { loopAugmentInPlace, loopPlan, type LoopInPlace, type SavedLoop } from './while-augment.ts';

export type { RematPolicy } from './remat.ts';

/**
 * Appends the backward pass to a program whose output named `loss` is an f32 scalar; returns
 * the program plus, per requested input, the value id of d(loss)/d(input).
 *
 * Only values on a path from `wrt` to the loss get cotangents; backward ops have phase
 * 'backward' and the scope of the forward op they come from; gradients of program inputs have
 * kind 'gradient' and `of` = the input. Forward ops are kept as they are, except that each
 * differentiated `while` of main is augmented in place to save its carries per iteration.
 * Linear in the size of the program.
 */
export function gradients(
  p: Program,
  wrt: readonly ValueId[],
  opts: { remat?: RematPolicy } = {},
): { program: Program; grads: ValueId[] } {
  const g = gradientsBuild(p, wrt, opts);
  const built = g.finish(g.b.build());
  const program: Program = {
    ...built,
    main: { ...built.main, results: p.outputs.map((o) => o.value) },
    outputs: p.outputs,
  };
  return { program, grads: [...g.grads] };
}

/** The backward pass still in its builder, for callers that continue it (the train step). */
export interface GradientBuild {
  readonly b: ProgramBuilder;
  readonly grads: readonly ValueId[];
  /** Completes a program built from `b`: gradient tags, loops augmented in place, meta.remat. */
  finish(built: Program): Program;
}

export function gradientsBuild(
  p: Program,
  wrt: readonly ValueId[],
  opts: { remat?: RematPolicy } = {},
  meta: ProgramMeta = p.meta,
): GradientBuild {
  const policy = opts.remat ?? 'none';
  const loss = lossValue(p);
  const b = ProgramBuilder.extend(p, { ...meta, remat: policy });
  const typeOf = (id: ValueId) => p.values[id].type;
  const active = activeValues(p.main.ops, wrt, typeOf);
  const { relevant, needed } = relevantOps(p.main.ops, active, [loss.id]);
  const loops = loopsCheckpointed(b, relevant, active, needed);
  const schedule = rematSchedule(b, policy, p.main.ops, new Set(relevant));
  const env = backwardEnv(b, p);
  const ct = new Map<ValueId, Value>();
  const grads = b.withPhase('backward', () => {
    if (active.has(loss.id))
      ct.set(
        loss.id,
        b.atScope(loss.scope, () => b.constant(1, [], 'f32')),
      );
    backwardSweep(env, relevant, active, ct, {
      primal: schedule.primal,
      before: schedule.before,
      savedLoops: loops.saved,
    });
    return gradValues(b, p, wrt, ct);
  });
  const finish = (built: Program): Program => {
    const values = built.values.slice();
    for (const [id, of] of grads.tags) values[id] = { ...values[id], of };
    for (const l of loops.inPlace.values())
      for (const v of l.extraResults)
        values[v.id] = { ...values[v.id], def: l.op.id, kind: 'activation', scope: l.op.scope };
    const ops: Op[] = [];
    built.main.ops.forEach((op, k) => {
      const l = k < p.main.ops.length ? loops.inPlace.get(op.id) : undefined;
      if (l) ops.push(...l.before, l.op);
      else ops.push(op);
    });
    return { ...built, values, main: { ...built.main, ops } };
  };
  return { b, grads: grads.ids, finish };
}

function lossValue(p: Program): Value {
  const out = p.outputs.find((o) => o.name === 'loss');
  if (!out)
    throw new IRError(
      `gradients: program '${p.name}' has no output named 'loss' (outputs: ${p.outputs.map((o) => `'${o.name}'`).join(', ') || 'none'})`,
    );
  const v = p.values[out.value];
  if (v.type.dtype !== 'f32' || v.type.shape.length !== 0)
    throw new IRError(
      `gradients: the loss of program '${p.name}' must be an f32 scalar, it is ${typeToString(v.type)}`,
    );
  return v;
}

function backwardEnv(b: ProgramBuilder, p: Program): BackwardEnv {
  const names = new Set(p.funcs.keys());
  return {
    b,
    func: (name) => {
      const f = p.funcs.get(name);
      if (!f) throw new IRError(`gradients: call to unknown function @${name}`);
      return f;
    },
    funcName: (base) => {
      let name = base;
      for (let k = 2; names.has(name); k++) name = `${base}${k}`;
      names.add(name);
      return name;
    },
    memo: new Map(),
  };
}

/**
 * The gradient of each wrt value (zeros where no cotangent reached it), and the `of` tags for
 * inputs. A value that is already the gradient of another input gets a copy of its own (a
 * same-shape reshape), so every gradient names exactly one input.
 */
function gradValues(
  b: ProgramBuilder,
  p: Program,
  wrt: readonly ValueId[],
  ct: Map<ValueId, Value>,
): { ids: ValueId[]; tags: Map<ValueId, ValueId> } {
  const inputs = new Set(p.main.params);
  const tags = new Map<ValueId, ValueId>();
  const ids = wrt.map((w) => {
    const x = p.values[w];
    return b.atScope(x.scope, () => {
      const g = ct.get(w) ?? zerosOf(b, x.type);
      if (!inputs.has(w)) return g.id;
      if (!tags.has(g.id) && g.kind === 'gradient') {
        tags.set(g.id, w);
        return g.id;
      }
      return b.op1('reshape', [g], { shape: [...g.type.shape] }, { of: w }).id;
    });
  });
  return { ids, tags };
}

interface LoopsCheckpointed {
  readonly inPlace: ReadonlyMap<OpId, LoopInPlace>;
  readonly saved: ReadonlyMap<OpId, SavedLoop>;
}

/** Augments every differentiated `while` of main in place (forward phase, at its scope). */
function loopsCheckpointed(
  b: ProgramBuilder,
  relevant: readonly Op[],
  active: ReadonlySet<ValueId>,
  needed: ReadonlySet<ValueId>,
): LoopsCheckpointed {
  const inPlace = new Map<OpId, LoopInPlace>();
  const saved = new Map<OpId, SavedLoop>();
  const typeOf = (id: ValueId) => b.value(id).type;
  for (const op of relevant) {
    if (op.kind !== 'while' || (op.attrs as OpAttrs['while']).tripCount === 0) continue;
    const plan = loopPlan(
      op,
      op.operands.map((o) => active.has(o)),
      op.results.map((r) => needed.has(r)),
      typeOf,
    );
    if (plan.carried.length === 0) continue;
    if (plan.saved.length === 0) {
      saved.set(op.id, { plan, stacks: [] });
      continue;
    }
    const l = b.withPhase('forward', () =>
      b.atScope(op.scope, () => loopAugmentInPlace(b, op, plan)),
    );
    inPlace.set(op.id, l);
    saved.set(op.id, l.saved);
  }
  return { inPlace, saved };
}
