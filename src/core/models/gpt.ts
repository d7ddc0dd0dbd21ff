import { crossEntropy, embeddingLookup, linear } from '../ir/nn.ts';
import type { Value } from '../ir/program.ts';
import type { BuildInfo, CommonOptions, Ctx, ModelFamily } from './family.ts';
import { optBool, optEnum, optInt, optNum, type OptionDef, type Options } from './options.ts';
import { layerStack } from './scan.ts';
import { normLayer, transformerBlock, type BlockConfig, type FfnLayer } from './transformer.ts';

/**
 * GPT-style decoder-only transformer (GPT-2/3, Llama, PaLM): token (+ learned position)
 * embeddings `embed/wte`, `embed/wpe`; blocks `layers/<i>/…`; `final_norm`; logits through the
 * tied `embed/wte` or an untied `lm_head` [d, V]; mean next-token cross-entropy as 'loss'.
 */

export const DECODER_OPTIONS: readonly OptionDef[] = [
  { name: 'layers', type: 'int', default: 12, min: 1, doc: 'transformer blocks' },
  { name: 'd_model', type: 'int', default: 768, min: 1, doc: 'residual stream width d' },
  { name: 'heads', type: 'int', default: 12, min: 1, doc: 'query heads H' },
  {
    name: 'attention',
    type: 'enum',
    default: 'auto',
    allowed: ['auto', 'mha', 'mqa', 'gqa'],
    doc: 'mha: kv_heads = heads; mqa: kv_heads = 1; gqa: kv_heads strictly between; auto: follow kv_heads',
  },
  {
    name: 'kv_heads',
    type: 'int',
    default: 0,
    min: 0,
    doc: 'key/value heads (must divide heads); 0 = heads, or 1 with attention=mqa',
  },
  {
    name: 'head_dim',
    type: 'int',
    default: 0,
    min: 0,
    doc: 'per-head width dh; 0 = d_model / heads (H·dh may differ from d, as in PaLM 540B)',
  },
  {
    name: 'ffn',
    type: 'int',
    default: 0,
    min: 0,
    doc: 'MLP hidden width (one branch for gated MLPs); 0 = 4·d_model',
  },
  { name: 'vocab', type: 'int', default: 50257, min: 2, doc: 'vocabulary size V' },
  { name: 'seq', type: 'int', default: 1024, min: 1, doc: 'sequence length (tokens per sequence)' },
  {
    name: 'max_seq',
    type: 'int',
    default: 0,
    min: 0,
    doc: 'rows of the learned position table; 0 = seq',
  },
  {
    name: 'positions',
    type: 'enum',
    default: 'learned',
    allowed: ['learned', 'rotary', 'none'],
    doc: 'learned absolute table (embed/wpe), rotary on q and k, or none',
  },
  { name: 'rope_theta', type: 'float', default: 10000, min: 1, doc: 'rotary base θ' },
  {
    name: 'mlp',
    type: 'enum',
    default: 'gelu',
    allowed: ['gelu', 'relu', 'swiglu', 'geglu'],
    doc: 'plain GELU/ReLU MLP (2 matrices) or gated SwiGLU/GeGLU (3 matrices)',
  },
  { name: 'bias', type: 'bool', default: true, doc: 'biases on every linear and on LayerNorms' },
  {
    name: 'norm',
    type: 'enum',
    default: 'layernorm',
    allowed: ['layernorm', 'rmsnorm'],
    doc: 'pre-norm kind (also the final norm)',
  },
  { name: 'eps', type: 'float', default: 1e-5, min: 0, doc: 'norm epsilon' },
  {
    name: 'tied',
    type: 'bool',
    default: true,
    doc: 'logits through embed/wte (tied) or a separate lm_head',
  },
  {
    name: 'parallel',
    type: 'bool',
    default: false,
    doc: "PaLM's parallel block: x + attn(ln(x)) + mlp(ln(x))",
  },
  {
    name: 'scan',
    type: 'bool',
    default: false,
    doc: 'build the layer stack as one while loop over stacked [layers, ...] params',
  },
];

export interface DecoderConfig extends BlockConfig {
  readonly layers: number;
  readonly vocab: number;
  readonly seq: number;
  readonly positions: 'learned' | 'rotary' | 'none';
  readonly maxSeq: number;
  readonly tied: boolean;
  readonly scan: boolean;
}

function resolvedKvHeads(o: Options): number {
  const heads = optInt(o, 'heads');
  const kv = optInt(o, 'kv_heads');
  const kind = optEnum(o, 'attention', ['auto', 'mha', 'mqa', 'gqa'] as const);
  if (kind === 'mqa') return 1;
  return kv === 0 ? heads : kv;
}

