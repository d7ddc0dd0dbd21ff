import { trainStep } from '../ir/autodiff/train-step.ts';
import type { Program } from '../ir/program.ts';
import type { CommonOptions } from './family.ts';

/**
 * The training step of a forward program: autodiff backward and the optimizer update
 * (src/core/ir/autodiff/train-step.ts), with accumulation over `accum` micro-batches and the remat
 * policy. The meta keeps the forward's and states the step's totals.
 */
export function withTraining(
  forward: Program,
  common: CommonOptions,
  tokensPerMicroBatch: number,
): Program {
  const step = trainStep(forward, {
    optimizer: common.optimizer,
    accum: common.accum,
    remat: common.remat,
  });
  return {
    ...step,
    meta: {
      ...forward.meta,
      ...step.meta,
      tokensPerStep: tokensPerMicroBatch * common.accum,
      training: true,
      microBatches: common.accum,
      remat: common.remat,
    },
  };
}
