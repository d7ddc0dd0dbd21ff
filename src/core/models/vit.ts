import { crossEntropy, linear } from '../ir/nn.ts';
import type { Value } from '../ir/program.ts';
import { conv2d } from './conv.ts';
import { dataInput, type Ctx, type ModelFamily } from './family.ts';
import { optBool, optEnum, optInt, optNum, type OptionDef, type Options } from './options.ts';
import { layerStack } from './scan.ts';
import { normLayer, transformerBlock, type BlockConfig } from './transformer.ts';

/**
 * Vision Transformer (Dosovitskiy et al.): images [B, H, W, C] (NHWC) → P×P patches embedded by a
 * stride-P convolution (`embed/patch` [P, P, C, D] HWIO + `embed/patch_bias`) or, equivalently, a
 * reshape/transpose and a matmul with the same weights; a class token `embed/cls`; learned
 * positions `embed/pos` [N+1, D]; pre-LN encoder blocks `layers/<i>/…` (non-causal MHA, GELU MLP,
 * biases); `final_norm`; a linear head `head/w`, `head/b` on the class token; cross-entropy loss.
 */

export const VIT_OPTIONS: readonly OptionDef[] = [
  { name: 'layers', type: 'int', default: 12, min: 1, doc: 'encoder blocks' },
  { name: 'd_model', type: 'int', default: 768, min: 1, doc: 'hidden width D' },
  { name: 'heads', type: 'int', default: 12, min: 1, doc: 'attention heads (must divide d_model)' },
  { name: 'ffn', type: 'int', default: 0, min: 0, doc: 'MLP width; 0 = 4·d_model' },
  { name: 'image', type: 'int', default: 224, min: 1, doc: 'image height and width in pixels' },
  { name: 'patch', type: 'int', default: 16, min: 1, doc: 'patch size P (must divide image)' },
  { name: 'channels', type: 'int', default: 3, min: 1, doc: 'image channels' },
  { name: 'classes', type: 'int', default: 1000, min: 2, doc: 'classes of the linear head' },
  {
    name: 'patch_embed',
    type: 'enum',
    default: 'conv',
    allowed: ['conv', 'linear'],
    doc: 'stride-P convolution, or reshape/transpose + matmul (same weights, same result)',
  },
  { name: 'eps', type: 'float', default: 1e-6, min: 0, doc: 'LayerNorm epsilon' },
  {
    name: 'scan',
    type: 'bool',
    default: false,
    doc: 'build the encoder stack as one while loop over stacked params',
  },
];

export interface EncoderConfig extends BlockConfig {
  readonly layers: number;
  readonly image: number;
  readonly patch: number;
  readonly channels: number;
  readonly patchEmbed: 'conv' | 'linear';
  readonly scan: boolean;
}

/** The ViT block settings: pre-LN with biases, non-causal MHA, GELU MLP. */
export function encoderConfig(
  layers: number,
  d: number,
  heads: number,
  ffn: number,
  image: number,
  patch: number,
  channels: number,
  extra: { patchEmbed?: 'conv' | 'linear'; eps?: number; scan?: boolean } = {},
): EncoderConfig {
  return {
    layers,
    d,
    heads,
    kvHeads: heads,
    headDim: d / heads,
    ffn: ffn || 4 * d,
    mlp: 'gelu',
    bias: true,
    norm: 'layernorm',
    eps: extra.eps ?? 1e-6,
    parallel: false,
    causal: false,
    image,
    patch,
    channels,
    patchEmbed: extra.patchEmbed ?? 'conv',
    scan: extra.scan ?? false,
  };
}

export function checkEncoder(prefix: string, o: Options): string | undefined {
  const d = optInt(o, `${prefix}d_model`);
  const heads = optInt(o, `${prefix}heads`);
  if (d % heads !== 0) return `${prefix}heads=${heads} does not divide ${prefix}d_model=${d}`;
  if (optInt(o, 'image') % optInt(o, 'patch') !== 0)
    return `patch=${optInt(o, 'patch')} does not divide image=${optInt(o, 'image')}`;
  return undefined;
}

/** Patch embeddings [B, N, D] of images [B, H, W, C], in the current scope (`patch`, `patch_bias`). */
export function patchEmbed(ctx: Ctx, images: Value, cfg: EncoderConfig): Value {
  const { b } = ctx;
  const [B, H, W, C] = images.type.shape;
  const P = cfg.patch;
  const [nh, nw] = [H / P, W / P];
  const kernel = ctx.param('patch', [P, P, C, cfg.d]);
  let x: Value;
  if (cfg.patchEmbed === 'conv') {
    x = b.reshape(conv2d(b, images, kernel, P, 'valid'), [B, nh * nw, cfg.d]);
  } else {
    const grid = b.transpose(b.reshape(images, [B, nh, P, nw, P, C]), [0, 1, 3, 2, 4, 5]);
    x = linear(b, b.reshape(grid, [B, nh * nw, P * P * C]), b.reshape(kernel, [P * P * C, cfg.d]));
  }
  return b.add(x, ctx.param('patch_bias', [cfg.d]));
}

/** The encoder: patches (+ class token) + positions → blocks → final_norm; returns [B, N(+1), D]. */
export function encode(ctx: Ctx, images: Value, cfg: EncoderConfig, classToken: boolean): Value {
  const { b } = ctx;
  const x = b.scope('embed', () => {
    const [B] = images.type.shape;
    let h = patchEmbed(ctx, images, cfg);
    if (classToken)
      h = b.concatenate([b.broadcastInDim(ctx.param('cls', [cfg.d]), [B, 1, cfg.d], [2]), h], 1);
    return b.add(h, ctx.param('pos', h.type.shape.slice(1)));
  });
  const h = layerStack(ctx, x, cfg.layers, cfg.scan, (c, y) => transformerBlock(c, y, cfg));
  return normLayer(ctx, 'final_norm', h, cfg);
}

export const VIT_FAMILY: ModelFamily = {
  name: 'vit',
  description:
    'Vision Transformer: patch embedding, class token, learned positions, pre-LN encoder, linear classification head',
  options: VIT_OPTIONS,
  check: (o) => checkEncoder('', o),
  build(ctx, o, common) {
    const { b } = ctx;
    const cfg = encoderConfig(
      optInt(o, 'layers'),
      optInt(o, 'd_model'),
      optInt(o, 'heads'),
      optInt(o, 'ffn'),
      optInt(o, 'image'),
      optInt(o, 'patch'),
      optInt(o, 'channels'),
      {
        patchEmbed: optEnum(o, 'patch_embed', ['conv', 'linear'] as const),
        eps: optNum(o, 'eps'),
        scan: optBool(o, 'scan'),
      },
    );
    const B = common.batch;
    const classes = optInt(o, 'classes');
    const images = dataInput(ctx, 'images', [B, cfg.image, cfg.image, cfg.channels], 'f32');
    const labels = b.input('labels', [B], 'i32', 'data');
    const h = encode(ctx, images, cfg, true);
    const cls = b.reshape(b.slice(h, [0, 0, 0], [B, 1, cfg.d]), [B, cfg.d]);
    const logits = b.scope('head', () =>
      linear(b, cls, ctx.param('w', [cfg.d, classes]), ctx.param('b', [classes])),
    );
    b.output(
      'loss',
      b.scope('loss', () => crossEntropy(b, logits, labels)),
    );
    if (!common.train) b.output('logits', logits);
    return { tokensPerMicroBatch: B };
  },
};
