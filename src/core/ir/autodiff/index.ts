/** Reverse-mode autodiff over the IR, and the training step built on it. */
export { gradients, type RematPolicy } from './grad.ts';
export { trainStep, type TrainStepOptions } from './train-step.ts';
export { optimizerConfig, type OptimizerConfig, type OptimizerName } from './optimizers.ts';
export { rematGroupOf } from './remat.ts';
export {
  NON_DIFFERENTIABLE_KINDS,
  UNSUPPORTED_KINDS,
  VJP_RULES,
  type DifferentiableKind,
} from './vjp-rules.ts';
export type { VjpContext, VjpRule } from './vjp-rule.ts';
