import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../builder.ts';
import { hostTensor, type HostTensor } from '../host-tensor.ts';
import type { Program } from '../program.ts';
import { shapeNumel } from '../shape.ts';
import { verifyProgram } from '../verifier.ts';
import { gradients } from './grad.ts';
import { gradAnalytic, gradError, gradNumeric, randomUniform } from './gradient-check.ts';
import { mlpProgram, scanProgram, transformerProgram } from './test-models.ts';

function inputsFor(p: Program, seed: number, scale = 0.5): HostTensor[] {
  const rand = randomUniform(seed);
  return p.main.params.map((id) => {
    const t = p.values[id].type;
    return hostTensor(
      t.shape,
      t.dtype,
      Array.from({ length: shapeNumel(t.shape) }, () => rand(-scale, scale)),
    );
  });
}

/** Checks d loss / d every input against central differences. */
function wholeProgramCheck(p: Program, inputs: HostTensor[]): Program {
  const all = p.main.params.map((_, i) => i);
  const run = gradAnalytic(p, inputs, all);
  expect(verifyProgram(run.program)).toEqual([]);
  all.forEach((k) => {
    const numeric = gradNumeric(p, inputs, k);
    const { error, at } = gradError(run.grads[k], numeric);
    if (error > 1e-5)
      throw new Error(
        `d loss/d '${p.values[p.main.params[k]].name}'[${at}]: analytic ${run.grads[k][at]} vs numeric ${numeric[at]} (rel. error ${error})`,
      );
  });
  return run.program;
}

describe('gradients: whole programs against finite differences', () => {
  it('a 3-layer MLP', () => {
    const p = mlpProgram(3, 3, 4);
    wholeProgramCheck(p, inputsFor(p, 1));
  });

  it('a 2-layer causal transformer', () => {
    const p = transformerProgram({ layers: 2, batch: 1, seq: 3, width: 4, heads: 2 });
    wholeProgramCheck(p, inputsFor(p, 2));
  });

  it('a scan over layers: the forward while is augmented in place, the backward is a reverse while', () => {
    const p = scanProgram(3, 2, 3);
    const g = wholeProgramCheck(p, inputsFor(p, 3));
    const whiles = g.main.ops.filter((op) => op.kind === 'while');
    expect(whiles.map((op) => op.phase)).toEqual(['forward', 'backward']);
    const fwd = whiles[0];
    const original = p.main.ops.find((op) => op.kind === 'while')!;
    expect(fwd.id).toBe(original.id);
    expect(fwd.results.slice(0, original.results.length)).toEqual(original.results);
    // saved per iteration: the counter and h (stacked [3, …]); the stacked weights are not saved again
    const stacks = fwd.results
      .slice(original.results.length + 1)
      .map((r) => g.values[r].type.shape);
    expect(stacks).toEqual([[3], [3, 2, 3]]);
    expect(g.main.ops.filter((op) => op.kind === 'while' && op.remat)).toEqual([]);
  });

  it('a while inside a called function (recomputed with saving inside the backward function)', () => {
    const b = new ProgramBuilder('nested');
    const x = b.param('x', [3], 'f32');
    const w = b.param('w', [3], 'f32');
    const i32 = { shape: [], dtype: 'i32' } as const;
    b.func('loop', [x.type, w.type], (h0, ww) => {
      const types = [i32, h0.type, ww.type];
      const cond = b.region(types, (i) => [b.compare(i, b.constant(4, [], 'i32'), 'LT')]);
      const body = b.region(types, (i, h, v) => [
        b.add(i, b.constant(1, [], 'i32')),
        b.tanh(b.add(b.mul(h, v), h)),
        v,
      ]);
      return [
        b.op(
          'while',
          [b.constant(0, [], 'i32'), h0, ww],
          { tripCount: 4 },
          { regions: [cond, body] },
        )[1],
      ];
    });
    const y = b.op1('call', [x, w], { callee: 'loop' });
    b.output('loss', b.sum(b.mul(y, y), [0]));
    const p = b.build();
    const g = wholeProgramCheck(p, inputsFor(p, 4));
    expect([...g.funcs.keys()]).toEqual(['loop', 'loop_vjp']);
  });

  it('a while nested in a while body, with a case inside', () => {
    const b = new ProgramBuilder('nested-loops');
    const x = b.param('x', [2], 'f32');
    const w = b.param('w', [3, 2], 'f32');
    const i32 = { shape: [], dtype: 'i32' } as const;
    const one = () => b.constant(1, [], 'i32');
    const types = [i32, x.type, w.type];
    const cond = (n: number) =>
      b.region(types, (i) => [b.compare(i, b.constant(n, [], 'i32'), 'LT')]);
    const inner = b.region(types, (j, h, ww) => {
      const row = b.reshape(
        b.op1('dynamic_slice', [ww, j, b.constant(0, [], 'i32')], { sliceSizes: [1, 2] }),
        [2],
      );
      const even = b.op1('remainder', [j, b.constant(2, [], 'i32')], {});
      const br0 = b.region([h.type, row.type], (p, q) => [b.tanh(b.add(p, q))]);
      const br1 = b.region([h.type, row.type], (p, q) => [b.mul(b.unary('sine', p), q)]);
      return [b.add(j, one()), b.op1('case', [even, h, row], {}, { regions: [br0, br1] }), ww];
    });
    const outer = b.region(types, (i, h, ww) => {
      const r = b.op(
        'while',
        [b.constant(0, [], 'i32'), h, ww],
        { tripCount: 3 },
        { regions: [cond(3), inner] },
      );
      return [b.add(i, one()), b.mul(r[1], h), ww];
    });
    const y = b.op(
      'while',
      [b.constant(0, [], 'i32'), x, w],
      { tripCount: 2 },
      { regions: [cond(2), outer] },
    )[1];
    b.output('loss', b.sum(y, [0]));
    const p = b.build();
    wholeProgramCheck(p, inputsFor(p, 6));
  });
});

