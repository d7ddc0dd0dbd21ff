import { IRError } from '../errors.ts';
import type { Program } from '../program.ts';
import { typeToString } from '../shape.ts';
import { gradientStep, gradientStepAccumulated, lossOutput } from './accumulate.ts';
import { optimizerConfig, optimizerUpdate } from './optimizers.ts';
import type { RematPolicy } from './remat.ts';

export interface TrainStepOptions {
  optimizer: 'sgd' | 'adam' | 'adamw';
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Micro-batches accumulated per step (default 1). */
  accum?: number;
  remat?: RematPolicy;
}

/**
 * forward: inputs with roles data/param, one output named 'loss' (f32 scalar). Returns the full
 * training step: forward, backward (autodiff), optimizer.
 *
 * Inputs: the forward's data inputs (with a leading micro-batch dim [K, …] when accum K > 1),
 * its params (same names), then the optimizer state (optimizers.ts). Outputs: 'loss' (the mean
 * over micro-batches), each new param (named as the param, aliasing it), each new optimizer
 * state (aliasing its input). Meta: training, microBatches = K, remat, optimizer, and
 * tokensPerStep = K × the forward's (which counts one micro-batch).
 */
export function trainStep(forward: Program, opts: TrainStepOptions): Program {
  const K = opts.accum ?? 1;
  if (!Number.isInteger(K) || K < 1)
    throw new IRError(`trainStep: accum must be a positive integer, got ${K}`);
  checkForward(forward);
  const cfg = optimizerConfig(opts);
  const remat = opts.remat ?? 'none';
  const tokens = forward.meta.tokensPerStep;
  const meta = {
    ...forward.meta,
    training: true,
    microBatches: K,
    remat,
    optimizer: cfg.optimizer,
    ...(tokens !== undefined ? { tokensPerStep: tokens * K } : {}),
  };
  const step =
    K > 1 ? gradientStepAccumulated(forward, K, remat, meta) : gradientStep(forward, remat, meta);
  const { b } = step;
  const update = optimizerUpdate(b, step.params, step.grads, cfg);
  b.output('loss', step.loss);
  step.params.forEach((w, k) => b.output(w.name, update.params[k], w));
  for (const s of update.states) b.output(s.input.name, s.update, s.input);
  return step.finish(b.build());
}

function checkForward(p: Program): void {
  const loss = p.values[lossOutput(p)];
  if (loss.type.dtype !== 'f32' || loss.type.shape.length !== 0)
    throw new IRError(
      `trainStep: the loss of '${p.name}' must be an f32 scalar, it is ${typeToString(loss.type)}`,
    );
  for (const id of p.main.params) {
    const v = p.values[id];
    if (v.role !== 'data' && v.role !== 'param')
      throw new IRError(
        `trainStep: input '${v.name}' of '${p.name}' has role '${v.role}'; a forward program takes only data and param inputs`,
      );
  }
  if (!p.main.params.some((id) => p.values[id].role === 'param'))
    throw new IRError(`trainStep: '${p.name}' has no param inputs to train`);
}
