import { describe, expect, it } from 'vitest';
import { hostTensor, type HostTensor } from '../host-tensor.ts';
import { evaluate } from '../interpreter.ts';
import type { Op, Program, ValueId } from '../program.ts';
import { shapeNumel } from '../shape.ts';
import { verifyProgram } from '../verifier.ts';
import type { RematPolicy } from './grad.ts';
import { gradAnalytic, randomUniform } from './gradient-check.ts';
import { rematGroupOf } from './remat.ts';
import { scanProgram, transformerProgram } from './test-models.ts';
import { trainStep } from './train-step.ts';

const forward = transformerProgram({ layers: 3, batch: 1, seq: 4, width: 4, heads: 2 });
const params = forward.main.params.map((_, i) => i);
const rand = randomUniform(21);
const inputs: HostTensor[] = forward.main.params.map((id) => {
  const t = forward.values[id].type;
  return hostTensor(
    t.shape,
    t.dtype,
    Array.from({ length: shapeNumel(t.shape) }, () => rand(-0.5, 0.5)),
  );
});
const POLICIES: RematPolicy[] = ['none', 'full', 'selective'];
const runs = new Map(POLICIES.map((r) => [r, gradAnalytic(forward, inputs, params, r)]));

/** The defining op of every value of main. */
function defs(p: Program): Map<ValueId, Op> {
  const m = new Map<ValueId, Op>();
  for (const op of p.main.ops) for (const r of op.results) m.set(r, op);
  return m;
}

/** Forward activations read by backward ops: the residuals kept from the forward pass. */
function keptResiduals(p: Program): Set<ValueId> {
  const def = defs(p);
  const kept = new Set<ValueId>();
  for (const op of p.main.ops) {
    if (op.phase !== 'backward') continue;
    for (const v of op.operands) if (def.get(v)?.phase === 'forward') kept.add(v);
  }
  return kept;
}

describe('remat', () => {
  it('gives identical loss and gradients under every policy', () => {
    const none = runs.get('none')!;
    for (const r of ['full', 'selective'] as const) {
      const other = runs.get(r)!;
      expect(other.loss).toBe(none.loss);
      other.grads.forEach((g, k) => expect([...g]).toEqual([...none.grads[k]]));
      expect(verifyProgram(other.program)).toEqual([]);
    }
  });

  it('full: the backward of a layer reads no forward activation of that layer, only its inputs', () => {
    const p = runs.get('full')!.program;
    const def = defs(p);
    const layerOf = rematGroupOf('full');
    for (const op of p.main.ops) {
      const layer = layerOf(op);
      if (op.phase !== 'backward' || !layer) continue;
      for (const v of op.operands) {
        const d = def.get(v);
        if (d?.phase === 'forward' && layerOf(d) === layer)
          throw new Error(
            `backward op #${op.id} ${op.kind} in ${op.scope} reads forward %${v} (${d.kind} in ${d.scope})`,
          );
      }
    }
    const remat = p.main.ops.filter((op) => op.remat);
    expect(remat.length).toBeGreaterThan(0);
    for (const op of remat) {
      expect(op.phase).toBe('backward');
      for (const r of op.results) expect(p.values[r].kind).toBe('activation');
    }
  });

  it('selective: only the attention core is recomputed, and its scores and probabilities are not kept', () => {
    const p = runs.get('selective')!.program;
    const def = defs(p);
    const remat = p.main.ops.filter((op) => op.remat);
    expect(remat.length).toBeGreaterThan(0);
    for (const op of remat) expect(op.scope).toMatch(/^layers\/\d\/attn\/core$/);
    const kept = keptResiduals(p);
    const scoresShape = [1, 2, 4, 4]; // [batch, heads, seq, seq]
    const quadratic = [...kept].filter(
      (v) =>
        def.get(v)!.scope.endsWith('attn/core') &&
        p.values[v].type.shape.join() === scoresShape.join(),
    );
    expect(quadratic).toEqual([]);
  });

  it('keeps fewer forward values as the policy gets stronger', () => {
    const kept = Object.fromEntries(
      POLICIES.map((r) => [r, keptResiduals(runs.get(r)!.program).size]),
    );
    expect(kept.selective).toBeLessThan(kept.none);
    expect(kept.full).toBeLessThan(kept.selective);
  });

  it('recomputes only what the backward reads (no dead recomputation)', () => {
    for (const r of ['full', 'selective'] as const) {
      const p = runs.get(r)!.program;
      const used = new Set(p.main.ops.flatMap((op) => op.operands));
      const dead = p.main.ops.filter((op) => op.remat && !op.results.some((v) => used.has(v)));
      expect(dead).toEqual([]);
    }
  });

  it('leaves a scan-over-layers program (no layers/<i> scopes) numerically unchanged', () => {
    const scan = scanProgram(3, 2, 3);
    const r = randomUniform(8);
    const xs = scan.main.params.map((id) => {
      const t = scan.values[id].type;
      return hostTensor(
        t.shape,
        t.dtype,
        Array.from({ length: shapeNumel(t.shape) }, () => r(-0.5, 0.5)),
      );
    });
    const all = scan.main.params.map((_, i) => i);
    const [none, full] = (['none', 'full'] as const).map((remat) =>
      gradAnalytic(scan, xs, all, remat),
    );
    full.grads.forEach((g, k) => expect([...g]).toEqual([...none.grads[k]]));
  });

  it('passes the policy through trainStep: same step, remat recorded in meta', () => {
    const steps = POLICIES.map((remat) => trainStep(forward, { optimizer: 'adam', remat }));
    const state = steps[0].main.params.slice(inputs.length).map((id) => {
      const t = steps[0].values[id].type;
      return hostTensor(t.shape, t.dtype, new Array(shapeNumel(t.shape)).fill(0));
    });
    const outs = steps.map((s) => evaluate(s, [...inputs, ...state]).map((t) => [...t.data]));
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
    expect(steps.map((s) => s.meta.remat)).toEqual(POLICIES);
  });
});
