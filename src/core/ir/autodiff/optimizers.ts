import type { ProgramBuilder } from '../builder.ts';
import { IRError } from '../errors.ts';
import type { Value } from '../program.ts';

/**
 * Optimizer updates, emitted as ops of phase 'optimizer' (values of kind 'update'; each new
 * parameter or state value has `of` = the input it replaces). The arithmetic is in f32 whatever
 * the parameter dtype; optimizer state is f32.
 * - sgd:   w ← w − lr·(g + λw)                          (λ: weightDecay, L2, default 0)
 * - adam:  m ← β₁m + (1−β₁)g', v ← β₂v + (1−β₂)g'², t ← t + 1, g' = g + λw (L2, default 0),
 *          w ← w − lr·m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
 * - adamw: adam with g' = g and decoupled decay: w ← w − lr·(m̂/(√v̂ + ε) + λw), λ default 0.01
 * State inputs: `opt/m/<param>` and `opt/v/<param>` per parameter, then the step count `opt/step`
 * (an f32 scalar), all with role 'optState'.
 */

export type OptimizerName = 'sgd' | 'adam' | 'adamw';

export interface OptimizerConfig {
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

/** Fills in the defaults (lr 1e-3, β 0.9/0.999, ε 1e-8, decay 0.01 for adamw and 0 otherwise). */
export function optimizerConfig(
  o: Partial<OptimizerConfig> & { optimizer: OptimizerName },
): OptimizerConfig {
  const c: OptimizerConfig = {
    optimizer: o.optimizer,
    learningRate: o.learningRate ?? 1e-3,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? (o.optimizer === 'adamw' ? 0.01 : 0),
  };
  if (!(c.learningRate > 0))
    throw new IRError(`optimizer: learningRate must be positive, got ${c.learningRate}`);
  for (const k of ['beta1', 'beta2'] as const)
    if (!(c[k] >= 0 && c[k] < 1))
      throw new IRError(`optimizer: ${k} must be in [0, 1), got ${c[k]}`);
  if (!(c.eps >= 0) || !(c.weightDecay >= 0))
    throw new IRError(
      `optimizer: eps and weightDecay must be non-negative, got ${c.eps} and ${c.weightDecay}`,
    );
  return c;
}

export interface OptimizerUpdate {
  /** New value of each parameter, in the order given. */
  readonly params: readonly Value[];
  /** Each optimizer-state input with its new value, in input order. */
  readonly states: readonly { readonly input: Value; readonly update: Value }[];
}

/** Declares the state inputs and emits the update of every parameter from its gradient. */
export function optimizerUpdate(
  b: ProgramBuilder,
  params: readonly Value[],
  grads: readonly Value[],
  c: OptimizerConfig,
): OptimizerUpdate {
  return b.withPhase('optimizer', () =>
    c.optimizer === 'sgd' ? sgd(b, params, grads, c) : adam(b, params, grads, c),
  );
}

function sgd(
  b: ProgramBuilder,
  params: readonly Value[],
  grads: readonly Value[],
  c: OptimizerConfig,
): OptimizerUpdate {
  const out = params.map((w, k) =>
    b.atScope(w.scope, () => {
      const w32 = b.convert(w, 'f32');
      const g = decayed(b, b.convert(grads[k], 'f32'), w32, c.weightDecay);
      return paramNew(b, w, w32, b.mul(g, c.learningRate));
    }),
  );
  return { params: out, states: [] };
}

function adam(
  b: ProgramBuilder,
  params: readonly Value[],
  grads: readonly Value[],
  c: OptimizerConfig,
): OptimizerUpdate {
  const state = (kind: 'm' | 'v') =>
    params.map((w) =>
      b.atScope('', () => b.input(`opt/${kind}/${w.name}`, w.type.shape, 'f32', 'optState')),
    );
  const ms = state('m');
  const vs = state('v');
  const step = b.atScope('', () => b.input('opt/step', [], 'f32', 'optState'));
  const { stepNew, bias1, bias2 } = b.atScope('opt', () => {
    const t = b.op1('add', [step, b.constant(1)], {}, { of: step.id });
    const bias = (beta: number) => b.sub(1, b.pow(b.constant(beta), t));
    return { stepNew: t, bias1: bias(c.beta1), bias2: bias(c.beta2) };
  });
  const mNew: Value[] = [];
  const vNew: Value[] = [];
  const out = params.map((w, k) =>
    b.atScope(w.scope, () => {
      const w32 = b.convert(w, 'f32');
      const g = decayed(
        b,
        b.convert(grads[k], 'f32'),
        w32,
        c.optimizer === 'adam' ? c.weightDecay : 0,
      );
      const m = b.op1('add', [b.mul(ms[k], c.beta1), b.mul(g, 1 - c.beta1)], {}, { of: ms[k].id });
      const v = b.op1(
        'add',
        [b.mul(vs[k], c.beta2), b.mul(b.mul(g, g), 1 - c.beta2)],
        {},
        { of: vs[k].id },
      );
      mNew.push(m);
      vNew.push(v);
      const mHat = b.div(m, bias1);
      const vHat = b.div(v, bias2);
      let u = b.div(mHat, b.add(b.sqrt(vHat), c.eps));
      if (c.optimizer === 'adamw' && c.weightDecay > 0) u = b.add(u, b.mul(w32, c.weightDecay));
      return paramNew(b, w, w32, b.mul(u, c.learningRate));
    }),
  );
  const states = [
    ...ms.map((input, k) => ({ input, update: mNew[k] })),
    ...vs.map((input, k) => ({ input, update: vNew[k] })),
    { input: step, update: stepNew },
  ];
  return { params: out, states };
}

/** g + λw (coupled L2 decay), or g when λ = 0. */
function decayed(b: ProgramBuilder, g: Value, w32: Value, lambda: number): Value {
  return lambda > 0 ? b.add(g, b.mul(w32, lambda)) : g;
}

/** w − step in w's own dtype, tagged as the update of w. */
function paramNew(b: ProgramBuilder, w: Value, w32: Value, step: Value): Value {
  if (w.type.dtype === 'f32') return b.op1('subtract', [w32, step], {}, { of: w.id });
  return b.op1('convert', [b.sub(w32, step)], { dtype: w.type.dtype }, { of: w.id });
}
