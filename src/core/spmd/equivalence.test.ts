import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../models/index.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { parseSchedule } from '../tactics/schedule.ts';
import type { Tactic } from '../tactics/tactic.ts';
import { checkSpmdEquivalence } from './equivalence.ts';

/** f32 so that only summation order separates the two runs. */
const GPT = 'gpt:layers=2,d_model=16,heads=4,vocab=40,seq=8,batch=4,dtype=f32';
const MOE =
  'moe:layers=2,d_model=16,heads=4,vocab=40,seq=8,batch=4,dtype=f32,experts=4,top_k=2,group_size=8';

function expectEquivalent(spec: string, mesh: string, schedule: string | Tactic[]) {
  const tactics = typeof schedule === 'string' ? parseSchedule(schedule) : schedule;
  const r = checkSpmdEquivalence(buildModel(spec), parseMesh(mesh), tactics);
  expect(r.maxError, JSON.stringify(r.errors)).toBeLessThan(1e-9);
  return r;
}

describe('SPMD lowering is proven by execution: global program vs every device of the mesh', () => {
  it.each([
    ['BP(data)'],
    ['MP(model)'],
    ['BP(data),MP(model)'],
    ['BP(data),MP(model),SP(model)'],
    ['EMB(model)'],
    ['BP(data),Z1(data)'],
    ['BP(data),Z2(data)'],
    ['BP(data),Z3(data)'],
    ['BP(data),MP(model),Z3(data)'],
    ['tile("layers/0/mlp/wi$", 0, model),BP(data)'],
  ])('GPT training step under %s', (schedule) => {
    const r = expectEquivalent(GPT, 'data=2,model=2', schedule);
    expect(r.spmd.collectives.length).toBeGreaterThan(0);
  });

  it('training steps with accumulation, full remat and scan-over-layers', () => {
    expectEquivalent(`${GPT},accum=2`, 'data=2,model=2', 'BP(data),MP(model),Z2(data)');
    expectEquivalent(`${GPT},remat=full`, 'data=2,model=2', 'BP(data),MP(model)');
    expectEquivalent(`${GPT},remat=selective`, 'data=2,model=2', 'BP(data),MP(model),SP(model)');
    expectEquivalent(`${GPT},scan=true`, 'data=2,model=2', 'BP(data),MP(model)');
  });

  it('mixture of experts under EP', () => {
    expectEquivalent(MOE, 'data=2,model=2', 'EP(data),BP(data)');
    expectEquivalent(MOE, 'data=2,model=2', 'EP(data),BP(data),MP(model)');
  });

  it('sequence parallelism reaching a patch embedding: the image split on its rows, the weight gradient whole', () => {
    // SP splits the patch sequence; propagation carries the split into the image's rows, so the
    // weight-gradient convolution sees its "kernel" (the output gradient) split spatially: that
    // window must be gathered, not contracted in pieces (found by the auto partitioner)
    const r = expectEquivalent(
      'multimodal:layers=1,d_model=16,heads=4,vocab=40,seq=8,batch=4,dtype=f32,vision_layers=1,vision_d_model=8,vision_heads=2,image=8,patch=4',
      'data=2,model=2',
      'BP(data),MP(model),SP(model)',
    );
    const embed = r.spmd.collectives.filter((c) => c.scope === 'vision/embed');
    expect(embed.some((c) => c.kind === 'all-gather' && c.axes.includes('model'))).toBe(true);
  });

  it('every other family: ViT, multimodal, U-Net, graph network, MLP', () => {
    expectEquivalent(
      'vit:layers=2,d_model=16,heads=4,image=8,patch=4,classes=10,batch=4,dtype=f32',
      'data=2,model=2',
      'BP(data),MP(model)',
    );
    expectEquivalent(
      'multimodal:layers=2,d_model=16,heads=4,vocab=40,seq=8,batch=4,dtype=f32,vision_layers=1,vision_d_model=8,vision_heads=2,image=8,patch=4',
      'data=2,model=2',
      'BP(data),MP(model),Z3(data)',
    );
    expectEquivalent(
      'unet:image=8,ch=8,ch_mult=1/2,res_blocks=1,attn_res=4,groups=4,batch=4,dtype=f32',
      'data=2',
      'BP(data),Z3(data)',
    );
    expectEquivalent(
      'gns:nodes=6,edges=10,steps=2,latent=8,batch=2,dtype=f32',
      'data=2,model=2',
      'BP(data),Z2(model)',
    );
    expectEquivalent(
      'mlp:layers=3,in=8,hidden=16,out=4,batch=4,dtype=f32',
      'data=2,model=2',
      'BP(data),tile("layers/1/w$", 1, model)',
    );
  });

  it('holds for random meshes, schedules and small models (property)', () => {
    // random small decoders (widths, heads, GQA, positions, MLP kind, norm), MLPs and MoEs
    const decoder = fc
      .record({
        layers: fc.integer({ min: 1, max: 2 }),
        heads: fc.constantFrom(2, 4),
        kv: fc.constantFrom(1, 2),
        dh: fc.constantFrom(2, 4),
        seq: fc.constantFrom(4, 8),
        positions: fc.constantFrom('learned', 'rotary'),
        mlp: fc.constantFrom('gelu', 'swiglu'),
        norm: fc.constantFrom('layernorm', 'rmsnorm'),
        tied: fc.boolean(),
      })
      .map(
        (o) =>
          `gpt:layers=${o.layers},d_model=${o.heads * o.dh},heads=${o.heads},kv_heads=${Math.min(o.kv, o.heads)},vocab=24,seq=${o.seq},batch=4,dtype=f32,positions=${o.positions},mlp=${o.mlp},norm=${o.norm},tied=${o.tied}`,
      );
    const mlp = fc
      .record({ layers: fc.integer({ min: 1, max: 3 }), hidden: fc.constantFrom(4, 8, 12) })
      .map((o) => `mlp:layers=${o.layers},in=4,hidden=${o.hidden},out=4,batch=4,dtype=f32`);
    const moe = fc
      .constantFrom(1, 2)
      .map(
        (k) =>
          `moe:layers=1,d_model=8,heads=2,vocab=24,seq=4,batch=4,dtype=f32,experts=2,top_k=${k},group_size=4`,
      );
    const axes = ['a', 'b'];
    const tactic = fc.record({
      tactic: fc.constantFrom('BP', 'MP', 'SP', 'EMB', 'Z1', 'Z2', 'Z3', 'EP'),
      axis: fc.constantFrom(...axes),
    });
    let checked = 0;
    fc.assert(
      fc.property(
        fc.oneof(decoder, decoder, mlp, moe),
        fc.constantFrom('a=2', 'a=2,b=2', 'a=4', 'a=2,b=1', 'a=1,b=4'),
        fc.array(tactic, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 1000 }),
        (model, mesh, schedule, seed) => {
          const m = parseMesh(mesh);
          const ok = schedule.filter((t) => m.axes.some((a) => a.name === t.axis)) as Tactic[];
          let r;
          try {
            r = checkSpmdEquivalence(buildModel(model), m, ok, seed);
          } catch (e) {
            // a tactic that matches nothing or does not divide is refused by design
            if ((e as Error).name === 'TacticError') return;
            throw e;
          }
          checked++;
          expect(r.maxError, `${model} on ${mesh} with ${JSON.stringify(ok)}`).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(10);
  });
});
