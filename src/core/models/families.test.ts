import { describe, expect, it } from 'vitest';
import { hostTensor, type HostTensor } from '../ir/host-tensor.ts';
import { forEachOpDeep, type Program } from '../ir/program.ts';
import { verifyProgram } from '../ir/verifier.ts';
import { PRESETS } from './presets.ts';
import { buildModel } from './spec.ts';
import { lossOf, randomInputs, runByName, stack } from './test-util.ts';

/** Small instances of every family, run in the reference interpreter. */
const TINY_DECODER = 'layers=2,d_model=16,heads=4,vocab=40,seq=8,batch=2,train=false,dtype=f32';

/** A family spec from option lists, later keys overriding earlier ones. */
function spec(family: string, ...parts: string[]): string {
  const kv = new Map<string, string>();
  for (const part of parts)
    for (const item of part.split(',').filter(Boolean)) kv.set(item.split('=')[0], item);
  return `${family}:${[...kv.values()].join(',')}`;
}

/** Integer ranges: token ids < vocab, labels < classes, node ids < node count, timesteps < 1000. */
function intRange(p: Program) {
  const cfg = p.meta.config as Record<string, number>;
  return (v: { name: string }) => {
    if (v.name === 'tokens' || v.name === 'targets') return cfg.vocab;
    if (v.name === 'labels') return cfg.classes;
    if (v.name === 'particle_types') return cfg.particle_types;
    if (v.name === 'senders' || v.name === 'receivers') return (p.meta.batch as number) * cfg.nodes;
    if (v.name === 'timesteps') return 1000;
    throw new Error(`no range for ${v.name}`);
  };
}

function tinyLoss(spec: string, seed = 1): number {
  const p = buildModel(spec);
  expect(verifyProgram(p)).toEqual([]);
  return lossOf(p, randomInputs(p, intRange(p), seed));
}

describe('every preset builds a well-formed forward program', () => {
  for (const preset of PRESETS) {
    it(`${preset.name} verifies and ends in an f32 scalar 'loss'`, () => {
      const p = buildModel(`${preset.name}:train=false,batch=1`);
      expect(verifyProgram(p)).toEqual([]);
      const loss = p.outputs.find((o) => o.name === 'loss');
      expect(loss).toBeDefined();
      expect(p.values[loss!.value].type).toEqual({ shape: [], dtype: 'f32' });
      for (const id of p.main.params) expect(['data', 'param']).toContain(p.values[id].role);
    });
  }
});

describe('small instances run in the interpreter', () => {
  it('a random-init decoder predicts ~uniformly: loss ≈ log(vocab)', () => {
    for (const extra of [
      '',
      'positions=rotary,mlp=swiglu,norm=rmsnorm,bias=false,tied=false,kv_heads=2',
      'attention=mqa,positions=rotary,parallel=true,scan=true',
      'dtype=bf16',
    ]) {
      expect(Math.abs(tinyLoss(spec('gpt', TINY_DECODER, extra)) - Math.log(40))).toBeLessThan(
        0.05,
      );
    }
  });

  it('a random-init MoE decoder (top-1 and top-2, experts every 2nd layer) gives loss ≈ log(vocab)', () => {
    expect(Math.abs(tinyLoss(`moe:${TINY_DECODER},experts=4,top_k=2`) - Math.log(40))).toBeLessThan(
      0.05,
    );
    expect(
      Math.abs(
        tinyLoss(`moe:${TINY_DECODER},experts=4,top_k=1,moe_every=2,group_size=4`) - Math.log(40),
      ),
    ).toBeLessThan(0.05);
  });

  it('a random-init ViT gives loss ≈ log(classes)', () => {
    expect(
      Math.abs(
        tinyLoss(
          'vit:layers=2,d_model=16,heads=4,image=8,patch=4,classes=10,batch=2,train=false,dtype=f32',
        ) - Math.log(10),
      ),
    ).toBeLessThan(0.05);
  });

  it('a random-init multimodal decoder gives loss ≈ log(vocab) on the text positions', () => {
    const s = `multimodal:${TINY_DECODER},vision_layers=1,vision_d_model=8,vision_heads=2,image=8,patch=4,positions=rotary`;
    expect(Math.abs(tinyLoss(s) - Math.log(40))).toBeLessThan(0.05);
    expect(
      Math.abs(tinyLoss(s.replace('positions=rotary', 'positions=learned')) - Math.log(40)),
    ).toBeLessThan(0.05);
  });

  it('the U-Net, GNS and MLP give finite, positive MSE losses', () => {
    for (const spec of [
      'unet:image=8,ch=8,ch_mult=1/2,res_blocks=1,attn_res=4,groups=4,batch=2,train=false,dtype=f32',
      'gns:nodes=6,edges=10,steps=2,latent=8,batch=2,train=false,dtype=f32',
      'mlp:layers=3,in=8,hidden=16,out=4,batch=4,train=false,dtype=f32',
    ]) {
      const loss = tinyLoss(spec);
      expect(Number.isFinite(loss)).toBe(true);
      expect(loss).toBeGreaterThan(0);
    }
  });
});

