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

const GPT2 = {
  positions: 'learned',
  mlp: 'gelu',
  bias: true,
  norm: 'layernorm',
  tied: true,
  vocab: 50257,
  seq: 1024,
};
const LLAMA = {
  positions: 'rotary',
  mlp: 'swiglu',
  bias: false,
  norm: 'rmsnorm',
  tied: false,
  eps: 1e-5,
};
const PALM = {
  positions: 'rotary',
  mlp: 'swiglu',
  bias: false,
  norm: 'layernorm',
  tied: true,
  parallel: true,
  kv_heads: 1,
  attention: 'mqa',
  head_dim: 256,
  vocab: 256000,
  seq: 2048,
};

const GEMMA = {
  positions: 'rotary',
  mlp: 'geglu',
  bias: false,
  norm: 'rmsnorm',
  eps: 1e-6,
  tied: true,
  d_model: 2048,
  heads: 8,
  kv_heads: 1,
  attention: 'mqa',
  head_dim: 256,
  vocab: 256000,
  seq: 2048,
  vision_layers: 12,
  vision_d_model: 768,
  vision_heads: 12,
  vision_ffn: 3072,
  image: 224,
  patch: 16,
};

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
    options: {
      ...LLAMA,
      layers: 32,
      d_model: 4096,
      heads: 32,
      ffn: 11008,
      vocab: 32000,
      seq: 4096,
    },
    publishedParams: 7e9,
    source:
      'meta-llama/llama MODEL_CARD.md and llama/model.py; MaxText llama2-7b.yml; model-configs.md §3',
  },
  {
    name: 'llama2-70b',
    family: 'gpt',
    description: 'Llama 2 70B: 80 × 8192, GQA 64/8, SwiGLU 28672, RMSNorm, rotary, untied',
    options: {
      ...LLAMA,
      layers: 80,
      d_model: 8192,
      heads: 64,
      kv_heads: 8,
      ffn: 28672,
      vocab: 32000,
      seq: 4096,
    },
    publishedParams: 70e9,
    source: 'meta-llama/llama MODEL_CARD.md; MaxText llama2-70b.yml; model-configs.md §3',
  },
  {
    name: 'llama3-8b',
    family: 'gpt',
    description: 'Llama 3 8B: 32 × 4096, GQA 32/8, SwiGLU 14336, V = 128256, θ = 500000, T = 8192',
    options: {
      ...LLAMA,
      layers: 32,
      d_model: 4096,
      heads: 32,
      kv_heads: 8,
      ffn: 14336,
      vocab: 128256,
      seq: 8192,
      rope_theta: 500000,
    },
    publishedParams: 8e9,
    source: 'meta-llama/llama-models sku_list.py and llama3 MODEL_CARD.md; model-configs.md §3',
  },
  {
    name: 'palm-8b',
    family: 'gpt',
    description:
      'PaLM 8B: 32 × 4096, MQA 16 heads of 256, SwiGLU 16384, parallel blocks, V = 256000',
    options: { ...PALM, layers: 32, d_model: 4096, heads: 16, ffn: 16384 },
    publishedParams: 8.63e9,
    source: 'Chowdhery et al. 2022 (arXiv 2204.02311) Table 1; model-configs.md §4',
  },
  {
    name: 'palm-540b',
    family: 'gpt',
    description:
      'PaLM 540B: 118 × 18432, MQA 48 heads of 256 (H·dh ≠ d), SwiGLU 73728, parallel blocks, tied, V = 256000',
    options: { ...PALM, layers: 118, d_model: 18432, heads: 48, ffn: 73728 },
    publishedParams: 540.35e9,
    source: 'Chowdhery et al. 2022 (arXiv 2204.02311) Table 1; model-configs.md §4',
  },
  {
    name: 'mixtral-8x7b',
    family: 'moe',
    description:
      'Mixtral 8x7B: 32 × 4096, GQA 32/8, 8 SwiGLU experts of 14336, top-2 in every layer (here with GShard capacity factor 1; Mixtral itself is dropless)',
    options: {
      ...LLAMA,
      layers: 32,
      d_model: 4096,
      heads: 32,
      kv_heads: 8,
      ffn: 14336,
      vocab: 32000,
      seq: 4096,
      rope_theta: 1e6,
      experts: 8,
      top_k: 2,
      moe_every: 1,
      capacity_factor: 1,
    },
    publishedParams: 46.7e9,
    source:
      'Jiang et al. 2024 (arXiv 2401.04088) Table 1; MaxText mixtral-8x7b.yml; model-configs.md §7',
  },
  {
    name: 'vit-base',
    family: 'vit',
    description: 'ViT-B/16 at 224², 1000-class head: 12 × 768, 12 heads, MLP 3072',
    options: {
      layers: 12,
      d_model: 768,
      heads: 12,
      ffn: 3072,
      patch: 16,
      image: 224,
      classes: 1000,
    },
    publishedParams: 86e6,
    source:
      'Dosovitskiy et al. 2020 (arXiv 2010.11929) Table 1; vit_jax/configs/models.py; model-configs.md §8',
  },
  {
    name: 'vit-large',
    family: 'vit',
    description:
      'ViT-L/16 at 224², 1000-class head: 24 × 1024, 16 heads, MLP 4096 (the published 307M is not reproducible; see §8)',
    options: {
      layers: 24,
      d_model: 1024,
      heads: 16,
      ffn: 4096,
      patch: 16,
      image: 224,
      classes: 1000,
    },
    publishedParams: 307e6,
    source:
      'Dosovitskiy et al. 2020 (arXiv 2010.11929) Table 1; vit_jax/configs/models.py; model-configs.md §8',
  },
  {
    name: 'vit-huge',
    family: 'vit',
    description: 'ViT-H/14 at 224², 1000-class head: 32 × 1280, 16 heads, MLP 5120',
    options: {
      layers: 32,
      d_model: 1280,
      heads: 16,
      ffn: 5120,
      patch: 14,
      image: 224,
      classes: 1000,
    },
    publishedParams: 632e6,
    source:
      'Dosovitskiy et al. 2020 (arXiv 2010.11929) Table 1; vit_jax/configs/models.py; model-configs.md §8',
  },
  {
    name: 'gemini-nano-1',
    family: 'multimodal',
    description:
      'Gemini Nano-1 size (1.8B), assumed shapes: ViT-B/16 image encoder + Gemma-2B-style decoder (MQA 8×256, GeGLU, RMSNorm, tied 256k vocab) at 11 layers, FFN 16000',
    options: { ...GEMMA, layers: 11, ffn: 16000 },
    publishedParams: 1.8e9,
    source:
      'Gemini Team 2023 (arXiv 2312.11805) §2 (size only); shapes assumed from Gemma 2B (arXiv 2403.08295) and ViT-B/16; model-configs.md §5',
  },
  {
    name: 'gemini-nano-2',
    family: 'multimodal',
    description:
      'Gemini Nano-2 size (3.25B), assumed shapes: ViT-B/16 image encoder + Gemma-2B-style decoder (MQA 8×256, GeGLU 16384, RMSNorm, tied 256k vocab) at 24 layers',
    options: { ...GEMMA, layers: 24, ffn: 16384 },
    publishedParams: 3.25e9,
    source:
      'Gemini Team 2023 (arXiv 2312.11805) §2 (size only); shapes assumed from Gemma 2B (arXiv 2403.08295) and ViT-B/16; model-configs.md §5',
  },
  {
    name: 'ddpm-cifar10',
    family: 'unet',
    description:
      'DDPM CIFAR-10 U-Net (35.7M): 32², ch 128, ch_mult 1/2/2/2, 2 res blocks, attention at 16×16',
    options: {
      image: 32,
      channels: 3,
      ch: 128,
      ch_mult: [1, 2, 2, 2],
      res_blocks: 2,
      attn_res: [16],
      groups: 32,
    },
    publishedParams: 35.7e6,
    source:
      'Ho et al. 2020 (arXiv 2006.11239); hojonathanho/diffusion scripts/run_cifar.py, diffusion_tf/models/unet.py; model-configs.md §9',
  },
  {
    name: 'ddpm-256',
    family: 'unet',
    description:
      'DDPM LSUN / CelebA-HQ 256² U-Net (114M): ch 128, ch_mult 1/1/2/2/4/4, 2 res blocks, attention at 16×16',
    options: {
      image: 256,
      channels: 3,
      ch: 128,
      ch_mult: [1, 1, 2, 2, 4, 4],
      res_blocks: 2,
      attn_res: [16],
      groups: 32,
    },
    publishedParams: 114e6,
    source:
      'Ho et al. 2020 (arXiv 2006.11239); hojonathanho/diffusion scripts/run_lsun.py; model-configs.md §9',
  },
  {
    name: 'gns-2d',
    family: 'gns',
    description:
      'GNS for 2-D particles: latent 128, 10 unshared message-passing steps, 9 particle types (no published count; 1,591,826 computed from the reference code)',
    options: {
      dim: 2,
      steps: 10,
      latent: 128,
      hidden_layers: 2,
      history: 5,
      particle_types: 9,
      type_embed: 16,
    },
    publishedParams: 1_591_826,
    source:
      'Sanchez-Gonzalez et al. 2020 (arXiv 2002.09405); deepmind-research learning_to_simulate; count computed in model-configs.md §10',
  },
];