/** The decoder options' cross-checks; the message names the options and the rule. */
export function checkDecoder(o: Options): string | undefined {
  const d = optInt(o, 'd_model');
  const heads = optInt(o, 'heads');
  const kvSet = optInt(o, 'kv_heads');
  const kind = optEnum(o, 'attention', ['auto', 'mha', 'mqa', 'gqa'] as const);
  if (optInt(o, 'head_dim') === 0 && d % heads !== 0)
    return `heads=${heads} does not divide d_model=${d} (set head_dim to decouple them)`;
  const kv = resolvedKvHeads(o);
  if (kv > heads || heads % kv !== 0) return `kv_heads=${kv} must divide heads=${heads}`;
  if (kind === 'mha' && kvSet !== 0 && kvSet !== heads)
    return `attention=mha needs kv_heads=${heads} (or 0), got ${kvSet}`;
  if (kind === 'mqa' && kvSet > 1) return `attention=mqa needs kv_heads=1 (or 0), got ${kvSet}`;
  if (kind === 'gqa' && (kv <= 1 || kv >= heads))
    return `attention=gqa needs 1 < kv_heads < heads=${heads}, got kv_heads=${kv}`;
  const dh = optInt(o, 'head_dim') || d / heads;
  if (optEnum(o, 'positions', ['learned', 'rotary', 'none'] as const) === 'rotary' && dh % 2 !== 0)
    return `positions=rotary needs an even head dim, got ${dh}`;
  const maxSeq = optInt(o, 'max_seq');
  if (maxSeq !== 0 && maxSeq < optInt(o, 'seq'))
    return `seq=${optInt(o, 'seq')} exceeds max_seq=${maxSeq}`;
  return undefined;
}

export function decoderConfig(o: Options, causal = true): DecoderConfig {
  const d = optInt(o, 'd_model');
  const heads = optInt(o, 'heads');
  const positions = optEnum(o, 'positions', ['learned', 'rotary', 'none'] as const);
  const seq = optInt(o, 'seq');
  return {
    layers: optInt(o, 'layers'),
    d,
    heads,
    kvHeads: resolvedKvHeads(o),
    headDim: optInt(o, 'head_dim') || d / heads,
    ffn: optInt(o, 'ffn') || 4 * d,
    mlp: optEnum(o, 'mlp', ['gelu', 'relu', 'swiglu', 'geglu'] as const),
    bias: optBool(o, 'bias'),
    norm: optEnum(o, 'norm', ['layernorm', 'rmsnorm'] as const),
    eps: optNum(o, 'eps'),
    parallel: optBool(o, 'parallel'),
    causal,
    rotaryTheta: positions === 'rotary' ? optNum(o, 'rope_theta') : undefined,
    vocab: optInt(o, 'vocab'),
    seq,
    positions,
    maxSeq: optInt(o, 'max_seq') || seq,
    tied: optBool(o, 'tied'),
    scan: optBool(o, 'scan'),
  };
}

/** Token embeddings (+ learned positions) of tokens [B, S] in scope `embed`; returns x and the table. */
export function embedTokens(ctx: Ctx, tokens: Value, cfg: DecoderConfig): { x: Value; wte: Value } {
  const { b } = ctx;
  return b.scope('embed', () => {
    const wte = ctx.param('wte', [cfg.vocab, cfg.d]);
    let x = embeddingLookup(b, wte, tokens);
    if (cfg.positions === 'learned') {
      const S = tokens.type.shape[1];
      const wpe = ctx.param('wpe', [cfg.maxSeq, cfg.d]);
      x = b.add(x, S === cfg.maxSeq ? wpe : b.slice(wpe, [0, 0], [S, cfg.d]));
    }
    return { x, wte };
  });
}

/** final_norm, then logits [B, S, V] through the tied table or an untied `lm_head`. */
export function decoderHead(ctx: Ctx, x: Value, wte: Value, cfg: DecoderConfig): Value {
  const { b } = ctx;
  const h = normLayer(ctx, 'final_norm', x, cfg);
  const w = cfg.tied ? undefined : ctx.param('lm_head', [cfg.d, cfg.vocab]);
  return b.scope('lm_head', () =>
    w
      ? linear(b, h, w)
      : b.dotGeneral(h, wte, { lhsBatch: [], rhsBatch: [], lhsContract: [2], rhsContract: [1] }),
  );
}

/** The whole decoder forward; `ffnFor(i)` swaps a layer's MLP (index -1 for a scanned body). */
export function buildDecoder(
  ctx: Ctx,
  cfg: DecoderConfig,
  common: CommonOptions,
  ffnFor?: (i: number) => FfnLayer | undefined,
): BuildInfo {
  const { b } = ctx;
  const shape = [common.batch, cfg.seq];
  const tokens = b.input('tokens', shape, 'i32', 'data');
  const targets = b.input('targets', shape, 'i32', 'data');
  const { x, wte } = embedTokens(ctx, tokens, cfg);
  const h = layerStack(ctx, x, cfg.layers, cfg.scan, (c, y, i) =>
    transformerBlock(c, y, cfg, ffnFor?.(i)),
  );
  const logits = decoderHead(ctx, h, wte, cfg);
  b.output(
    'loss',
    b.scope('loss', () => crossEntropy(b, logits, targets)),
  );
  if (!common.train) b.output('logits', logits);
  return { tokensPerMicroBatch: common.batch * cfg.seq };
}

export const GPT_FAMILY: ModelFamily = {
  name: 'gpt',
  description:
    'GPT-style decoder-only transformer: learned or rotary positions, MHA/MQA/GQA, GELU or SwiGLU MLP, LayerNorm or RMSNorm, tied or untied embeddings, optional PaLM parallel blocks and a scanned layer stack',
  options: DECODER_OPTIONS,
  check: (o) => checkDecoder(o),
  build: (ctx, o, common) => buildDecoder(ctx, decoderConfig(o), common),
};
