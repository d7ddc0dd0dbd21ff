import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../builder.ts';
import { hostTensor, type HostTensor } from '../host-tensor.ts';
import { evaluate } from '../interpreter.ts';
import type { Program } from '../program.ts';
import { shapeNumel } from '../shape.ts';
import { verifyProgram } from '../verifier.ts';
import { gradAnalytic, randomUniform } from './gradient-check.ts';
import { mlpProgram, scanProgram } from './test-models.ts';
import { trainStep } from './train-step.ts';

/** Runs a step with inputs by name; returns outputs by name. */
function run(p: Program, inputs: Record<string, number[]>): Record<string, number[]> {
  const args = p.main.params.map((id) => {
    const v = p.values[id];
    const data = inputs[v.name];
    if (!data) throw new Error(`test gives no value for input '${v.name}'`);
    return hostTensor(v.type.shape, v.type.dtype, data);
  });
  const outs = evaluate(p, args);
  return Object.fromEntries(p.outputs.map((o, k) => [o.name, [...outs[k].data]]));
}

/** loss = Σ c ⊙ w: the gradient is c whatever w is, so updates have closed forms. */
function linearLoss(c: number[]): Program {
  const b = new ProgramBuilder('linear');
  const w = b.scope('layer', () => b.param('w', [c.length], 'f32'));
  b.output('loss', b.sum(b.mul(w, b.constant(c, [c.length])), [0]));
  return b.build();
}

const close = (a: number[], e: number[], tol = 1e-12) => {
  expect(a.length).toBe(e.length);
  a.forEach((x, i) => expect(Math.abs(x - e[i])).toBeLessThan(tol * Math.max(1, Math.abs(e[i]))));
};

describe('trainStep: one step against hand-computed updates', () => {
  const c = [0.5, -2, 3e-3];
  const w = [1, 2, 3];

  it('sgd: w − lr·g, with the new param aliasing the old', () => {
    const p = trainStep(linearLoss(c), { optimizer: 'sgd', learningRate: 0.1 });
    expect(verifyProgram(p)).toEqual([]);
    const out = run(p, { 'layer/w': w });
    close(
      out['layer/w'],
      w.map((x, i) => x - 0.1 * c[i]),
    );
    close(out.loss, [w.reduce((s, x, i) => s + x * c[i], 0)]);
    expect(p.outputs.map((o) => [o.name, o.aliases])).toEqual([
      ['loss', undefined],
      ['layer/w', 0],
    ]);
  });

  it('sgd on (w·x − y)²: w − lr·2(wx − y)x', () => {
    const b = new ProgramBuilder('one');
    const x = b.input('x', [], 'f32', 'data');
    const y = b.input('y', [], 'f32', 'data');
    const wv = b.param('w', [], 'f32');
    const r = b.sub(b.mul(wv, x), y);
    b.output('loss', b.mul(r, r));
    const out = run(trainStep(b.build(), { optimizer: 'sgd', learningRate: 0.05 }), {
      x: [1.5],
      y: [2],
      w: [0.7],
    });
    close(out.w, [0.7 - 0.05 * 2 * (0.7 * 1.5 - 2) * 1.5]);
  });

  it('adam: the first step moves each weight by lr·g/(|g| + ε) ≈ lr·sign(g); m, v and the step count update', () => {
    const p = trainStep(linearLoss(c), { optimizer: 'adam', learningRate: 0.01 });
    expect(verifyProgram(p)).toEqual([]);
    expect(p.main.params.map((id) => [p.values[id].name, p.values[id].role])).toEqual([
      ['layer/w', 'param'],
      ['opt/m/layer/w', 'optState'],
      ['opt/v/layer/w', 'optState'],
      ['opt/step', 'optState'],
    ]);
    const out = run(p, {
      'layer/w': w,
      'opt/m/layer/w': [0, 0, 0],
      'opt/v/layer/w': [0, 0, 0],
      'opt/step': [0],
    });
    close(
      out['layer/w'],
      w.map((x, i) => x - (0.01 * c[i]) / (Math.abs(c[i]) + 1e-8)),
    );
    close(
      out['opt/m/layer/w'],
      c.map((g) => 0.1 * g),
    );
    close(
      out['opt/v/layer/w'],
      c.map((g) => 0.001 * g * g),
    );
    expect(out['opt/step']).toEqual([1]);
    expect(p.outputs.map((o) => o.aliases)).toEqual([undefined, 0, 1, 2, 3]);
  });

  it('adam: two steps with a constant gradient move by 2·lr·g/(|g| + ε) (bias correction)', () => {
    const p = trainStep(linearLoss(c), { optimizer: 'adam', learningRate: 0.01 });
    let state: Record<string, number[]> = {
      'layer/w': w,
      'opt/m/layer/w': [0, 0, 0],
      'opt/v/layer/w': [0, 0, 0],
      'opt/step': [0],
    };
    for (let s = 0; s < 2; s++) {
      const out = run(p, state);
      state = Object.fromEntries(Object.keys(state).map((k) => [k, out[k]]));
    }
    close(
      state['layer/w'],
      w.map((x, i) => x - (2 * 0.01 * c[i]) / (Math.abs(c[i]) + 1e-8)),
      1e-9,
    );
  });

  it('adamw: decoupled decay adds lr·λ·w to the adam step', () => {
    const p = trainStep(linearLoss(c), {
      optimizer: 'adamw',
      learningRate: 0.01,
      weightDecay: 0.1,
    });
    const out = run(p, {
      'layer/w': w,
      'opt/m/layer/w': [0, 0, 0],
      'opt/v/layer/w': [0, 0, 0],
      'opt/step': [0],
    });
    close(
      out['layer/w'],
      w.map((x, i) => x - 0.01 * (c[i] / (Math.abs(c[i]) + 1e-8) + 0.1 * x)),
    );
  });

  it('tags optimizer ops with phase optimizer and new values with kind update and of = the input', () => {
    const p = trainStep(linearLoss(c), { optimizer: 'adam' });
    for (const o of p.outputs.slice(1)) {
      const v = p.values[o.value];
      expect(v.kind).toBe('update');
      expect(v.of).toBe(p.main.params[o.aliases!]);
    }
    const phases = new Set(p.main.ops.map((op) => op.phase));
    expect([...phases].sort()).toEqual(['backward', 'forward', 'optimizer']);
    expect(p.meta).toMatchObject({
      training: true,
      microBatches: 1,
      optimizer: 'adam',
      remat: 'none',
    });
  });

  it('updates bf16 params in f32 and keeps f32 state', () => {
    const b = new ProgramBuilder('bf16');
    const wv = b.param('w', [2], 'bf16');
    b.output('loss', b.sum(b.convert(b.mul(wv, wv), 'f32'), [0]));
    const p = trainStep(b.build(), { optimizer: 'adam' });
    expect(verifyProgram(p)).toEqual([]);
    expect(p.main.params.slice(1).map((id) => p.values[id].type.dtype)).toEqual([
      'f32',
      'f32',
      'f32',
    ]);
  });

  it('refuses optimizer-state inputs in the forward and a bad accum, naming them', () => {
    const b = new ProgramBuilder('bad');
    const wv = b.param('w', [], 'f32');
    b.input('m', [], 'f32', 'optState');
    b.output('loss', wv);
    expect(() => trainStep(b.build(), { optimizer: 'sgd' })).toThrow(
      /input 'm' of 'bad' has role 'optState'/,
    );
    expect(() => trainStep(linearLoss(c), { optimizer: 'sgd', accum: 0 })).toThrow(
      /accum must be a positive integer, got 0/,
    );
  });
});

