import { describe, expect, it } from 'vitest';
import { hardwareByName } from '../mesh/hardware.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { defaultTopology } from '../mesh/topology.ts';
import { buildModel, parseModelSpec } from '../models/index.ts';
import { partitionProgram } from '../spmd/partition.ts';
import { parseSchedule } from '../tactics/schedule.ts';
import type { ViewContext } from './context.ts';
import { inspect, InspectError } from './inspect.ts';

const program = buildModel(
  parseModelSpec('gpt2-small:layers=2,d_model=64,heads=4,vocab=128,seq=16,batch=4'),
);
const mesh = parseMesh('data=2,model=2');
const { schedule, spmd } = partitionProgram(program, mesh, parseSchedule('BP(data),MP(model)'));
const ctx: ViewContext = {
  program,
  mesh,
  schedule,
  spmd,
  topology: defaultTopology(mesh, hardwareByName('h100-80gb')),
};
const valueId = (name: string) => program.values.find((v) => v.name === name)!.id;

describe('inspecting a value', () => {
  it('shows the Megatron layout of the attention and MLP weights with per-device shapes', () => {
    // Shoeybi et al. 2019: W_Q, W_K, W_V and the MLP's first matrix split by columns, the
    // attention output and the MLP's second matrix by rows
    const expected: [string, string[][], number[]][] = [
      ['layers/0/attn/wq', [[], ['model']], [64, 32]],
      ['layers/0/attn/wk', [[], ['model']], [64, 32]],
      ['layers/0/attn/wv', [[], ['model']], [64, 32]],
      ['layers/0/attn/wo', [['model'], []], [32, 64]],
      ['layers/1/mlp/wi', [[], ['model']], [64, 128]],
      ['layers/1/mlp/wo', [['model'], []], [128, 64]],
    ];
    for (const [name, dims, local] of expected) {
      const v = inspect(ctx, { kind: 'value', id: valueId(name) }).value!;
      expect(v.dims, name).toEqual(dims);
      expect(v.localShape, name).toEqual(local);
      expect(v.localBytes * 2).toBe(v.bytes);
    }
  });

  it('says why an axis is there: the tactic, its seed and the ops it came through', () => {
    const wq = inspect(ctx, { kind: 'value', id: valueId('layers/0/attn/wq') }).value!;
    expect(wq.why).toHaveLength(1);
    expect(wq.why[0]).toMatchObject({
      axis: 'model',
      place: 'dim 1',
      tactic: 1,
      tacticText: 'MP(model)',
    });
    expect(wq.why[0].seed).toMatch(/wq/);
    expect(wq.why[0].path).toEqual([]); // seeded here
    const tokens = inspect(ctx, { kind: 'value', id: valueId('tokens') }).value!;
    expect(tokens.why[0]).toMatchObject({ axis: 'data', tacticText: 'BP(data)' });
  });
});

describe('the neighbours of a value', () => {
  it('names the op that makes it and the ops that read it', () => {
    const wq = valueId('layers/0/attn/wq');
    const readers = program.main.ops.filter((o) => o.operands.includes(wq));
    const v = inspect(ctx, { kind: 'value', id: wq }).value!;
    expect(v.def).toBeUndefined(); // a parameter: no op makes it
    expect(v.userCount).toBe(readers.length);
    expect(v.users!.map((u) => u.op)).toEqual(readers.map((o) => o.id).slice(0, 8));
    const made = readers[0].results[0];
    expect(inspect(ctx, { kind: 'value', id: made }).value!.def).toMatchObject({
      op: readers[0].id,
      kind: readers[0].kind,
    });
  });
});

describe('inspecting an op', () => {
  const qProj = program.main.ops.find(
    (o) =>
      o.kind === 'dot_general' &&
      o.operands.some((x) => {
        const def = program.values[x].def;
        return (
          def !== undefined &&
          program.main.ops.find((d) => d.id === def)?.operands.includes(valueId('layers/0/attn/wq'))
        );
      }),
  )!;

  it('prints the factor rule, the shapes and a simulated time', () => {
    const i = inspect(ctx, { kind: 'op', id: qProj.id });
    expect(i.title).toBe(`dot_general #${qProj.id}`);
    expect(i.rule).toMatch(/->/);
    expect(i.rule).toMatch(/reduction=\{/);
    expect(i.results![0].shape).toEqual([4, 16, 64]);
    expect(i.results![0].localShape).toEqual([2, 16, 32]);
    expect(i.results![0].why.map((w) => w.tacticText).sort()).toEqual(['BP(data)', 'MP(model)']);
    // the result's batch axis came from BP through this very matmul
    expect(i.results![0].why.find((w) => w.axis === 'data')!.path[0].op).toBe(qProj.id);
    expect(i.timeS).toBeGreaterThan(0);
    // 2·M·N·K of the global matmul
    expect(i.flops).toBe(2 * 4 * 16 * 64 * 64);
  });

  it('names the reason of each collective, and a bad target clearly', () => {
    const c = spmd.collectives.findIndex((x) => x.kind === 'all-reduce' && x.phase === 'forward');
    const i = inspect(ctx, { kind: 'collective', index: c });
    expect(i.collective!.reason.length).toBeGreaterThan(0);
    expect(i.collective!.axes).toEqual(['model']);
    expect(i.title).toBe('all-reduce over model');
    expect(() => inspect(ctx, { kind: 'op', id: 10 ** 7 })).toThrow(InspectError);
    expect(() => inspect(ctx, { kind: 'group', id: 'g:forward:nope' })).toThrow(
      /'g:forward:nope' does not exist/,
    );
    expect(() => inspect(ctx, { kind: 'collective', index: -1 })).toThrow(
      /collective -1 does not exist/,
    );
  });
});

describe('inspecting a group', () => {
  it('counts its ops by kind and lists the collectives inserted in it', () => {
    const i = inspect(ctx, { kind: 'group', id: 'g:forward:layers/0/mlp' });
    const ops = program.main.ops.filter(
      (o) => o.phase === 'forward' && o.scope.startsWith('layers/0/mlp'),
    );
    expect(i.ops).toBe(ops.length);
    expect(i.kinds!.find((k) => k.kind === 'dot_general')!.count).toBe(
      ops.filter((o) => o.kind === 'dot_general').length,
    );
    expect(i.collectives!.some((c) => c.kind === 'all-reduce' && c.axes.includes('model'))).toBe(
      true,
    );
    expect(i.title).toBe('layers/0/mlp (forward)');
  });
});
