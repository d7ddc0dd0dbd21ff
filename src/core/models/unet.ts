import { attentionCore, linear, mseLoss, silu } from '../ir/nn.ts';
import type { Value } from '../ir/program.ts';
import { conv2d, groupNorm, upsampleNearest } from './conv.ts';
import { dataInput, type Ctx, type ModelFamily } from './family.ts';
import { optInt, optInts, type OptionDef } from './options.ts';

/**
 * Diffusion U-Net after DDPM (Ho et al. 2020, `diffusion_tf/models/unet.py`), NHWC with HWIO kernels:
 * sinusoidal timestep embedding → dense 4ch → dense 4ch (`temb/dense0`, `temb/dense1`); `conv_in`;
 * per level `down/<l>/block_<i>` ResBlocks (GroupNorm, swish, 3×3 conv, + dense(temb), GroupNorm, swish,
 * 3×3 conv, 1×1 `nin_shortcut` when widths differ), single-head `attn_<i>` at the listed resolutions,
 * a stride-2 3×3 `downsample`; `mid/block_1`, `mid/attn_1`, `mid/block_2`; the up path with res_blocks + 1
 * blocks per level on skip concatenations and nearest ×2 `upsample` + 3×3 conv; `norm_out`, `conv_out`.
 * Inputs: the noised image, its timesteps and the noise; loss = MSE of the predicted noise (ε-prediction).
 * Dropout is omitted (no parameters, no FLOPs that matter).
 */

export const UNET_OPTIONS: readonly OptionDef[] = [
  { name: 'image', type: 'int', default: 32, min: 1, doc: 'image height and width' },
  { name: 'channels', type: 'int', default: 3, min: 1, doc: 'image channels (in and out)' },
  {
    name: 'ch',
    type: 'int',
    default: 128,
    min: 1,
    doc: 'base width (model_channels); time embedding is 4·ch',
  },
  {
    name: 'ch_mult',
    type: 'ints',
    default: [1, 2, 2, 2],
    min: 1,
    doc: "width multipliers per resolution level, '/'-separated",
  },
  {
    name: 'res_blocks',
    type: 'int',
    default: 2,
    min: 1,
    doc: 'ResBlocks per level on the way down (one more on the way up)',
  },
  {
    name: 'attn_res',
    type: 'ints',
    default: [16],
    min: 1,
    doc: "resolutions (feature-map sizes) that get a self-attention block, '/'-separated",
  },
  {
    name: 'groups',
    type: 'int',
    default: 32,
    min: 1,
    doc: 'GroupNorm groups (must divide every width)',
  },
];

interface UnetConfig {
  readonly ch: number;
  readonly mult: readonly number[];
  readonly resBlocks: number;
  readonly attnRes: readonly number[];
  readonly groups: number;
}

function norm(ctx: Ctx, name: string, x: Value, cfg: UnetConfig): Value {
  const C = x.type.shape[3];
  return ctx.b.scope(name, () =>
    groupNorm(ctx.b, x, ctx.param('scale', [C]), ctx.param('bias', [C]), cfg.groups),
  );
}

function conv(ctx: Ctx, name: string, x: Value, out: number, k = 3, stride = 1): Value {
  const C = x.type.shape[3];
  return ctx.b.scope(name, () =>
    ctx.b.add(conv2d(ctx.b, x, ctx.param('w', [k, k, C, out]), stride), ctx.param('b', [out])),
  );
}

function dense(ctx: Ctx, name: string, x: Value, out: number): Value {
  const C = x.type.shape[x.type.shape.length - 1];
  return ctx.b.scope(name, () => linear(ctx.b, x, ctx.param('w', [C, out]), ctx.param('b', [out])));
}

function resBlock(
  ctx: Ctx,
  name: string,
  x: Value,
  temb: Value,
  out: number,
  cfg: UnetConfig,
): Value {
  const { b } = ctx;
  return b.scope(name, () => {
    const C = x.type.shape[3];
    let h = conv(ctx, 'conv1', silu(b, norm(ctx, 'norm1', x, cfg)), out);
    h = b.add(
      h,
      b.broadcastInDim(dense(ctx, 'temb_proj', silu(b, temb), out), h.type.shape, [0, 3]),
    );
    h = conv(ctx, 'conv2', silu(b, norm(ctx, 'norm2', h, cfg)), out);
    return b.add(C === out ? x : dense(ctx, 'nin_shortcut', x, out), h);
  });
}

function attnBlock(ctx: Ctx, name: string, x: Value, cfg: UnetConfig): Value {
  const { b } = ctx;
  return b.scope(name, () => {
    const [B, H, W, C] = x.type.shape;
    const h = b.reshape(norm(ctx, 'norm', x, cfg), [B, H * W, C]);
    const head = (n: string) => b.reshape(dense(ctx, n, h, C), [B, H * W, 1, C]);
    const a = attentionCore(b, head('q'), head('k'), head('v'), { causal: false });
    return b.add(
      x,
      b.reshape(dense(ctx, 'proj_out', b.reshape(a, [B, H * W, C]), C), [B, H, W, C]),
    );
  });
}