/** Inputs for `to` taken from `from`'s inputs through a name mapping. */
function remap(
  from: Map<string, HostTensor>,
  to: Program,
  pick: (name: string, from: Map<string, HostTensor>) => HostTensor,
): Map<string, HostTensor> {
  return new Map(to.main.params.map((id) => [to.values[id].name, pick(to.values[id].name, from)]));
}

describe('equivalences', () => {
  it('a scanned layer stack computes the same loss as the unrolled one on stacked weights', () => {
    const s = spec('gpt', TINY_DECODER, 'layers=3,positions=rotary,kv_heads=2');
    const unrolled = buildModel(s);
    const scanned = buildModel(`${s},scan=true`);
    const inputs = randomInputs(unrolled, intRange(unrolled), 5);
    const scanInputs = remap(inputs, scanned, (name, m) => {
      if (!name.startsWith('layers/')) return m.get(name)!;
      const rel = name.slice('layers/'.length);
      return stack([0, 1, 2].map((i) => m.get(`layers/${i}/${rel}`)!));
    });
    expect(Math.abs(lossOf(scanned, scanInputs) - lossOf(unrolled, inputs))).toBeLessThan(1e-12);
  });

  it('scan=true builds ONE while (tripCount = layers) over stacked [L, …] params read by dynamic_slice', () => {
    const p = buildModel('llama2-7b:train=false,batch=1,seq=64,scan=true');
    const whiles = p.main.ops.filter((o) => o.kind === 'while');
    expect(whiles.map((w) => (w.attrs as { tripCount: number }).tripCount)).toEqual([32]);
    const wq = p.main.params.map((id) => p.values[id]).find((v) => v.name === 'layers/attn/wq');
    expect(wq?.type.shape).toEqual([32, 4096, 4096]);
    let slices = 0;
    forEachOpDeep(whiles[0].regions[1].ops, (op) => void (op.kind === 'dynamic_slice' && slices++));
    expect(slices).toBe(9); // ln1, wq, wk, wv, wo, ln2, wi, wi_gate, wo
    expect(verifyProgram(p)).toEqual([]);
  });

  it('ViT patch embedding by strided convolution equals reshape/transpose + matmul on the same weights', () => {
    const s =
      'vit:layers=1,d_model=8,heads=2,image=8,patch=4,classes=5,batch=2,train=false,dtype=f32';
    const conv = buildModel(s);
    const lin = buildModel(`${s},patch_embed=linear`);
    const inputs = randomInputs(conv, intRange(conv), 9);
    expect(Math.abs(lossOf(lin, inputs) - lossOf(conv, inputs))).toBeLessThan(1e-12);
  });

  it('an MoE layer with one expert and ample capacity equals the dense MLP', () => {
    const dense = buildModel(`gpt:${TINY_DECODER},mlp=swiglu,bias=false`);
    const moe = buildModel(
      `moe:${TINY_DECODER},mlp=swiglu,bias=false,experts=1,top_k=1,capacity_factor=1`,
    );
    const inputs = randomInputs(dense, intRange(dense), 3);
    const moeInputs = remap(inputs, moe, (name, m) => {
      if (name.endsWith('/moe/router')) return hostTensor([16, 1], 'f32', new Array(16).fill(0.3));
      const t = m.get(name.replace('/moe/', '/mlp/'))!;
      return name.includes('/moe/') ? hostTensor([1, ...t.shape], 'f32', t.data) : t;
    });
    expect(Math.abs(lossOf(moe, moeInputs) - lossOf(dense, inputs))).toBeLessThan(1e-12);
  });

  it('top-2 routing renormalises the two gates: two identical experts equal the dense MLP', () => {
    const dense = buildModel(`gpt:${TINY_DECODER},mlp=gelu,bias=false`);
    // capacity factor 1 with 2 experts and top-2 gives C = N: nothing is dropped
    const moe = buildModel(
      `moe:${TINY_DECODER},mlp=gelu,bias=false,experts=2,top_k=2,capacity_factor=1`,
    );
    const inputs = randomInputs(dense, intRange(dense), 4);
    const moeInputs = remap(inputs, moe, (name, m) => {
      if (name.endsWith('/moe/router'))
        return hostTensor(
          [16, 2],
          'f32',
          Array.from({ length: 32 }, (_, i) => Math.sin(i)),
        );
      const t = m.get(name.replace('/moe/', '/mlp/'))!;
      return name.includes('/moe/') ? stack([t, t]) : t;
    });
    expect(Math.abs(lossOf(moe, moeInputs) - lossOf(dense, inputs))).toBeLessThan(1e-12);
  });

  it('tokens over an expert’s capacity are dropped: a starved MoE differs from the dense MLP', () => {
    const dense = buildModel(`gpt:${TINY_DECODER},mlp=gelu,bias=false`);
    const moe = buildModel(
      `moe:${TINY_DECODER},mlp=gelu,bias=false,experts=2,top_k=2,capacity_factor=0.25`,
    );
    const inputs = randomInputs(dense, intRange(dense), 4);
    const moeInputs = remap(inputs, moe, (name, m) => {
      if (name.endsWith('/moe/router'))
        return hostTensor(
          [16, 2],
          'f32',
          Array.from({ length: 32 }, (_, i) => Math.sin(i)),
        );
      const t = m.get(name.replace('/moe/', '/mlp/'))!;
      return name.includes('/moe/') ? stack([t, t]) : t;
    });
    expect(Math.abs(lossOf(moe, moeInputs) - lossOf(dense, inputs))).toBeGreaterThan(1e-6);
  });
});

