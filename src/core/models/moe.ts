import type { ProgramBuilder } from '../ir/builder.ts';
import { activation, einsum, softmax } from '../ir/nn.ts';
import type { Value } from '../ir/program.ts';
import type { Shape } from '../ir/shape.ts';
import type { Ctx, ModelFamily } from './family.ts';
import { buildDecoder, checkDecoder, decoderConfig, DECODER_OPTIONS } from './gpt.ts';
import { optBool, optInt, optNum, type OptionDef, type Options } from './options.ts';
import type { BlockConfig, FfnLayer } from './transformer.ts';

/**
 * Mixture-of-experts decoder, GShard style: tokens in groups of N; router logits → softmax →
 * top-k (k = 1 or 2) one-hot masks → positions inside each expert by a cumulative sum → a DENSE
 * dispatch tensor [G, N, E, C] and combine weights; experts are einsums over weights with a
 * leading expert dim (`layers/<i>/moe/wi` [E, d, f], `wi_gate`, `wo` [E, f, d]); router
 * `layers/<i>/moe/router` [d, E]. Capacity C = ceil(capacity_factor · k · N / E); tokens beyond an
 * expert's capacity are dropped (their residual passes through). No auxiliary balancing loss.
 */

export const MOE_OPTIONS: readonly OptionDef[] = [
  ...DECODER_OPTIONS,
  { name: 'experts', type: 'int', default: 8, min: 1, doc: 'experts per MoE layer E' },
  {
    name: 'top_k',
    type: 'int',
    default: 2,
    min: 1,
    max: 2,
    doc: 'experts per token (1: Switch, 2: GShard/Mixtral)',
  },
  {
    name: 'capacity_factor',
    type: 'float',
    default: 1.25,
    min: 0.01,
    doc: 'expert capacity C = ceil(capacity_factor · top_k · group_size / experts)',
  },
  {
    name: 'moe_every',
    type: 'int',
    default: 1,
    min: 1,
    doc: 'every N-th layer is MoE (layers N−1, 2N−1, …); the others are dense MLPs',
  },
  {
    name: 'group_size',
    type: 'int',
    default: 0,
    min: 0,
    doc: 'tokens per routing group N; 0 = the largest divisor of batch·seq that is ≤ 1024',
  },
];

export interface MoeConfig {
  readonly experts: number;
  readonly topK: 1 | 2;
  readonly capacityFactor: number;
  readonly groupSize: number;
}

export function autoGroupSize(tokens: number, cap = 1024): number {
  for (let n = Math.min(cap, tokens); n > 1; n--) if (tokens % n === 0) return n;
  return 1;
}

export function expertCapacity(cfg: MoeConfig): number {
  return Math.min(
    cfg.groupSize,
    Math.max(1, Math.ceil((cfg.capacityFactor * cfg.topK * cfg.groupSize) / cfg.experts)),
  );
}

function expand(b: ProgramBuilder, x: Value, shape: Shape, dims: readonly number[]): Value {
  return b.broadcastInDim(x, shape, dims);
}

/** One-hot [G, N, E] (f32) of each token's highest-scoring expert (the lowest index among ties). */
function topOne(b: ProgramBuilder, scores: Value): Value {
  const shape = scores.type.shape;
  const E = shape[2];
  const ids = b.iota(shape, 2, 'f32');
  const best = expand(b, b.reduce(scores, [2], 'maximum'), shape, [0, 1]);
  const first = b.reduce(b.select(b.compare(scores, best, 'EQ'), ids, E), [2], 'minimum');
  return b.convert(b.compare(ids, expand(b, first, shape, [0, 1]), 'EQ'), 'f32');
}

