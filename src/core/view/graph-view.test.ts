import { describe, expect, it } from 'vitest';
import { dtypeBytes } from '../ir/dtype.ts';
import { programStats } from '../ir/stats.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { buildModel, parseModelSpec } from '../models/index.ts';
import { partitionProgram } from '../spmd/partition.ts';
import { applySchedule } from '../tactics/apply.ts';
import { parseSchedule } from '../tactics/schedule.ts';
import { AXIS_PALETTE, axisColor } from './axis-colors.ts';
import type { ViewContext } from './context.ts';
import { buildGraphView, MAX_OPS_PER_GROUP } from './graph-view.ts';
import { MAX_NODES } from './types.ts';

const SMALL = 'gpt2-small:layers=4,d_model=64,heads=4,vocab=128,seq=16,batch=4';

function context(spec: string, mesh: string, schedule: string): ViewContext {
  const program = buildModel(parseModelSpec(spec));
  const m = parseMesh(mesh);
  const { schedule: s, spmd } = partitionProgram(program, m, parseSchedule(schedule));
  return { program, mesh: m, schedule: s, spmd };
}

const ctx = context(SMALL, 'data=2,model=2', 'BP(data),MP(model)');
const ids = (v: ReturnType<typeof buildGraphView>) => v.nodes.map((n) => n.id);