describe('names, dtypes and meta', () => {
  it('weights carry the scope-path names the sharding tactics select by', () => {
    const names = (s: string) => {
      const p = buildModel(s);
      return p.main.params.map((id) => p.values[id].name);
    };
    const gpt2 = new Set(names('gpt2-small:train=false,batch=1'));
    for (const n of [
      'embed/wte',
      'embed/wpe',
      'layers/3/attn/wq',
      'layers/3/attn/wk',
      'layers/3/attn/wv',
      'layers/3/attn/wo',
      'layers/3/mlp/wi',
      'layers/3/mlp/wo',
      'layers/3/ln1/scale',
      'layers/3/ln1/bias',
      'final_norm/scale',
    ])
      expect(gpt2.has(n), n).toBe(true);
    expect(gpt2.has('lm_head')).toBe(false);
    const llama = new Set(names('llama2-7b:train=false,batch=1,seq=16,layers=2'));
    for (const n of ['lm_head', 'layers/1/mlp/wi_gate', 'layers/1/ln2/scale'])
      expect(llama.has(n), n).toBe(true);
    expect(llama.has('layers/1/ln2/bias')).toBe(false);
    const moe = new Set(names('mixtral-8x7b:train=false,batch=1,seq=16,layers=2'));
    for (const n of [
      'layers/1/moe/wi',
      'layers/1/moe/wi_gate',
      'layers/1/moe/wo',
      'layers/1/moe/router',
    ])
      expect(moe.has(n), n).toBe(true);
  });

  it('bf16 keeps f32 master weights and runs the matmuls in bf16; the loss stays f32', () => {
    const p = buildModel('gpt2-small:train=false,batch=1,seq=16,layers=1');
    for (const id of p.main.params)
      if (p.values[id].role === 'param') expect(p.values[id].type.dtype).toBe('f32');
    const dots = p.main.ops
      .filter((o) => o.kind === 'dot_general')
      .map((o) => p.values[o.results[0]].type.dtype);
    expect(new Set(dots)).toEqual(new Set(['bf16']));
    const f32 = buildModel('gpt2-small:train=false,batch=1,seq=16,layers=1,dtype=f32');
    expect(
      f32.main.ops.some((o) => o.kind === 'convert' && p.values[o.operands[0]]?.role === 'param'),
    ).toBe(false);
  });

  it('meta records family, tokens per step, micro-batches, remat and the config', () => {
    const p = buildModel('gpt3-175b:train=false,batch=4');
    expect(p.meta).toMatchObject({
      family: 'gpt',
      preset: 'gpt3-175b',
      tokensPerStep: 4 * 2048,
      training: false,
      microBatches: 1,
    });
    expect((p.meta.config as Record<string, unknown>).layers).toBe(96);
    const v = buildModel('vit-base:train=false,batch=3');
    expect(v.meta.tokensPerStep).toBe(3);
    const m = buildModel('gemini-nano-2:train=false,batch=2,seq=100');
    expect(m.meta.tokensPerStep).toBe(2 * (196 + 100));
  });

  it('inference mode also outputs the logits', () => {
    const p = buildModel('gpt2-small:train=false,batch=2,seq=16,layers=1');
    const logits = p.outputs.find((o) => o.name === 'logits');
    expect(p.values[logits!.value].type.shape).toEqual([2, 16, 50257]);
  });
});

