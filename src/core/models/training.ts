import type { Program } from '../ir/program.ts';
import type { CommonOptions } from './family.ts';

/**
 * Wraps a forward program into a training step. The autodiff train step
 * (src/core/ir/autodiff/train-step.ts) is not in the tree yet: until it lands this returns the
 * forward, marked `training: false` and `trainingPending: true` so no caller mistakes it for a step.
 */
export function withTraining(forward: Program, common: CommonOptions): Program {
  void common;
  return { ...forward, meta: { ...forward.meta, training: false, microBatches: 1, trainingPending: true } };
}
