import type { TacticDefinition } from '../tactic.ts';
import { TacticError } from '../tactic.ts';
import { inputsInScope, tile } from './common.ts';

/** BP: batch parallelism. Every data input is split on its batch dim; propagation carries it
 *  through the model, and the gradients come out as partial sums (all-reduced by the lowering). */
export const BP: TacticDefinition = {
  name: 'BP',
  title: 'Batch parallelism',
  summary: 'Split the batch dimension of every data input on the axis (data parallelism).',
  seeds(ctx, axis) {
    // with gradient accumulation data inputs are [microBatches, batch, ...]
    const dim = (ctx.program.meta.microBatches ?? 1) > 1 ? 1 : 0;
    return inputsInScope(ctx, (v) => v.role === 'data' && v.type.shape.length > dim).map((v) => {
      if (v.type.shape[dim] <= 1)
        throw new TacticError(
          `BP(${axis}): data input '${v.name}' has batch size ${v.type.shape[dim]} on dim ${dim}; nothing to split`,
        );
      return tile(v, dim, axis, `BP: batch dim ${dim} of data input ${v.name}`);
    });
  },
  propagatesThrough: () => true,
};
