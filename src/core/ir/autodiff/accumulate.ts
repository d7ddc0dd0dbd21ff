import { ProgramBuilder } from '../builder.ts';
import { IRError } from '../errors.ts';
import type { Func, Program, ProgramMeta, Value, ValueId } from '../program.ts';
import { gradients, gradientsBuild } from './grad.ts';
import type { RematPolicy } from './remat.ts';

/** A builder holding forward + backward, with the loss and one gradient per parameter. */
export interface GradientStep {
  readonly b: ProgramBuilder;
  readonly loss: Value;
  readonly params: readonly Value[];
  readonly grads: readonly Value[];
  /** Completes the program once the caller has emitted the rest (see GradientBuild). */
  finish(built: Program): Program;
}

export function lossOutput(p: Program): ValueId {
  const out = p.outputs.find((o) => o.name === 'loss');
  if (!out)
    throw new IRError(`train step: the forward program '${p.name}' has no output named 'loss'`);
  return out.value;
}

function paramIds(p: Program): ValueId[] {
  return p.main.params.filter((id) => p.values[id].role === 'param');
}

/** Forward and backward of one batch, continued in the builder `gradients` used. */
export function gradientStep(
  forward: Program,
  remat: RematPolicy,
  meta: ProgramMeta,
): GradientStep {
  const params = paramIds(forward);
  const g = gradientsBuild(forward, params, { remat }, meta);
  const { b } = g;
  return {
    b,
    loss: b.value(lossOutput(forward)),
    params: params.map((id) => b.value(id)),
    grads: g.grads.map((id) => b.value(id)),
    finish: g.finish,
  };
}

/**
 * Gradient accumulation over K micro-batches. The forward + backward becomes a function
 * `microstep(inputs…) → (loss, grads…)`; main takes each data input with a leading
 * micro-batch dim [K, …] and runs a `while` of K trips that slices micro-batch i out of the data
 * (dynamic_slice on the leading dim), calls microstep and adds the loss and gradients into
 * carried accumulators (the loop carries the params and data: regions are closed). The loss
 * and the gradients are then the means over micro-batches, as one big batch gives when the
 * forward's loss is a mean.
 */
export function gradientStepAccumulated(
  forward: Program,
  K: number,
  remat: RematPolicy,
  meta: ProgramMeta,
): GradientStep {
  const params = paramIds(forward);
  const { program: gp, grads } = gradients(forward, params, { remat });
  const name = uniqueName(gp, 'microstep');
  const fn: Func = {
    name,
    params: gp.main.params,
    ops: gp.main.ops,
    results: [lossOutput(gp), ...grads],
  };
  const values = gp.values.slice();
  // the forward's inputs become the function's params; per-micro-batch gradients belong to no input
  for (const id of gp.main.params)
    values[id] = {
      id,
      type: values[id].type,
      name: values[id].name,
      scope: values[id].scope,
      kind: 'activation',
    };
  for (const id of grads)
    if (values[id].of !== undefined) values[id] = { ...values[id], of: undefined };
  const shell: Program = {
    ...gp,
    values,
    main: { name: 'main', params: [], ops: [], results: [] },
    funcs: new Map([...gp.funcs, [name, fn]]),
    outputs: [],
  };
  const b = ProgramBuilder.extend(shell, meta);
  const originals = forward.main.params.map((id) => forward.values[id]);
  const inputs = b.atScope('', () =>
    originals.map((v) =>
      b.input(
        v.name,
        v.role === 'data' ? [K, ...v.type.shape] : v.type.shape,
        v.type.dtype,
        v.role!,
      ),
    ),
  );
  const paramIns = inputs.filter((_, k) => originals[k].role === 'param');
  const zero = (v: Value) => b.constant(0, v.type.shape, v.type.dtype);
  const inits = [b.constant(0, [], 'i32'), b.constant(0), ...paramIns.map(zero), ...inputs];
  const types = inits.map((v) => v.type);
  const P = paramIns.length;
  const cond = b.region(types, (i) => [b.compare(i, b.constant(K, [], 'i32'), 'LT')]);
  const body = b.region(types, (i, lossAcc, ...rest) => {
    const accs = rest.slice(0, P);
    const ins = rest.slice(P);
    const args = ins.map((v, k) => (originals[k].role === 'data' ? microBatch(b, v, i) : v));
    const [loss, ...gs] = b.op('call', args, { callee: name });
    const acc = b.withPhase('backward', () => [
      b.add(lossAcc, loss),
      ...accs.map((a, k) => b.add(a, gs[k])),
    ]);
    return [b.add(i, b.constant(1, [], 'i32')), ...acc, ...ins];
  });
  const res = b.op('while', inits, { tripCount: K }, { regions: [cond, body] });
  const loss = b.op1('divide', [res[1], b.constant(K)], {}, { names: ['loss'] });
  const meanGrads = b.withPhase('backward', () =>
    paramIns.map((w, k) =>
      b.atScope(w.scope, () =>
        b.op1('divide', [res[2 + k], b.constant(K, w.type.shape, w.type.dtype)], {}, { of: w.id }),
      ),
    ),
  );
  return { b, loss, params: paramIns, grads: meanGrads, finish: (built) => built };
}

/** Micro-batch i of data stacked [K, …]. */
function microBatch(b: ProgramBuilder, data: Value, i: Value): Value {
  const shape = data.type.shape.slice(1);
  const zero = b.constant(0, [], 'i32');
  const row = b.op1('dynamic_slice', [data, i, ...shape.map(() => zero)], {
    sliceSizes: [1, ...shape],
  });
  return b.reshape(row, shape);
}

function uniqueName(p: Program, base: string): string {
  let name = base;
  for (let k = 2; p.funcs.has(name); k++) name = `${base}${k}`;
  return name;
}