/** The MoE feed-forward of x [B, S, d] in scope `moe`. */
export function moeLayer(ctx: Ctx, x: Value, cfg: BlockConfig, moe: MoeConfig): Value {
  const { b } = ctx;
  return b.scope('moe', () => {
    const [B, S, D] = x.type.shape;
    const E = moe.experts;
    const N = moe.groupSize;
    const G = (B * S) / N;
    const C = expertCapacity(moe);
    const xg = b.reshape(x, [G, N, D]);
    const router = ctx.param('router', [D, E]);
    const wi = ctx.param('wi', [E, D, cfg.ffn]);
    const gated = cfg.mlp === 'swiglu' || cfg.mlp === 'geglu';
    const wiGate = gated ? ctx.param('wi_gate', [E, D, cfg.ffn]) : undefined;
    const wo = ctx.param('wo', [E, cfg.ffn, D]);

    const probs = softmax(b, b.convert(einsum(b, 'gnd,de->gne', xg, router), 'f32'));
    const ge: Shape = [G, N, E];
    // inclusive cumulative sum over the tokens of a group, as a matmul with an upper-triangular [N, N]
    const tri = b.convert(
      b.compare(b.iota([N, N], 0, 'i32'), b.iota([N, N], 1, 'i32'), 'LE'),
      'f32',
    );
    const cumsum = (m: Value) => einsum(b, 'gne,nm->gme', m, tri);
    const masks = [topOne(b, probs)];
    if (moe.topK === 2) masks.push(topOne(b, b.mul(probs, b.sub(1, masks[0]))));
    let gates = masks.map((m) => b.sum(b.mul(probs, m), [2]));
    if (moe.topK === 2) {
      const total = b.add(gates[0], gates[1]);
      gates = gates.map((g) => b.div(g, total));
    }
    // slot of each token in its expert; top-2 choices queue behind every top-1 choice
    let offset: Value | undefined;
    let combine: Value | undefined;
    const slots = b.iota([G, N, C], 2, 'f32');
    masks.forEach((mask, k) => {
      let pos = b.sub(cumsum(mask), 1);
      if (offset) pos = b.add(pos, offset);
      if (k === 0 && moe.topK === 2) offset = expand(b, b.sum(mask, [1]), ge, [0, 2]);
      const keep = b.mul(mask, b.convert(b.compare(pos, C, 'LT'), 'f32'));
      const slot = b.sum(b.mul(pos, keep), [2]);
      const slotHot = b.convert(b.compare(slots, expand(b, slot, [G, N, C], [0, 1]), 'EQ'), 'f32');
      const weight = b.mul(keep, expand(b, gates[k], ge, [0, 1]));
      const c = b.mul(
        expand(b, weight, [G, N, E, C], [0, 1, 2]),
        expand(b, slotHot, [G, N, E, C], [0, 1, 3]),
      );
      combine = combine ? b.add(combine, c) : c;
    });
    const dispatch = b.convert(b.compare(combine!, 0, 'GT'), ctx.dtype);
    const inputs = einsum(b, 'gnec,gnd->egcd', dispatch, xg);
    // the expert-major computation has a scope of its own: expert parallelism runs inside it,
    // and the dispatch/combine einsums around it are where tokens change hands
    const out = b.scope('experts', () => {
      const up = einsum(b, 'egcd,edf->egcf', inputs, wi);
      const h = wiGate
        ? b.mul(
            activation(
              b,
              cfg.mlp === 'swiglu' ? 'silu' : 'gelu',
              einsum(b, 'egcd,edf->egcf', inputs, wiGate),
            ),
            up,
          )
        : activation(b, cfg.mlp === 'relu' ? 'relu' : 'gelu', up);
      return einsum(b, 'egcf,efd->egcd', h, wo);
    });
    const y = einsum(b, 'gnec,egcd->gnd', b.convert(combine!, ctx.dtype), out);
    return b.reshape(y, [B, S, D]);
  });
}

function moeConfig(o: Options, tokens: number): MoeConfig {
  const g = optInt(o, 'group_size');
  return {
    experts: optInt(o, 'experts'),
    topK: optInt(o, 'top_k') === 1 ? 1 : 2,
    capacityFactor: optNum(o, 'capacity_factor'),
    groupSize: g || autoGroupSize(tokens),
  };
}

export const MOE_FAMILY: ModelFamily = {
  name: 'moe',
  description:
    'mixture-of-experts decoder (GShard-style top-1/top-2 routing with dense dispatch/combine einsums and expert capacity), every N-th layer MoE',
  options: MOE_OPTIONS,
  check(o, common) {
    const d = checkDecoder(o);
    if (d) return d;
    const E = optInt(o, 'experts');
    if (optInt(o, 'top_k') > E) return `top_k=${optInt(o, 'top_k')} exceeds experts=${E}`;
    if (optBool(o, 'scan') && optInt(o, 'moe_every') !== 1)
      return `scan=true needs identical layers: moe_every must be 1, got ${optInt(o, 'moe_every')}`;
    const tokens = common.batch * optInt(o, 'seq');
    const g = optInt(o, 'group_size');
    if (g !== 0 && tokens % g !== 0) return `group_size=${g} does not divide batch·seq = ${tokens}`;
    return undefined;
  },
  build(ctx, o, common) {
    const cfg = decoderConfig(o);
    const moe = moeConfig(o, common.batch * cfg.seq);
    const every = optInt(o, 'moe_every');
    const ffn: FfnLayer = (c, h, bc) => moeLayer(c, h, bc, moe);
    return buildDecoder(ctx, cfg, common, (i) =>
      i < 0 || i % every === every - 1 ? ffn : undefined,
    );
  },
};
