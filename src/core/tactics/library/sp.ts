import type { Seed, TacticDefinition } from '../tactic.ts';
import { dimTakes, tile } from './common.ts';

/** Scopes of the norms that open each Megatron region (and the final norm). */
export const SP_NORM_SCOPE = /(^|\/)(ln\w*|norm\w*|\w*_norm|layernorm\w*|rmsnorm\w*)$/;

/**
 * SP: sequence parallelism (Korthikanti et al.). The activations of the LayerNorm regions between
 * the Megatron blocks are split on their sequence dim (dim 1 of [batch, seq, d]); propagation
 * spreads it over the residual stream. Composed with MP on the same axis, each all-reduce becomes
 * a reduce-scatter before the norm and an all-gather after it.
 */
export const SP: TacticDefinition = {
  name: 'SP',
  title: 'Sequence parallelism',
  summary:
    'Split the sequence dimension of the norm/residual activations between Megatron regions on the axis.',
  seeds(ctx, axis) {
    const seeds: Seed[] = [];
    const { program } = ctx;
    for (const v of program.values) {
      if (v.kind !== 'activation' || v.def === undefined || v.type.shape.length < 3) continue;
      if (!SP_NORM_SCOPE.test(v.scope) || (ctx.scope && !ctx.scope.test(v.scope))) continue;
      if (
        ctx.state.dimsOf(v.id)[1].length > 0 ||
        ctx.state.uses(v.id, axis) ||
        !dimTakes(ctx, v.id, 1, axis)
      )
        continue;
      seeds.push(tile(v, 1, axis, `SP: sequence dim of ${v.scope} activation %${v.id}`));
    }
    return seeds;
  },
  propagatesThrough: (op) => op.phase !== 'optimizer',
};