describe('gradients: what the backward pass looks like', () => {
  const p = mlpProgram(2, 2, 3);
  const params = p.main.params.filter((id) => p.values[id].role === 'param');
  const { program: g, grads } = gradients(p, params);

  it('tags gradients of inputs with kind gradient and of = the input', () => {
    grads.forEach((id, k) => {
      expect(g.values[id].kind).toBe('gradient');
      expect(g.values[id].of).toBe(params[k]);
      expect(g.values[id].type).toEqual(p.values[params[k]].type);
    });
  });

  it('gives backward ops the scope of the forward op they come from', () => {
    const forwardScopes = new Set(p.main.ops.map((op) => op.scope));
    const backward = g.main.ops.filter((op) => op.phase === 'backward');
    expect(backward.length).toBeGreaterThan(0);
    for (const op of backward) expect(forwardScopes.has(op.scope)).toBe(true);
    expect(
      backward
        .filter((op) => op.kind === 'dot_general')
        .map((op) => op.scope)
        .sort(),
    ).toEqual(['layers/0', 'layers/1', 'layers/1']);
  });

  it('keeps the forward ops and outputs untouched', () => {
    expect(g.main.ops.slice(0, p.main.ops.length)).toEqual(p.main.ops);
    expect(g.outputs).toEqual(p.outputs);
    expect(verifyProgram(g)).toEqual([]);
  });

  it('emits no backward work off the path from wrt to the loss', () => {
    const last = params.filter((id) => p.values[id].scope === 'layers/1');
    const { program } = gradients(p, last);
    const scopes = new Set(
      program.main.ops.filter((op) => op.phase === 'backward').map((op) => op.scope),
    );
    expect(scopes.has('layers/0')).toBe(false);
    expect(
      program.main.ops.filter((op) => op.phase === 'backward' && op.kind === 'dot_general'),
    ).toHaveLength(1);
  });

  it('gives every input its own gradient value even when cotangents coincide, and zeros off the path', () => {
    const b = new ProgramBuilder('shared');
    const x = b.param('x', [], 'f32');
    const y = b.param('y', [], 'f32');
    const z = b.param('z', [2], 'f32');
    b.output('loss', b.add(x, y));
    b.output('other', z);
    const q = b.build();
    const run = gradAnalytic(
      q,
      [hostTensor([], 'f32', [1]), hostTensor([], 'f32', [2]), hostTensor([2], 'f32', [3, 4])],
      [0, 1, 2],
    );
    expect(run.grads.map((t) => [...t])).toEqual([[1], [1], [0, 0]]);
    const r = gradients(q, [x.id, y.id, z.id]);
    expect(new Set(r.grads).size).toBe(3);
    expect(r.grads.map((id) => r.program.values[id].of)).toEqual([x.id, y.id, z.id]);
  });

  it('refuses a program without a scalar f32 loss, naming what it found', () => {
    const b = new ProgramBuilder('noloss');
    const x = b.param('x', [2], 'f32');
    b.output('y', x);
    expect(() => gradients(b.build(), [x.id])).toThrow(/no output named 'loss' \(outputs: 'y'\)/);
    const c = new ProgramBuilder('vec');
    const v = c.param('x', [2], 'f32');
    c.output('loss', v);
    expect(() => gradients(c.build(), [v.id])).toThrow(/must be an f32 scalar, it is f32\[2\]/);
  });
});

describe('gradients: scale', () => {
  // Speed is measured by `npm run bench -- build` (no timed assertions in tests); here the work
  // itself: the backward of a deeper model grows in proportion, never quadratically.
  it('builds the gradient of a 96-layer transformer with work linear in depth', () => {
    const size = (layers: number) => {
      const p = transformerProgram({ layers, batch: 2, seq: 8, width: 16, heads: 2 });
      const params = p.main.params.filter((id) => p.values[id].role === 'param');
      const { program } = gradients(p, params, { remat: 'full' });
      return program.main.ops.length - p.main.ops.length;
    };
    const half = size(48);
    const full = size(96);
    expect(full).toBeGreaterThan(9000);
    expect(full / half).toBeGreaterThan(1.9);
    expect(full / half).toBeLessThan(2.1);
  });
});
