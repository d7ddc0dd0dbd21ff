import type { Value } from '../../ir/program.ts';
import type { Seed, TacticDefinition } from '../tactic.ts';
import { dimTakes, inputsInScope, namePattern, tile } from './common.ts';

/** Default name patterns: the zoo's names and the usual JAX/Flax/PyTorch-export spellings. */
export const MP_COLUMN = namePattern([
  'wq',
  'wk',
  'wv',
  'wqkv',
  'q_proj',
  'k_proj',
  'v_proj',
  'query',
  'key',
  'value',
  'c_attn',
  'wi',
  'wi_gate',
  'wi_0',
  'wi_1',
  'fc1',
  'c_fc',
  'gate_proj',
  'up_proj',
  'w1',
  'w3',
  'dense_h_to_4h',
]);
export const MP_ROW = namePattern([
  'wo',
  'o_proj',
  'out_proj',
  'c_proj',
  'fc2',
  'down_proj',
  'w2',
  'dense_4h_to_h',
]);
export const MP_COLUMN_BIAS = namePattern([
  'bq',
  'bk',
  'bv',
  'bqkv',
  'bi',
  'bi_gate',
  'wq_bias',
  'wk_bias',
  'wv_bias',
  'wi_bias',
]);

/**
 * MP: Megatron tensor parallelism. Attention Q/K/V and MLP input weights are split on their
 * output features (column-parallel, last dim), attention and MLP output weights on their input
 * features (row-parallel, second-to-last dim); column biases follow their weight. Propagation
 * splits the heads and the hidden MLP activations, and the row-parallel products come out as
 * partial sums: two all-reduces per layer forward and two backward.
 */
export const MP: TacticDefinition = {
  name: 'MP',
  title: 'Megatron model parallelism',
  summary:
    'Column-split Q/K/V and MLP input weights, row-split attention and MLP output weights on the axis.',
  seeds(ctx, axis) {
    const seeds: Seed[] = [];
    const params = inputsInScope(ctx, (v) => v.role === 'param');
    const add = (v: Value, dim: number, what: string) => {
      if (dim < 0 || !dimTakes(ctx, v.id, dim, axis)) return; // e.g. MQA's single K/V head stays replicated
      seeds.push(tile(v, dim, axis, `MP: ${what} ${v.name}`));
    };
    for (const v of params) {
      const r = v.type.shape.length;
      if (r >= 2 && MP_COLUMN.test(v.name)) add(v, r - 1, 'column-split');
      else if (r >= 2 && MP_ROW.test(v.name)) add(v, r - 2, 'row-split');
      else if (r >= 1 && MP_COLUMN_BIAS.test(v.name)) add(v, r - 1, 'split bias of');
    }
    return seeds;
  },
  propagatesThrough: () => true,
};