describe('the scope tree of gpt2-small', () => {
  it('shows the phases of the training step, each with the model blocks, collapsed', () => {
    const v = buildGraphView(ctx, { expanded: [] });
    expect(v.phases).toEqual(['forward', 'backward', 'optimizer']);
    const children = (parent: string) =>
      v.nodes.filter((n) => n.parent === parent).map((n) => n.label);
    expect(children('')).toEqual(['forward', 'backward', 'optimizer']);
    // GPT-2 (Radford et al. 2019): token + position embedding, the blocks, a final layer norm,
    // the tied LM head and the loss
    expect(children('g:forward:')).toEqual(['embed', 'layers', 'final_norm', 'lm_head', 'loss']);
    expect(children('g:backward:')).toEqual(expect.arrayContaining(['embed', 'layers', 'loss']));
    expect(v.nodes.find((n) => n.id === 'g:forward:layers')).toMatchObject({
      kind: 'group',
      expanded: false,
      expandable: true,
      phase: 'forward',
    });
  });

  it('expanding a group shows its children, and a layer has ln1, attn, ln2, mlp', () => {
    const v = buildGraphView(ctx, { expanded: ['g:forward:layers', 'g:forward:layers/2'] });
    const layers = v.nodes.filter((n) => n.parent === 'g:forward:layers').map((n) => n.label);
    expect(layers).toEqual(['layers/0', 'layers/1', 'layers/2', 'layers/3']);
    const block = v.nodes.filter((n) => n.parent === 'g:forward:layers/2' && n.kind === 'group');
    expect(block.map((n) => n.label).sort()).toEqual(['attn', 'ln1', 'ln2', 'mlp']);
    expect(v.nodes.find((n) => n.id === 'g:forward:layers/2')!.expanded).toBe(true);
    // every edge joins two drawn nodes
    const drawn = new Set(ids(v));
    for (const e of v.edges) expect(drawn.has(e.source) && drawn.has(e.target)).toBe(true);
  });

  it('a collapsed group holds the totals of its ops, and the phases add up to programStats', () => {
    const v = buildGraphView(ctx, { expanded: [] });
    const stats = programStats(ctx.program);
    const phases = v.nodes.filter((n) => n.parent === '');
    const sum = (f: (n: (typeof phases)[number]) => number) => phases.reduce((s, n) => s + f(n), 0);
    expect(sum((n) => n.ops)).toBe(stats.ops);
    expect(sum((n) => n.flops)).toBeCloseTo(stats.flops, -3);
    expect(sum((n) => n.bytes)).toBeCloseTo(stats.bytes, -3);
    expect(phases.find((n) => n.phase === 'backward')!.flops).toBeCloseTo(
      stats.flopsByPhase.backward,
      -3,
    );
    // one group counted by hand: the forward ops whose scope is layers/1/mlp or below it
    const mlp = ctx.program.main.ops.filter(
      (o) => o.phase === 'forward' && /^layers\/1\/mlp(\/|$)/.test(o.scope),
    );
    const open = buildGraphView(ctx, { expanded: ['g:forward:layers', 'g:forward:layers/1'] });
    expect(open.nodes.find((n) => n.id === 'g:forward:layers/1/mlp')!.ops).toBe(mlp.length);
  });

  it('sizes an edge by the distinct values crossing it, counted by brute force', () => {
    const v = buildGraphView(ctx, { expanded: ['g:forward:layers'] });
    const inGroup = (phase: string, prefix: string) =>
      ctx.program.main.ops.filter(
        (o) => o.phase === phase && (o.scope === prefix || o.scope.startsWith(prefix + '/')),
      );
    const from = inGroup('forward', 'layers/1');
    const to = new Set(inGroup('backward', 'layers').flatMap((o) => o.operands));
    const crossing = new Set(from.flatMap((o) => o.results).filter((r) => to.has(r)));
    let bytes = 0;
    for (const r of crossing) {
      const t = ctx.program.values[r].type;
      bytes += t.shape.reduce((a, b) => a * b, 1) * dtypeBytes(t.dtype);
    }
    const e = v.edges.find(
      (x) => x.source === 'g:forward:layers/1' && x.target === 'g:backward:layers',
    );
    // the activations layer 1 saves for its backward pass
    expect(crossing.size).toBeGreaterThan(0);
    expect(e).toMatchObject({ values: crossing.size, bytes });
    expect(crossing.has(e!.value)).toBe(true);
  });

  it('summarises the ops of a long group beyond MAX_OPS_PER_GROUP in one node', () => {
    // Adam updates every attention weight and bias elementwise: hundreds of ops in one scope
    const own = ctx.program.main.ops.filter(
      (o) => o.phase === 'optimizer' && o.scope === 'layers/0/attn',
    ).length;
    expect(own).toBeGreaterThan(MAX_OPS_PER_GROUP);
    const v = buildGraphView(ctx, {
      expanded: ['g:optimizer:layers', 'g:optimizer:layers/0', 'g:optimizer:layers/0/attn'],
    });
    const inside = v.nodes.filter((n) => n.parent === 'g:optimizer:layers/0/attn');
    expect(inside).toHaveLength(MAX_OPS_PER_GROUP);
    const more = inside.find((n) => n.kind === 'more')!;
    expect(more.ops).toBe(own - (MAX_OPS_PER_GROUP - 1));
    expect(more.label).toBe(`+${own - (MAX_OPS_PER_GROUP - 1)} more ops`);
  });

  it('colours the Megatron layout: column-split QKV and MLP-in, row-split outputs, batch on data', () => {
    const v = buildGraphView(ctx, {
      expanded: ['g:forward:layers', 'g:forward:layers/0', 'g:forward:layers/0/attn'],
    });
    // the q projection: the matmul whose weight operand is wq (converted to the compute dtype)
    const wq = ctx.program.values.find((x) => x.name === 'layers/0/attn/wq')!.id;
    const byId = new Map(ctx.program.main.ops.map((o) => [o.id, o]));
    const readsWq = (opId: number) =>
      byId.get(opId)!.operands.some((x) => {
        const def = ctx.program.values[x].def;
        return x === wq || (def !== undefined && byId.get(def)?.operands.includes(wq));
      });
    const qProj = v.nodes.find((n) => n.opKind === 'dot_general' && readsWq(n.opId!));
    // Shoeybi et al. 2019: X·W_Q with X split by batch and W_Q by columns → [batch, seq, heads·d]
    expect(qProj!.dims).toEqual([['data'], [], ['model']]);
    expect(axisColor('data', v.axes)).toBe(AXIS_PALETTE[0]);
    expect(axisColor('model', v.axes)).toBe(AXIS_PALETTE[1]);
    expect(v.nodes.find((n) => n.id === 'g:forward:layers/0/attn')!.axes).toEqual([
      'data',
      'model',
    ]);
  });

  it('puts a badge on the groups where collectives were inserted, all of them counted once', () => {
    const v = buildGraphView(ctx, { expanded: [] });
    const total = ctx.spmd!.collectives.filter((c) => c.kind !== 'slice').length;
    const counted = v.nodes
      .filter((n) => n.parent === '')
      .reduce((s, n) => s + Object.values(n.collectives).reduce((a, b) => a + b, 0), 0);
    expect(total).toBeGreaterThan(0);
    expect(counted).toBe(total);
    // Megatron's forward all-reduces sit after the row-split matmuls of attention and MLP
    const open = buildGraphView(ctx, { expanded: ['g:forward:layers', 'g:forward:layers/0'] });
    expect(
      open.nodes.find((n) => n.id === 'g:forward:layers/0/attn')!.collectives['all-reduce'],
    ).toBeGreaterThan(0);
    expect(
      open.nodes.find((n) => n.id === 'g:forward:layers/0/mlp')!.collectives['all-reduce'],
    ).toBeGreaterThan(0);
  });

  it('search finds layers/3/mlp and opens the groups above it', () => {
    const v = buildGraphView(ctx, { expanded: [], search: 'layers/3/MLP' });
    expect(v.matches).toEqual(expect.arrayContaining(['g:forward:layers', 'g:forward:layers/3']));
    const hit = v.nodes.find((n) => n.id === 'g:forward:layers/3/mlp');
    expect(hit?.match).toBe(true);
    expect(v.nodes.find((n) => n.id === 'g:forward:layers/2')?.match).toBe(false);
    expect(buildGraphView(ctx, { expanded: [], search: 'no-such-thing' }).matches).toEqual([]);
  });

  it('marks where propagation stopped on a conflict', () => {
    // the tokens' batch and wq's input dim split on the same axis: the q projection cannot honour
    // both, so propagation stops there and records it
    const c = context(SMALL, 'model=2', 'BP(model),tile("layers/0/attn/wq$", 0, model)');
    expect(c.schedule.conflicts.length).toBeGreaterThan(0);
    const v = buildGraphView(c, { expanded: ['g:forward:layers', 'g:forward:layers/0'] });
    const total = v.nodes.filter((n) => n.parent === '').reduce((s, n) => s + n.conflicts, 0);
    expect(total).toBe(c.schedule.conflicts.length);
    expect(v.nodes.find((n) => n.id === 'g:forward:layers/0/attn')!.conflicts).toBeGreaterThan(0);
    expect(v.nodes.find((n) => n.id === 'g:forward:layers/0/mlp')!.conflicts).toBe(0);
  });
});

