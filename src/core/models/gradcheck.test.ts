import { describe, expect, it } from 'vitest';
import { gradients } from '../ir/autodiff/grad.ts';
import { programWithOutputs } from '../ir/autodiff/gradient-check.ts';
import { hostTensor, type HostTensor } from '../ir/host-tensor.ts';
import { evaluate } from '../ir/interpreter.ts';
import type { Program } from '../ir/program.ts';
import { buildModel } from './spec.ts';
import { lcg, randomInputs } from './test-util.ts';

/**
 * Whole-model gradient checks, one small instance per zoo family: the gradient the autodiff
 * builds, projected on a random direction over every parameter, against the central finite
 * difference of the loss along that direction (both in f64 through the reference interpreter).
 */
const DECODER = 'layers=2,d_model=8,heads=2,vocab=12,seq=4,batch=2,train=false,dtype=f32';
const SPECS: Record<string, string> = {
  gpt: `gpt:${DECODER}`,
  'gpt (rotary, GQA, SwiGLU, RMSNorm, scan)':
    'gpt:layers=2,d_model=8,heads=4,kv_heads=2,vocab=12,seq=4,batch=2,train=false,dtype=f32,positions=rotary,mlp=swiglu,norm=rmsnorm,bias=false,scan=true',
  moe: `moe:${DECODER},experts=2,top_k=2,group_size=4`,
  vit: 'vit:layers=1,d_model=8,heads=2,image=8,patch=4,classes=5,batch=2,train=false,dtype=f32',
  multimodal: `multimodal:${DECODER},vision_layers=1,vision_d_model=8,vision_heads=2,image=8,patch=4`,
  unet: 'unet:image=8,ch=8,ch_mult=1/2,res_blocks=1,attn_res=4,groups=4,batch=1,train=false,dtype=f32',
  gns: 'gns:nodes=5,edges=8,steps=2,latent=8,batch=1,train=false,dtype=f32',
  mlp: 'mlp:layers=3,in=4,hidden=8,out=3,batch=4,train=false,dtype=f32',
};

/** Integer inputs index tables (tokens, node ids, labels) or count diffusion timesteps. */
function intRange(p: Program): number {
  const c = p.meta.config as Record<string, number>;
  const bounds = ['vocab', 'nodes', 'classes']
    .map((k) => c[k])
    .filter((x) => typeof x === 'number');
  return bounds.length ? Math.min(...bounds) : 10;
}

function lossAt(p: Program, inputs: readonly HostTensor[]): number {
  return evaluate(p, inputs)[p.outputs.findIndex((o) => o.name === 'loss')].data[0];
}

describe('whole-model gradients match finite differences for every family', () => {
  it.each(Object.entries(SPECS))('%s', (_, spec) => {
    const p = buildModel(spec);
    const named = randomInputs(p, () => intRange(p), 7);
    const inputs = p.main.params.map((id) => named.get(p.values[id].name)!);
    const params = p.main.params
      .map((id, k) => [id, k] as const)
      .filter(([id]) => p.values[id].role === 'param');
    const { program, grads } = gradients(
      p,
      params.map(([id]) => id),
    );
    const outs = evaluate(programWithOutputs(program, grads), inputs);
    const rnd = lcg(11);
    const direction = params.map(([, k]) => Float64Array.from(inputs[k].data, () => rnd() - 0.5));
    let analytic = 0;
    grads.forEach((_, j) => {
      const g = outs[program.outputs.length + j].data;
      for (let i = 0; i < g.length; i++) analytic += g[i] * direction[j][i];
    });
    const moved = (h: number) =>
      inputs.map((t, k) => {
        const j = params.findIndex(([, kk]) => kk === k);
        return j < 0
          ? t
          : hostTensor(
              t.shape,
              t.dtype,
              Float64Array.from(t.data, (x, i) => x + h * direction[j][i]),
            );
      });
    const h = 1e-5;
    const numeric = (lossAt(p, moved(h)) - lossAt(p, moved(-h))) / (2 * h);
    const rel = Math.abs(analytic - numeric) / (Math.abs(analytic) + Math.abs(numeric) + 1e-9);
    expect(rel, `analytic ${analytic} numeric ${numeric}`).toBeLessThan(1e-5);
    expect(Math.abs(analytic)).toBeGreaterThan(1e-6); // a real signal, not two zeros
  });
});
