import type { TacticDefinition } from '../tactic.ts';
import { dimTakes, inputsInScope, namePattern, tile } from './common.ts';

export const EMB_PATTERN = namePattern([
  'wte',
  'tok_embeddings',
  'embed_tokens',
  'token_embedding',
  'embedding',
  'lm_head',
  'unembed',
  'wpe_vocab',
]);

/** EMB: vocabulary-parallel embeddings. The vocab dim (the larger dim) of embedding and
 *  unembedding tables is split on the axis. */
export const EMB: TacticDefinition = {
  name: 'EMB',
  title: 'Embedding (vocabulary) parallelism',
  summary: 'Split the vocabulary dimension of the embedding and output tables on the axis.',
  seeds(ctx, axis) {
    return inputsInScope(
      ctx,
      (v) => v.role === 'param' && v.type.shape.length === 2 && EMB_PATTERN.test(v.name),
    ).flatMap((v) => {
      const [a, b] = v.type.shape;
      const dim = a >= b ? 0 : 1;
      return dimTakes(ctx, v.id, dim, axis)
        ? [tile(v, dim, axis, `EMB: vocab dim ${dim} of ${v.name}`)]
        : [];
    });
  },
  propagatesThrough: () => true,
};
