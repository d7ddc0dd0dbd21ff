import { embeddingLookup, mseLoss, segmentSum } from '../ir/nn.ts';
import type { Value } from '../ir/program.ts';
import { dataInput, type Ctx, type ModelFamily } from './family.ts';
import { denseStack } from './mlp.ts';
import { optInt, type OptionDef } from './options.ts';

/**
 * Graph Network-based Simulator (Sanchez-Gonzalez et al. 2020), Encode–Process–Decode:
 * node and edge encoder MLPs (`encoder/node`, `encoder/edge`), M interaction-network steps with
 * unshared weights (`layers/<m>/edge_mlp` on [e, v_sender, v_receiver] gathered by index,
 * `layers/<m>/node_mlp` on [v, Σ incoming e] summed by a scatter-add; residuals on both), and a
 * `decoder` MLP to accelerations; MSE against the target accelerations. Every MLP has `hidden_layers`
 * ReLU layers of `latent` width and, except the decoder, a LayerNorm on its output. The graph is
 * given as data: a batch of graphs is one disjoint union of batch·nodes nodes and batch·edges edges.
 */

export const GNS_OPTIONS: readonly OptionDef[] = [
  { name: 'nodes', type: 'int', default: 1024, min: 1, doc: 'particles per graph' },
  {
    name: 'edges',
    type: 'int',
    default: 16384,
    min: 1,
    doc: 'edges per graph (neighbours within the connectivity radius)',
  },
  {
    name: 'steps',
    type: 'int',
    default: 10,
    min: 1,
    doc: 'message-passing steps M (unshared weights)',
  },
  {
    name: 'latent',
    type: 'int',
    default: 128,
    min: 1,
    doc: 'latent size of nodes, edges and hidden layers',
  },
  { name: 'hidden_layers', type: 'int', default: 2, min: 1, doc: 'hidden layers per MLP' },
  { name: 'dim', type: 'int', default: 2, min: 1, max: 3, doc: 'spatial dimension D' },
  {
    name: 'history',
    type: 'int',
    default: 5,
    min: 1,
    doc: 'previous velocities C in the node features',
  },
  {
    name: 'particle_types',
    type: 'int',
    default: 9,
    min: 1,
    doc: 'particle types; more than one adds a type embedding',
  },
  { name: 'type_embed', type: 'int', default: 16, min: 1, doc: 'particle-type embedding size' },
];

function mlp(
  ctx: Ctx,
  name: string,
  x: Value,
  latent: number,
  hidden: number,
  out: number,
  layerNorm: boolean,
): Value {
  const widths = [...Array.from({ length: hidden }, () => latent), out];
  return ctx.b.scope(name, () => denseStack(ctx, x, widths, 'relu', { layerNorm }));
}

export const GNS_FAMILY: ModelFamily = {
  name: 'gns',
  description:
    'Graph Network-based Simulator: node/edge encoders, message passing with gather by sender/receiver and scatter-add aggregation, decoder to accelerations; MSE loss',
  options: GNS_OPTIONS,
  build(ctx, o, common) {
    const { b } = ctx;
    const N = common.batch * optInt(o, 'nodes');
    const E = common.batch * optInt(o, 'edges');
    const D = optInt(o, 'dim');
    const L = optInt(o, 'latent');
    const hidden = optInt(o, 'hidden_layers');
    const types = optInt(o, 'particle_types');
    const nodeFeatures = dataInput(
      ctx,
      'node_features',
      [N, optInt(o, 'history') * D + 2 * D],
      'f32',
    );
    const particleTypes = b.input('particle_types', [N], 'i32', 'data');
    const edgeFeatures = dataInput(ctx, 'edge_features', [E, D + 1], 'f32');
    const senders = b.input('senders', [E], 'i32', 'data');
    const receivers = b.input('receivers', [E], 'i32', 'data');
    const target = dataInput(ctx, 'target_accel', [N, D], 'f32');

    const nodeIn =
      types > 1
        ? b.concatenate(
            [
              nodeFeatures,
              b.scope('embed', () =>
                embeddingLookup(
                  b,
                  ctx.param('particle_type', [types, optInt(o, 'type_embed')]),
                  particleTypes,
                ),
              ),
            ],
            1,
          )
        : nodeFeatures;
    let v = b.scope('encoder', () => mlp(ctx, 'node', nodeIn, L, hidden, L, true));
    let e = b.scope('encoder', () => mlp(ctx, 'edge', edgeFeatures, L, hidden, L, true));
    for (let m = 0; m < optInt(o, 'steps'); m++) {
      [v, e] = b.scope('layers', () =>
        b.scope(String(m), () => {
          const sent = embeddingLookup(b, v, senders);
          const received = embeddingLookup(b, v, receivers);
          const e2 = mlp(
            ctx,
            'edge_mlp',
            b.concatenate([e, sent, received], 1),
            L,
            hidden,
            L,
            true,
          );
          const messages = segmentSum(b, e2, receivers, N);
          const v2 = mlp(ctx, 'node_mlp', b.concatenate([v, messages], 1), L, hidden, L, true);
          return [b.add(v, v2), b.add(e, e2)];
        }),
      );
    }
    const accel = mlp(ctx, 'decoder', v, L, hidden, D, false);
    b.output(
      'loss',
      b.scope('loss', () => mseLoss(b, accel, target)),
    );
    if (!common.train) b.output('predictions', accel);
    return { tokensPerMicroBatch: N };
  },
};
