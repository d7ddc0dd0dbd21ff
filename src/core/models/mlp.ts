import { activation, layerNorm, linear, mseLoss, type Activation } from '../ir/nn.ts';
import type { Value } from '../ir/program.ts';
import type { Ctx, ModelFamily } from './family.ts';
import { dataInput } from './family.ts';
import { optEnum, optInt, type OptionDef } from './options.ts';

/**
 * Dense layers `<i>/w` [in, out] and `<i>/b` [out] in the current scope, the activation between
 * them (not after the last), and optionally a LayerNorm `ln/scale`, `ln/bias` on the output.
 */
export function denseStack(
  ctx: Ctx,
  x: Value,
  widths: readonly number[],
  act: Activation,
  opts: { layerNorm?: boolean } = {},
): Value {
  const { b } = ctx;
  let h = x;
  for (let i = 0; i < widths.length; i++) {
    const inW = h.type.shape[h.type.shape.length - 1];
    h = b.scope(String(i), () =>
      linear(b, h, ctx.param('w', [inW, widths[i]]), ctx.param('b', [widths[i]])),
    );
    if (i < widths.length - 1) h = activation(b, act, h);
  }
  if (opts.layerNorm) {
    const d = widths[widths.length - 1];
    h = b.scope('ln', () => layerNorm(b, h, ctx.param('scale', [d]), ctx.param('bias', [d])));
  }
  return h;
}

export const MLP_OPTIONS: readonly OptionDef[] = [
  {
    name: 'layers',
    type: 'int',
    default: 4,
    min: 1,
    doc: 'linear layers (layers − 1 hidden layers)',
  },
  { name: 'in', type: 'int', default: 1024, min: 1, doc: 'input features' },
  { name: 'hidden', type: 'int', default: 4096, min: 1, doc: 'hidden width' },
  { name: 'out', type: 'int', default: 1024, min: 1, doc: 'output features' },
  {
    name: 'activation',
    type: 'enum',
    default: 'relu',
    allowed: ['relu', 'gelu', 'silu', 'tanh'],
    doc: 'nonlinearity between layers',
  },
];

/** A multilayer perceptron regressing targets y [B, out] from x [B, in]: MSE loss. Weights `layers/<i>/w`, `layers/<i>/b`. */
export const MLP_FAMILY: ModelFamily = {
  name: 'mlp',
  description:
    'multilayer perceptron: dense layers with a nonlinearity between them, MSE regression loss',
  options: MLP_OPTIONS,
  build(ctx, o, common) {
    const { b } = ctx;
    const layers = optInt(o, 'layers');
    const widths = Array.from({ length: layers }, (_, i) =>
      i === layers - 1 ? optInt(o, 'out') : optInt(o, 'hidden'),
    );
    const x = dataInput(ctx, 'x', [common.batch, optInt(o, 'in')], 'f32');
    const y = dataInput(ctx, 'y', [common.batch, optInt(o, 'out')], 'f32');
    const act = optEnum(o, 'activation', ['relu', 'gelu', 'silu', 'tanh'] as const);
    const pred = b.scope('layers', () => denseStack(ctx, x, widths, act));
    b.output(
      'loss',
      b.scope('loss', () => mseLoss(b, pred, y)),
    );
    if (!common.train) b.output('predictions', pred);
    return { tokensPerMicroBatch: common.batch };
  },
};
