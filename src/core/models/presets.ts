import type { Options } from './options.ts';

/**
 * Named configurations of published models. Shapes come from /work/shared/reference/model-configs.md
 * (its § numbers are cited); `publishedParams` is the figure the source publishes (rounded where the
 * source rounds). Options not listed take the family defaults.
 */
export interface Preset {
  readonly name: string;
  readonly family: string;
  readonly description: string;
  readonly options: Options;
  readonly publishedParams: number;
  readonly source: string;
}

const GPT2 = { positions: 'learned', mlp: 'gelu', bias: true, norm: 'layernorm', tied: true, vocab: 50257, seq: 1024 };
const LLAMA = { positions: 'rotary', mlp: 'swiglu', bias: false, norm: 'rmsnorm', tied: false, eps: 1e-5 };
const PALM = { positions: 'rotary', mlp: 'swiglu', bias: false, norm: 'layernorm', tied: true, parallel: true, kv_heads: 1, attention: 'mqa', head_dim: 256, vocab: 256000, seq: 2048 };

export const PRESETS: readonly Preset[] = [
  {
    name: 'gpt2-small',
    family: 'gpt',
    description: 'GPT-2 small (124M): 12 × 768, 12 heads, learned positions, tied embeddings',
    options: { ...GPT2, layers: 12, d_model: 768, heads: 12 },
    publishedParams: 124e6,
    source: 'openai/gpt-2 README (download name 124M); model-configs.md §1',
  },
  {
    name: 'gpt2-medium',
    family: 'gpt',
    description: 'GPT-2 medium (355M): 24 × 1024, 16 heads',
    options: { ...GPT2, layers: 24, d_model: 1024, heads: 16 },
    publishedParams: 355e6,
    source: 'openai/gpt-2 README (download name 355M); model-configs.md §1',
  },
  {
    name: 'gpt2-large',
    family: 'gpt',
    description: 'GPT-2 large (774M): 36 × 1280, 20 heads',
    options: { ...GPT2, layers: 36, d_model: 1280, heads: 20 },
    publishedParams: 774e6,
    source: 'openai/gpt-2 README (download name 774M); model-configs.md §1',
  },
  {
    name: 'gpt2-xl',
    family: 'gpt',
    description: 'GPT-2 XL (1.5B, checkpoint "1558M"): 48 × 1600, 25 heads',
    options: { ...GPT2, layers: 48, d_model: 1600, heads: 25 },
    publishedParams: 1558e6,
    source: 'openai/gpt-2 README (download name 1558M); model-configs.md §1',
  },
  {
    name: 'gpt3-175b',
    family: 'gpt',
    description: 'GPT-3 175B: 96 × 12288, 96 heads of 128, T = 2048, GPT-2 architecture',
    options: { ...GPT2, layers: 96, d_model: 12288, heads: 96, seq: 2048 },
    publishedParams: 175.0e9,
    source: 'Brown et al. 2020 (arXiv 2005.14165) Table 2.1; model-configs.md §2',
  },
  {
    name: 'llama2-7b',
    family: 'gpt',
    description: 'Llama 2 7B: 32 × 4096, MHA, SwiGLU 11008, RMSNorm, rotary, untied, V = 32000',
    options: { ...LLAMA, layers: 32, d_model: 4096, heads: 32, ffn: 11008, vocab: 32000, seq: 4096 },
    publishedParams: 7e9,
    source: 'meta-llama/llama MODEL_CARD.md and llama/model.py; MaxText llama2-7b.yml; model-configs.md §3',
  },
  {
    name: 'llama2-70b',
    family: 'gpt',
    description: 'Llama 2 70B: 80 × 8192, GQA 64/8, SwiGLU 28672, RMSNorm, rotary, untied',
    options: { ...LLAMA, layers: 80, d_model: 8192, heads: 64, kv_heads: 8, ffn: 28672, vocab: 32000, seq: 4096 },
    publishedParams: 70e9,
    source: 'meta-llama/llama MODEL_CARD.md; MaxText llama2-70b.yml; model-configs.md §3',
  },
  {
    name: 'llama3-8b',
    family: 'gpt',
    description: 'Llama 3 8B: 32 × 4096, GQA 32/8, SwiGLU 14336, V = 128256, θ = 500000, T = 8192',
    options: { ...LLAMA, layers: 32, d_model: 4096, heads: 32, kv_heads: 8, ffn: 14336, vocab: 128256, seq: 8192, rope_theta: 500000 },
    publishedParams: 8e9,
    source: 'meta-llama/llama-models sku_list.py and llama3 MODEL_CARD.md; model-configs.md §3',
  },
  {
    name: 'palm-8b',
    family: 'gpt',
    description: 'PaLM 8B: 32 × 4096, MQA 16 heads of 256, SwiGLU 16384, parallel blocks, V = 256000',
    options: { ...PALM, layers: 32, d_model: 4096, heads: 16, ffn: 16384 },
    publishedParams: 8.63e9,
    source: 'Chowdhery et al. 2022 (arXiv 2204.02311) Table 1; model-configs.md §4',
  },
  {
    name: 'palm-540b',
    family: 'gpt',
    description: 'PaLM 540B: 118 × 18432, MQA 48 heads of 256 (H·dh ≠ d), SwiGLU 73728, parallel blocks, tied, V = 256000',
    options: { ...PALM, layers: 118, d_model: 18432, heads: 48, ffn: 73728 },
    publishedParams: 540.35e9,
    source: 'Chowdhery et al. 2022 (arXiv 2204.02311) Table 1; model-configs.md §4',
  },
];
