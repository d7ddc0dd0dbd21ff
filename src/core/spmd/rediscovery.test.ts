import { describe, expect, it } from 'vitest';
import { buildModel } from '../models/index.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { parseSchedule } from '../tactics/schedule.ts';
import type { CollectiveRecord } from './collective.ts';
import { partitionProgram } from './partition.ts';

/**
 * The expert strategies, rediscovered from the tactics alone and checked against their closed
 * forms (Megatron, data parallelism, ZeRO-3/FSDP, GShard; autopartition.md §6).
 */
const GPT2 = 'gpt2-small:batch=4,seq=128';
const LAYERS = 12;
const D = 768;

function partition(spec: string, mesh: string, schedule: string) {
  const program = buildModel(spec);
  return { program, ...partitionProgram(program, parseMesh(mesh), parseSchedule(schedule)) };
}

const comms = (cs: readonly CollectiveRecord[]) => cs.filter((c) => c.kind !== 'slice');
const inLayer = (c: CollectiveRecord, i: number) =>
  c.scope === `layers/${i}` || c.scope.startsWith(`layers/${i}/`);

describe('rediscovering the expert strategies on gpt2-small', () => {
  it('MP alone is exactly Megatron: per layer two all-reduces of [b, s, d] forward, two backward, on the model axis, nothing else', () => {
    const { spmd } = partition(GPT2, 'data=2,model=4', 'MP(model)');
    for (let i = 0; i < LAYERS; i++) {
      const layer = comms(spmd.collectives).filter((c) => inLayer(c, i));
      const ar = (phase: string) => layer.filter((c) => c.phase === phase);
      expect(
        layer.every(
          (c) =>
            c.kind === 'all-reduce' && c.axes.join() === 'model' && c.shape.join() === `4,128,${D}`,
        ),
      ).toBe(true);
      expect(ar('forward')).toHaveLength(2);
      expect(ar('backward')).toHaveLength(2);
      expect(layer).toHaveLength(4);
    }
  });

  it('BP gives one all-reduce per parameter gradient on the data axis (and the loss)', () => {
    const { program, spmd } = partition(GPT2, 'data=2,model=4', 'BP(data)');
    const params = program.main.params.filter((id) => program.values[id].role === 'param');
    const cs = comms(spmd.collectives);
    expect(cs.every((c) => c.kind === 'all-reduce' && c.axes.join() === 'data')).toBe(true);
    const gradReduces = cs.filter((c) => c.phase !== 'forward');
    expect(gradReduces).toHaveLength(params.length);
    // each parameter's gradient is reduced at its full shape
    const shapes = (xs: number[][]) => xs.map((s) => s.join('x')).sort();
    expect(shapes(gradReduces.map((c) => [...c.shape]))).toEqual(
      shapes(params.map((id) => [...program.values[id].type.shape])),
    );
    expect(cs.filter((c) => c.phase === 'forward').map((c) => c.scope)).toEqual(['loss']);
  });

  it('BP+Z3 gathers each parameter before its forward use, again in the backward, and reduce-scatters each gradient', () => {
    const { program, spmd } = partition(GPT2, 'data=4', 'BP(data),Z3(data)');
    const params = program.main.params.filter((id) => program.values[id].role === 'param');
    const cs = comms(spmd.collectives);
    const gathers = cs.filter((c) => c.kind === 'all-gather');
    const forward = gathers.filter((c) => c.phase === 'forward');
    const backward = gathers.filter((c) => c.phase === 'backward');
    expect(gathers.every((c) => c.axes.join() === 'data')).toBe(true);
    // one gather per parameter before its forward use ...
    expect(forward).toHaveLength(params.length);
    // ... and FSDP's second gather in the backward, at most once per weight the backward reads
    // (a gathered copy is not kept alive from the forward pass to the backward)
    expect(new Set(backward.map((c) => c.value)).size).toBe(backward.length);
    expect(backward.length).toBeGreaterThan(0);
    expect(backward.length).toBeLessThanOrEqual(params.length);
    const forwardValues = new Set(forward.map((c) => c.value));
    expect(backward.every((c) => forwardValues.has(c.value))).toBe(true);
    // each gradient is reduce-scattered where it is produced (ZeRO: no full-size gradient kept)
    const scatters = cs.filter((c) => c.kind === 'reduce-scatter');
    expect(scatters).toHaveLength(params.length);
    expect(scatters.every((c) => c.axes.join() === 'data' && c.phase === 'backward')).toBe(true);
    // nothing else but the loss's all-reduce: no gradient all-reduce survives
    expect(cs.filter((c) => c.kind === 'all-reduce').map((c) => c.scope)).toEqual(['loss']);
    // bf16 compute: weights travel in bf16 (gathered after the cast, as FSDP does), gradients too
    expect(gathers.filter((c) => c.shape.length === 2).every((c) => c.dtype === 'bf16')).toBe(true);
    expect(scatters.filter((c) => c.shape.length === 2).every((c) => c.dtype === 'bf16')).toBe(
      true,
    );
  });
});

describe('rediscovering expert parallelism on a mixture of experts', () => {
  it('EP then BP on one axis puts two all-to-alls around the experts forward and two backward, per MoE layer', () => {
    const spec =
      'moe:layers=2,d_model=64,heads=4,vocab=128,seq=32,batch=8,experts=4,top_k=2,group_size=32';
    const { spmd } = partition(spec, 'data=4', 'EP(data),BP(data)');
    for (let i = 0; i < 2; i++) {
      const a2a = comms(spmd.collectives).filter((c) => inLayer(c, i) && c.kind === 'all-to-all');
      expect(a2a.filter((c) => c.phase === 'forward')).toHaveLength(2);
      expect(a2a.filter((c) => c.phase === 'backward')).toHaveLength(2);
      expect(a2a.every((c) => c.axes.join() === 'data' && c.scope === `layers/${i}/moe`)).toBe(
        true,
      );
    }
  });
});
