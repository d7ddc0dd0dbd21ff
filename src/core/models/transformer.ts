import { activation, attention, layerNorm, linear, rmsNorm } from '../ir/nn.ts';
import type { Value } from '../ir/program.ts';
import type { Ctx } from './family.ts';

/**
 * The transformer block shared by the decoder, MoE, ViT and multimodal families.
 * Weight names (relative to the layer scope) are what sharding tactics select by regex:
 * ln1/scale, ln1/bias, attn/wq, attn/wk, attn/wv, attn/wo (+ bq, bk, bv, bo),
 * ln2/…, mlp/wi, mlp/wi_gate (gated MLPs), mlp/wo (+ bi, bo).
 */
export interface BlockConfig {
  readonly d: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly ffn: number;
  /** gelu: 2 matrices; swiglu / geglu: gated, 3 matrices (ffn is one branch's width). */
  readonly mlp: 'gelu' | 'relu' | 'swiglu' | 'geglu';
  readonly bias: boolean;
  readonly norm: 'layernorm' | 'rmsnorm';
  readonly eps: number;
  /** PaLM's y = x + attn(ln(x)) + mlp(ln(x)) with one norm per block. */
  readonly parallel: boolean;
  readonly causal: boolean;
  /** Rotary embeddings with this θ, or none. */
  readonly rotaryTheta?: number;
}

/** A norm in its own scope: `<name>/scale` and, for LayerNorm with biases, `<name>/bias`. */
export function normLayer(
  ctx: Ctx,
  name: string,
  x: Value,
  cfg: Pick<BlockConfig, 'd' | 'norm' | 'bias' | 'eps'>,
): Value {
  const { b } = ctx;
  return b.scope(name, () => {
    const scale = ctx.param('scale', [cfg.d]);
    if (cfg.norm === 'rmsnorm') return rmsNorm(b, x, scale, cfg.eps);
    return layerNorm(b, x, scale, cfg.bias ? ctx.param('bias', [cfg.d]) : undefined, cfg.eps);
  });
}

export function attentionLayer(ctx: Ctx, x: Value, cfg: BlockConfig): Value {
  const { b } = ctx;
  return b.scope('attn', () => {
    const q = cfg.heads * cfg.headDim;
    const kv = cfg.kvHeads * cfg.headDim;
    const w = {
      wq: ctx.param('wq', [cfg.d, q]),
      wk: ctx.param('wk', [cfg.d, kv]),
      wv: ctx.param('wv', [cfg.d, kv]),
      wo: ctx.param('wo', [q, cfg.d]),
      ...(cfg.bias
        ? {
            bq: ctx.param('bq', [q]),
            bk: ctx.param('bk', [kv]),
            bv: ctx.param('bv', [kv]),
            bo: ctx.param('bo', [cfg.d]),
          }
        : {}),
    };
    return attention(b, x, w, {
      heads: cfg.heads,
      kvHeads: cfg.kvHeads,
      causal: cfg.causal,
      rotaryTheta: cfg.rotaryTheta,
    });
  });
}

/** The feed-forward of x [..., d] in the current scope: wi [d, f] (+ wi_gate), wo [f, d]. */
export function feedForward(
  ctx: Ctx,
  x: Value,
  cfg: Pick<BlockConfig, 'd' | 'ffn' | 'mlp' | 'bias'>,
): Value {
  const { b } = ctx;
  const up = linear(
    b,
    x,
    ctx.param('wi', [cfg.d, cfg.ffn]),
    cfg.bias ? ctx.param('bi', [cfg.ffn]) : undefined,
  );
  let h: Value;
  if (cfg.mlp === 'swiglu' || cfg.mlp === 'geglu') {
    const gate = linear(b, x, ctx.param('wi_gate', [cfg.d, cfg.ffn]));
    h = b.mul(activation(b, cfg.mlp === 'swiglu' ? 'silu' : 'gelu', gate), up);
  } else {
    h = activation(b, cfg.mlp, up);
  }
  return linear(
    b,
    h,
    ctx.param('wo', [cfg.ffn, cfg.d]),
    cfg.bias ? ctx.param('bo', [cfg.d]) : undefined,
  );
}

/** The dense MLP sub-layer, in scope `mlp`. */
export function mlpLayer(ctx: Ctx, x: Value, cfg: BlockConfig): Value {
  return ctx.b.scope('mlp', () => feedForward(ctx, x, cfg));
}

/** The feed-forward sub-layer a block uses: the dense MLP, or e.g. a mixture of experts. */
export type FfnLayer = (ctx: Ctx, x: Value, cfg: BlockConfig) => Value;

/** A pre-norm block: x + attn(ln1(x)) then + ffn(ln2(·)); or, parallel, x + attn(ln1(x)) + ffn(ln1(x)). */
export function transformerBlock(
  ctx: Ctx,
  x: Value,
  cfg: BlockConfig,
  ffn: FfnLayer = mlpLayer,
): Value {
  const { b } = ctx;
  if (cfg.parallel) {
    const h = normLayer(ctx, 'ln1', x, cfg);
    return b.add(b.add(x, attentionLayer(ctx, h, cfg)), ffn(ctx, h, cfg));
  }
  const y = b.add(x, attentionLayer(ctx, normLayer(ctx, 'ln1', x, cfg), cfg));
  return b.add(y, ffn(ctx, normLayer(ctx, 'ln2', y, cfg), cfg));
}