/** DDPM's sinusoidal embedding of integer timesteps t [B] → [B, dim]: [sin(t·f), cos(t·f)], f_i = 10000^(−i/(half−1)). */
export function timestepEmbedding(ctx: Ctx, t: Value, dim: number): Value {
  const { b } = ctx;
  const half = dim / 2;
  const freqs = Array.from({ length: half }, (_, i) =>
    Math.exp((-Math.log(10000) * i) / Math.max(half - 1, 1)),
  );
  const [B] = t.type.shape;
  const args = b.mul(
    b.broadcastInDim(b.convert(t, 'f32'), [B, half], [0]),
    b.broadcastInDim(b.constant(freqs, [half], 'f32'), [B, half], [1]),
  );
  return b.convert(b.concatenate([b.unary('sine', args), b.unary('cosine', args)], 1), ctx.dtype);
}

export function unet(ctx: Ctx, x: Value, t: Value, cfg: UnetConfig): Value {
  const { b } = ctx;
  const levels = cfg.mult.length;
  const temb = b.scope('temb', () => {
    const e = timestepEmbedding(ctx, t, cfg.ch);
    return dense(ctx, 'dense1', silu(b, dense(ctx, 'dense0', e, 4 * cfg.ch)), 4 * cfg.ch);
  });
  const hs = [conv(ctx, 'conv_in', x, cfg.ch)];
  for (let l = 0; l < levels; l++) {
    b.scope('down', () =>
      b.scope(String(l), () => {
        for (let i = 0; i < cfg.resBlocks; i++) {
          let h = resBlock(ctx, `block_${i}`, hs[hs.length - 1], temb, cfg.ch * cfg.mult[l], cfg);
          if (cfg.attnRes.includes(h.type.shape[1])) h = attnBlock(ctx, `attn_${i}`, h, cfg);
          hs.push(h);
        }
        if (l !== levels - 1) {
          const top = hs[hs.length - 1];
          hs.push(conv(ctx, 'downsample', top, top.type.shape[3], 3, 2));
        }
      }),
    );
  }
  let h = b.scope('mid', () => {
    const top = hs[hs.length - 1];
    let m = resBlock(ctx, 'block_1', top, temb, top.type.shape[3], cfg);
    m = attnBlock(ctx, 'attn_1', m, cfg);
    return resBlock(ctx, 'block_2', m, temb, top.type.shape[3], cfg);
  });
  for (let l = levels - 1; l >= 0; l--) {
    h = b.scope('up', () =>
      b.scope(String(l), () => {
        let u = h;
        for (let i = 0; i <= cfg.resBlocks; i++) {
          u = resBlock(
            ctx,
            `block_${i}`,
            b.concatenate([u, hs.pop()!], 3),
            temb,
            cfg.ch * cfg.mult[l],
            cfg,
          );
          if (cfg.attnRes.includes(u.type.shape[1])) u = attnBlock(ctx, `attn_${i}`, u, cfg);
        }
        return l !== 0 ? conv(ctx, 'upsample', upsampleNearest(b, u), u.type.shape[3]) : u;
      }),
    );
  }
  return conv(ctx, 'conv_out', silu(b, norm(ctx, 'norm_out', h, cfg)), x.type.shape[3]);
}

export const UNET_FAMILY: ModelFamily = {
  name: 'unet',
  description:
    'DDPM diffusion U-Net: ResBlocks with GroupNorm and timestep embedding, self-attention at chosen resolutions, strided-conv down / nearest+conv up, skip concatenations; MSE on the predicted noise',
  options: UNET_OPTIONS,
  check(o) {
    const mult = optInts(o, 'ch_mult');
    const image = optInt(o, 'image');
    const down = 2 ** (mult.length - 1);
    if (image % down !== 0)
      return `image=${image} must be divisible by 2^(levels−1) = ${down} for ch_mult=${mult.join('/')}`;
    const groups = optInt(o, 'groups');
    const widths = [optInt(o, 'ch'), ...mult.map((m) => m * optInt(o, 'ch'))];
    const bad = widths.find((w) => w % groups !== 0);
    if (bad !== undefined) return `groups=${groups} does not divide width ${bad}`;
    if (optInt(o, 'ch') % 2 !== 0)
      return `ch=${optInt(o, 'ch')} must be even (sinusoidal embedding)`;
    return undefined;
  },
  build(ctx, o, common) {
    const { b } = ctx;
    const cfg: UnetConfig = {
      ch: optInt(o, 'ch'),
      mult: optInts(o, 'ch_mult'),
      resBlocks: optInt(o, 'res_blocks'),
      attnRes: optInts(o, 'attn_res'),
      groups: optInt(o, 'groups'),
    };
    const shape = [common.batch, optInt(o, 'image'), optInt(o, 'image'), optInt(o, 'channels')];
    const noisy = dataInput(ctx, 'noisy', shape, 'f32');
    const t = b.input('timesteps', [common.batch], 'i32', 'data');
    const noise = dataInput(ctx, 'noise', shape, 'f32');
    const pred = unet(ctx, noisy, t, cfg);
    b.output(
      'loss',
      b.scope('loss', () => mseLoss(b, pred, noise)),
    );
    if (!common.train) b.output('predictions', pred);
    return { tokensPerMicroBatch: common.batch };
  },
};