describe('trainStep: gradient accumulation', () => {
  const K = 4;
  const micro = mlpProgram(2, 2, 3);
  const full = mlpProgram(2, 2 * K, 3);

  function values(p: Program, seed: number): Record<string, number[]> {
    const rand = randomUniform(seed);
    return Object.fromEntries(
      p.main.params.map((id) => [
        p.values[id].name,
        Array.from({ length: shapeNumel(p.values[id].type.shape) }, () => rand(-0.6, 0.6)),
      ]),
    );
  }

  it('K micro-batches give the same loss and update as one batch when the loss is a mean', () => {
    const inputs = values(full, 11);
    const big = run(trainStep(full, { optimizer: 'sgd', learningRate: 0.3 }), inputs);
    const step = trainStep(micro, { optimizer: 'sgd', learningRate: 0.3, accum: K });
    expect(verifyProgram(step)).toEqual([]);
    const x = step.values[step.main.params[0]];
    expect([x.name, x.type.shape]).toEqual(['x', [K, 2, 3]]);
    const acc = run(step, inputs); // [K·2, 3] and [K, 2, 3] hold the same elements in the same order
    for (const name of Object.keys(big)) close(acc[name], big[name], 1e-12);
    expect(step.meta.microBatches).toBe(K);
  });

  it('accumulates into a while of K trips calling one microstep function, and adam state still aliases', () => {
    const step = trainStep(micro, { optimizer: 'adam', accum: K });
    const loop = step.main.ops.find((op) => op.kind === 'while')!;
    expect(loop.attrs).toEqual({ tripCount: K });
    expect([...step.funcs.keys()]).toEqual(['microstep']);
    for (const o of step.outputs.slice(1)) expect(o.aliases).toBeDefined();
    expect(verifyProgram(step)).toEqual([]);
  });
});

describe('trainStep: scan over layers', () => {
  it('trains a while-over-layers model (sgd step = w − lr·g from the gradient program)', () => {
    const p = scanProgram(3, 2, 3);
    const step = trainStep(p, { optimizer: 'sgd', learningRate: 0.1 });
    expect(verifyProgram(step)).toEqual([]);
    const rand = randomUniform(5);
    const inputs: HostTensor[] = step.main.params.map((id) => {
      const t = step.values[id].type;
      return hostTensor(
        t.shape,
        t.dtype,
        Array.from({ length: shapeNumel(t.shape) }, () => rand(-0.5, 0.5)),
      );
    });
    const before = evaluate(p, inputs)[0].data[0];
    const out = evaluate(step, inputs);
    expect(out[0].data[0]).toBeCloseTo(before, 12);
    const { grads } = gradAnalytic(p, inputs, [2, 3]);
    [1, 2].forEach((k) =>
      close(
        [...out[k].data],
        [...inputs[k + 1].data].map((w, i) => w - 0.1 * grads[k - 1][i]),
      ),
    );
    const after = evaluate(p, [inputs[0], inputs[1], out[1], out[2]])[0].data[0];
    expect(after).toBeLessThan(before);
  });
});