describe('training steps', () => {
  const TINY_TRAIN = [
    spec('gpt', TINY_DECODER, 'train=true'),
    spec(
      'gpt',
      TINY_DECODER,
      'train=true,scan=true,positions=rotary,kv_heads=2,mlp=swiglu,norm=rmsnorm,tied=false,remat=selective',
    ),
    spec('moe', TINY_DECODER, 'train=true,experts=4'),
    'vit:layers=1,d_model=16,heads=4,image=8,patch=4,classes=10,batch=2,dtype=f32',
    spec(
      'multimodal',
      TINY_DECODER,
      'train=true,layers=1,vision_layers=1,vision_d_model=8,vision_heads=2,image=8,patch=4',
    ),
    'unet:image=8,ch=8,ch_mult=1/2,res_blocks=1,attn_res=4,groups=4,batch=1,dtype=f32',
    'gns:nodes=6,edges=10,steps=2,latent=8,batch=2,dtype=f32',
    'mlp:layers=3,in=8,hidden=16,out=4,batch=4,dtype=f32,optimizer=sgd',
  ];
  for (const s of TINY_TRAIN) {
    it(`${s.split(':')[0]}: the step runs in the interpreter and a second step on the same batch lowers the loss (${s})`, () => {
      const p = buildModel(s);
      expect(p.meta.training).toBe(true);
      expect(verifyProgram(p)).toEqual([]);
      const inputs = randomInputs(p, intRange(p), 2);
      const out = runByName(p, inputs);
      for (const [name, t] of out) expect(t.data.every(Number.isFinite), name).toBe(true);
      // outputs replace the inputs they alias (new params and optimizer state)
      const next = new Map(inputs);
      for (const o of p.outputs)
        if (o.aliases !== undefined)
          next.set(p.values[p.main.params[o.aliases]].name, out.get(o.name)!);
      expect(lossOf(p, next)).toBeLessThan(out.get('loss')!.data[0]);
    });
  }

  it('accum=K gives data inputs a leading [K] dim and meta counts K micro-batches', () => {
    const p = buildModel('gpt2-small:layers=1,seq=16,batch=2,accum=4');
    const tokens = p.main.params.map((id) => p.values[id]).find((v) => v.name === 'tokens');
    expect(tokens?.type.shape).toEqual([4, 2, 16]);
    expect(p.meta).toMatchObject({
      training: true,
      microBatches: 4,
      tokensPerStep: 4 * 2 * 16,
      optimizer: 'adam',
    });
  });

  it('selective remat recomputes only the attention cores (found by their scope name)', () => {
    const p = buildModel('gpt2-small:layers=2,seq=16,batch=1,remat=selective');
    const scopes = new Set<string>();
    forEachOpDeep(p.main.ops, (op) => void (op.remat && scopes.add(op.scope)));
    expect([...scopes].sort()).toEqual(['layers/0/attn/core', 'layers/1/attn/core']);
  });

  // its build time is measured by `npm run bench -- build` (no timed assertions in tests)
  it('builds the gpt3-175b training step: 96 unrolled layers, tens of thousands of ops', () => {
    const p = buildModel('gpt3-175b');
    expect(p.meta.training).toBe(true);
    expect(p.main.ops.length).toBeGreaterThan(40_000);
  });
});
