import { crossEntropy, linear } from '../ir/nn.ts';
import type { ModelFamily } from './family.ts';
import { dataInput } from './family.ts';
import { checkDecoder, decoderConfig, decoderHead, DECODER_OPTIONS, embedTokens } from './gpt.ts';
import { optBool, optInt, type OptionDef } from './options.ts';
import { layerStack } from './scan.ts';
import { transformerBlock } from './transformer.ts';
import { checkEncoder, encode, encoderConfig } from './vit.ts';

/**
 * Gemini-style multimodal decoder: a ViT-like image encoder (`vision/embed/…`, `vision/layers/<i>/…`,
 * `vision/final_norm`, no class token) whose N patch tokens are projected by `vision/proj` [Dv, d]
 * and placed before the text token embeddings; one causal decoder (`layers/<i>/…`) runs over the
 * N + seq positions; logits and the next-token loss are taken on the text positions only.
 * Inputs: images [B, H, W, C] f32, tokens and targets [B, seq] i32.
 */

export const MULTIMODAL_OPTIONS: readonly OptionDef[] = [
  ...DECODER_OPTIONS,
  { name: 'vision_layers', type: 'int', default: 12, min: 1, doc: 'image encoder blocks' },
  { name: 'vision_d_model', type: 'int', default: 768, min: 1, doc: 'image encoder width Dv' },
  {
    name: 'vision_heads',
    type: 'int',
    default: 12,
    min: 1,
    doc: 'image encoder heads (must divide vision_d_model)',
  },
  {
    name: 'vision_ffn',
    type: 'int',
    default: 0,
    min: 0,
    doc: 'image encoder MLP width; 0 = 4·vision_d_model',
  },
  { name: 'image', type: 'int', default: 224, min: 1, doc: 'image height and width in pixels' },
  {
    name: 'patch',
    type: 'int',
    default: 16,
    min: 1,
    doc: 'patch size P (must divide image); image tokens = (image/P)²',
  },
  { name: 'channels', type: 'int', default: 3, min: 1, doc: 'image channels' },
];

export const MULTIMODAL_FAMILY: ModelFamily = {
  name: 'multimodal',
  description:
    'Gemini-style multimodal decoder: ViT-like image encoder, projected image tokens placed before the text tokens of a causal decoder',
  options: MULTIMODAL_OPTIONS,
  check(o) {
    const problem = checkDecoder(o) ?? checkEncoder('vision_', o);
    if (problem) return problem;
    const imageTokens = (optInt(o, 'image') / optInt(o, 'patch')) ** 2;
    const maxSeq = optInt(o, 'max_seq');
    if (maxSeq !== 0 && maxSeq < imageTokens + optInt(o, 'seq'))
      return `max_seq=${maxSeq} is below the ${imageTokens} image + ${optInt(o, 'seq')} text positions`;
    return undefined;
  },
  build(ctx, o, common) {
    const { b } = ctx;
    const B = common.batch;
    const vision = encoderConfig(
      optInt(o, 'vision_layers'),
      optInt(o, 'vision_d_model'),
      optInt(o, 'vision_heads'),
      optInt(o, 'vision_ffn'),
      optInt(o, 'image'),
      optInt(o, 'patch'),
      optInt(o, 'channels'),
      { scan: optBool(o, 'scan') },
    );
    const imageTokens = (vision.image / vision.patch) ** 2;
    const text = decoderConfig(o);
    const total = imageTokens + text.seq;
    const cfg = { ...text, maxSeq: optInt(o, 'max_seq') || total };
    const images = dataInput(
      ctx,
      'images',
      [B, vision.image, vision.image, vision.channels],
      'f32',
    );
    const tokens = b.input('tokens', [B, text.seq], 'i32', 'data');
    const targets = b.input('targets', [B, text.seq], 'i32', 'data');
    const img = b.scope('vision', () => {
      const h = encode(ctx, images, vision, false);
      return b.scope('proj', () => linear(b, h, ctx.param('w', [vision.d, cfg.d])));
    });
    const { x: txt, wte } = embedTokens(ctx, tokens, {
      ...cfg,
      positions: cfg.positions === 'learned' ? 'none' : cfg.positions,
    });
    let x = b.concatenate([img, txt], 1);
    if (cfg.positions === 'learned') {
      const wpe = b.scope('embed', () => ctx.param('wpe', [cfg.maxSeq, cfg.d]));
      x = b.add(x, total === cfg.maxSeq ? wpe : b.slice(wpe, [0, 0], [total, cfg.d]));
    }
    const h = layerStack(ctx, x, cfg.layers, cfg.scan, (c, y) => transformerBlock(c, y, cfg));
    const textOut = b.slice(h, [0, imageTokens, 0], [B, total, cfg.d]);
    const logits = decoderHead(ctx, textOut, wte, cfg);
    b.output(
      'loss',
      b.scope('loss', () => crossEntropy(b, logits, targets)),
    );
    if (!common.train) b.output('logits', logits);
    return { tokensPerMicroBatch: B * total };
  },
};