describe('a forward-only program', () => {
  it('has no phase containers: its groups sit at the top', () => {
    const c = context(SMALL + ',train=false', 'data=2', 'BP(data)');
    const v = buildGraphView(c, { expanded: ['g:forward:layers'] });
    expect(v.phases).toEqual(['forward']);
    const top = v.nodes.filter((n) => n.parent === '').map((n) => n.label);
    expect(top).toEqual(['embed', 'layers', 'final_norm', 'lm_head', 'loss']);
    expect(v.nodes.filter((n) => n.parent === 'g:forward:layers')).toHaveLength(4);
    expect(v.totalOps).toBe(programStats(c.program).ops);
  });
});

describe('the cap on drawn nodes', () => {
  it('keeps a 96-layer gpt3-175b training step under the cap with every group asked open', () => {
    const program = buildModel(parseModelSpec('gpt3-175b'));
    const mesh = parseMesh('data=8,model=8');
    const c: ViewContext = { program, mesh, schedule: applySchedule(program, mesh, []) };
    const all = program.main.ops.map((o) => `g:${o.phase}:${o.scope}`);
    const prefixes = new Set<string>();
    for (const id of all) {
      const [, phase, scope] = /^g:([^:]*):(.*)$/.exec(id)!;
      const parts = scope.split('/');
      for (let k = 1; k <= parts.length; k++)
        prefixes.add(`g:${phase}:${parts.slice(0, k).join('/')}`);
    }
    const v = buildGraphView(c, { expanded: [...prefixes] });
    expect(program.main.ops.length).toBeGreaterThan(50_000);
    expect(v.nodes.length).toBeLessThanOrEqual(MAX_NODES);
    expect(v.refused.length).toBeGreaterThan(0);
    expect(v.totalOps).toBe(programStats(program).ops);
  });
});
