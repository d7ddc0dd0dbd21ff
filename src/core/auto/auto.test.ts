import { describe, expect, it } from 'vitest';
import type { Program } from '../ir/program.ts';
import { buildModel } from '../models/index.ts';
import { hardwareByName } from '../mesh/hardware.ts';
import { parseMesh, type Mesh } from '../mesh/mesh.ts';
import { defaultTopology, parseTopology, type Topology } from '../mesh/topology.ts';
import { simulate } from '../sim/simulate.ts';
import { partitionProgram } from '../spmd/partition.ts';
import { applySchedule } from '../tactics/apply.ts';
import { parseSchedule, scheduleToString } from '../tactics/schedule.ts';
import { Evaluator } from './evaluate.ts';
import { dimGroups } from './groups.ts';
import { autoPartition, AutoError, type AutoProgress, type AutoResult } from './index.ts';
import { proxyFor } from './proxy.ts';
import { layerBands } from './space.ts';

/** A simulated expert schedule, computed here from the pipeline, not by the search's code. */
function expert(program: Program, mesh: Mesh, topo: Topology, schedule: string) {
  const { spmd } = partitionProgram(program, mesh, parseSchedule(schedule));
  return simulate(program, spmd, mesh, topo);
}

/** The best expert step time among those that fit. */
function bestExpert(program: Program, mesh: Mesh, topo: Topology, schedules: string[]) {
  const reports = schedules.map((s) => ({ s, r: expert(program, mesh, topo, s) }));
  const fitting = reports.filter((x) => x.r.fits);
  expect(fitting.length).toBeGreaterThan(0);
  return fitting.reduce((a, b) => (b.r.stepTimeS < a.r.stepTimeS ? b : a));
}

function finalState(program: Program, mesh: Mesh, r: AutoResult) {
  const state = applySchedule(program, mesh, r.tactics).final;
  const byName = (name: string) =>
    program.main.params.find((id) => program.values[id].name === name)!;
  return (name: string) => state.dimsOf(byName(name)).map((axes) => axes.join('+'));
}

// Megatron pays when weights are large against the tokens per device: d_model 8192, 2 layers
const GPT = 'gpt:layers=2,d_model=8192,heads=64,vocab=1024,seq=2048,batch=16';
const MESH = parseMesh('data=4,model=2');
const GPU = 'custom:bf16=989e12,hbm=80e9,hbm_bw=3.35e12,nvlink=450e9,ib=50e9,node=8';
const SMALL_HBM = 'custom:bf16=989e12,hbm=14e9,hbm_bw=3.35e12,nvlink=450e9,ib=50e9,node=8';
const topoOn = (hw: string) => parseTopology('model=nvlink,data=ib', MESH, hardwareByName(hw));
const GPT_EXPERTS = [
  'BP(data),BP(model)',
  'BP(data),MP(model)',
  'BP(data),MP(model),SP(model)',
  'BP(data),BP(model),Z3(data),Z3(model)',
  'BP(data),MP(model),Z3(data)',
];

describe('dimension groups (factor classes folded over layers)', () => {
  it('pairs each MLP weight column with the next weight row: one group per hidden activation', () => {
    const groups = dimGroups(buildModel('mlp:layers=3,in=64,hidden=256,out=32,batch=8'));
    const members = groups.map((g) => g.members.join(' '));
    // h1 = x·w0 + b0 feeds h1·w1: w0's output dim, b0 and w1's input dim are one dimension
    expect(members).toContain('layers/0/b:0 layers/0/w:1 layers/1/w:0');
    expect(members).toContain('layers/1/b:0 layers/1/w:1 layers/2/w:0');
    // a chain between two layers is not folded into a pattern for every layer
    expect(members.some((m) => m.includes('*'))).toBe(false);
  });

  it("groups a transformer's FFN column and row (Megatron's pair) once for every layer", () => {
    const groups = dimGroups(buildModel('gpt:layers=3,d_model=64,heads=4,vocab=128,seq=32'));
    const ffn = groups.find((g) => g.members.includes('layers/*/mlp/wi:1'));
    expect(ffn?.members).toEqual(['layers/*/mlp/bi:0', 'layers/*/mlp/wi:1', 'layers/*/mlp/wo:0']);
    // its tile tactics select every layer's copy and print as an ordinary schedule that parses back
    const tactics = ffn!.tactics.map((t) => ({ ...t, axis: 'model' }));
    expect(parseSchedule(scheduleToString(tactics))).toEqual(tactics);
    const program = buildModel('gpt:layers=3,d_model=64,heads=4,vocab=128,seq=32');
    const state = applySchedule(program, parseMesh('model=2'), tactics).final;
    for (const id of program.main.params) {
      const v = program.values[id];
      if (/^layers\/\d\/mlp\/wi$/.test(v.name)) expect(state.dimsOf(id)[1]).toEqual(['model']);
    }
  });
});

describe('proxy programs (fewer layers, extrapolated)', () => {
  it('extrapolate step time and peak memory of the full-depth program exactly', () => {
    const program = buildModel('gpt:layers=8,d_model=256,heads=8,vocab=512,seq=128,batch=8');
    const mesh = parseMesh('data=4,model=2');
    const topo = defaultTopology(mesh, hardwareByName('h100-80gb'));
    const proxy = proxyFor(program, 0)!;
    expect(proxy.layers).toEqual([1, 2]);
    const evaluator = new Evaluator(program, mesh, topo, proxy);
    for (const s of ['BP(data),MP(model)', 'BP(data),MP(model),Z3(data)', 'MP(model),EMB(model)']) {
      const f = evaluator.figures(s, evaluator.apply(parseSchedule(s)))!;
      const full = expert(program, mesh, topo, s);
      expect(f.stepTimeS).toBeCloseTo(full.stepTimeS, 9);
      expect(f.peakMemoryBytes / full.peakMemoryBytes).toBeCloseTo(1, 9);
    }
  });

  it('are not used for programs that are not exactly repeated or not from the zoo', () => {
    const unet = buildModel('unet:image=16,ch=32,ch_mult=1,res_blocks=1,attn_res=8,groups=8');
    expect(proxyFor(unet, 0)).toBeUndefined();
    expect(
      proxyFor(buildModel('gpt:layers=3,d_model=64,heads=4,vocab=128,seq=32'), 0),
    ).toBeUndefined();
  });
});

describe('rediscovering the expert strategies', () => {
  it('GPT on data × model with model on NVLink: Megatron on model, batch on data, no slower than the best expert', () => {
    const program = buildModel(GPT);
    const topo = topoOn(GPU);
    const r = autoPartition(program, MESH, topo, { maxIterations: 150, seed: 1 });
    const dims = finalState(program, MESH, r);
    expect(dims('tokens')[0]).toBe('data');
    expect(dims('layers/0/mlp/wi')[1]).toBe('model');
    expect(dims('layers/1/mlp/wo')[0]).toBe('model');
    expect(dims('layers/0/attn/wq')[1]).toBe('model');
    // Megatron's signature: the row-parallel product of each block is a partial sum, reduced
    // once on model in the forward (an all-reduce, or a reduce-scatter when the residual stream
    // stays split); nothing crosses the data axis in the forward of a layer
    const { spmd } = partitionProgram(program, MESH, r.tactics);
    const reduces = spmd.collectives.filter(
      (c) =>
        (c.kind === 'all-reduce' || c.kind === 'reduce-scatter') &&
        c.phase === 'forward' &&
        c.shape.length === 3 &&
        /^layers\/0\/(attn|mlp)$/.test(c.scope),
    );
    expect(reduces.map((c) => `${c.scope} ${c.axes.join()}`).sort()).toEqual([
      'layers/0/attn model',
      'layers/0/mlp model',
    ]);
    expect(
      spmd.collectives.some(
        (c) => c.phase === 'forward' && c.axes.includes('data') && c.scope.startsWith('layers/'),
      ),
    ).toBe(false);
    const best = bestExpert(program, MESH, topo, GPT_EXPERTS);
    expect(r.report.stepTimeS).toBeLessThanOrEqual(best.r.stepTimeS);
  });

  it('with HBM too small for Megatron + batch it adds ZeRO sharding and fits, no slower than the best expert that fits', () => {
    const program = buildModel(GPT);
    const topo = topoOn(SMALL_HBM);
    expect(expert(program, MESH, topo, 'BP(data),MP(model)').fits).toBe(false);
    const r = autoPartition(program, MESH, topo, { maxIterations: 250, seed: 1 });
    expect(r.report.fits).toBe(true);
    expect(r.tactics.some((t) => /^Z[123]$/.test(t.tactic))).toBe(true);
    const best = bestExpert(program, MESH, topo, GPT_EXPERTS);
    expect(best.s).toBe('BP(data),MP(model),Z3(data)');
    expect(r.report.stepTimeS).toBeLessThanOrEqual(best.r.stepTimeS);
  });

  it('MoE: expert parallelism (experts split, all-to-alls around them), no slower than the best expert', () => {
    const program = buildModel(
      'moe:layers=2,d_model=1024,heads=16,vocab=1024,seq=512,batch=32,experts=8,top_k=2',
    );
    const mesh = parseMesh('data=8');
    const topo = defaultTopology(mesh, hardwareByName('h100-80gb'));
    const r = autoPartition(program, mesh, topo, { maxIterations: 100, seed: 1 });
    expect(r.tactics.some((t) => t.tactic === 'EP')).toBe(true);
    expect(finalState(program, mesh, r)('layers/0/moe/wi')[0]).toBe('data');
    const { spmd } = partitionProgram(program, mesh, r.tactics);
    expect(spmd.collectives.filter((c) => c.kind === 'all-to-all').length).toBeGreaterThan(0);
    const best = bestExpert(program, mesh, topo, [
      'BP(data)',
      'MP(data)',
      'BP(data),Z3(data)',
      'EP(data),BP(data)',
    ]);
    expect(r.report.stepTimeS).toBeLessThanOrEqual(best.r.stepTimeS);
  });

  /**
   * A 2-layer MLP on n devices, closed forms (autopartition.md §6): data parallelism all-reduces
   * the gradients, 2(n−1)/n · P · 4 bytes (f32); Megatron's column/row pair all-reduces the
   * output activations forward, 2(n−1)/n · B · out · 2 bytes (bf16; the data input needs no
   * gradient). Compute splits n ways in both, so the smaller volume wins.
   */
  function closedFormWinner(batch: number, inDim: number, hidden: number, out: number, n: number) {
    const params = inDim * hidden + hidden + hidden * out + out;
    const dp = ((2 * (n - 1)) / n) * params * 4;
    const mp = ((2 * (n - 1)) / n) * batch * out * 2;
    return mp < dp ? 'megatron' : 'data';
  }

  for (const [batch, hidden] of [
    [8, 16384],
    [65536, 1024],
  ] as const) {
    it(`MLP batch ${batch}, hidden ${hidden}: the closed-form optimum (${closedFormWinner(batch, 1024, hidden, 1024, 4)})`, () => {
      const program = buildModel(`mlp:layers=2,in=1024,hidden=${hidden},out=1024,batch=${batch}`);
      const mesh = parseMesh('model=4');
      const topo = defaultTopology(mesh, hardwareByName('h100-80gb'));
      const r = autoPartition(program, mesh, topo, { maxIterations: 60, seed: 1 });
      const dims = finalState(program, mesh, r);
      if (closedFormWinner(batch, 1024, hidden, 1024, 4) === 'megatron') {
        expect(dims('layers/0/w')).toEqual(['', 'model']);
        expect(dims('layers/1/w')).toEqual(['model', '']);
        expect(dims('x')).toEqual(['', '']);
      } else {
        expect(dims('x')[0]).toBe('model');
      }
      const best = bestExpert(program, mesh, topo, ['BP(model)', 'BP(model),Z3(model)']);
      expect(r.report.stepTimeS).toBeLessThanOrEqual(best.r.stepTimeS);
    });
  }
});

const TINY = 'gpt:layers=2,d_model=256,heads=8,vocab=512,seq=128,batch=16';

describe('the search as a tactic', () => {
  const program = buildModel(TINY);
  const mesh = parseMesh('data=4,model=2');
  const topo = defaultTopology(mesh, hardwareByName('h100-80gb'));

  it('composes after manual tactics: the prefix comes first, unchanged, and its axis is left alone', () => {
    const prefix = parseSchedule('BP(data)');
    const r = autoPartition(program, mesh, topo, { prefix, maxIterations: 30 });
    expect(r.tactics.slice(0, 1)).toEqual(prefix);
    expect(r.tactics.slice(1).every((t) => t.axis === 'model')).toBe(true);
    expect(r.schedule.startsWith('BP(data)')).toBe(true);
    expect(r.baselines.every((b) => b.schedule.startsWith('BP(data)'))).toBe(true);
    // the report is the pipeline's own for that schedule
    expect(r.report.stepTimeS).toBe(expert(program, mesh, topo, r.schedule).stepTimeS);
  });

  it('is deterministic for a seed and an iteration bound', () => {
    const a = autoPartition(program, mesh, topo, { maxIterations: 40, seed: 7 });
    const b = autoPartition(program, mesh, topo, { maxIterations: 40, seed: 7 });
    expect(a.schedule).toBe(b.schedule);
    expect(a.evaluations).toBe(b.evaluations);
  });

  it('reports progress with the best so far, improving, and can be cancelled', () => {
    const seen: AutoProgress[] = [];
    let polls = 0;
    const r = autoPartition(program, mesh, topo, {
      maxIterations: 1000,
      onProgress: (p) => seen.push(p),
      shouldStop: () => ++polls > 25,
    });
    expect(r.cancelled).toBe(true);
    expect(r.iterations).toBeLessThan(1000);
    const bests = seen.flatMap((p) => (p.best ? [p.best] : []));
    expect(bests.length).toBeGreaterThan(0);
    for (const p of seen) expect(p.fraction).toBeGreaterThanOrEqual(0);
    for (let i = 1; i < bests.length; i++)
      expect(bests[i].stepTimeS).toBeLessThanOrEqual(bests[i - 1].stepTimeS);
    // the answer is the last best reported (no proxy: the same program)
    expect(r.schedule).toBe(bests[bests.length - 1].schedule);
  });

  it('goal memory: the smallest peak among strategies within the time budget', () => {
    const fast = expert(program, mesh, topo, 'BP(data),BP(model)');
    const budget = fast.stepTimeS * 1.5;
    const r = autoPartition(program, mesh, topo, {
      goal: { kind: 'memory', timeBudgetS: budget },
      maxIterations: 150,
    });
    expect(r.report.stepTimeS).toBeLessThanOrEqual(budget);
    const within = GPT_EXPERTS.map((s) => expert(program, mesh, topo, s)).filter(
      (x) => x.stepTimeS <= budget,
    );
    expect(within.length).toBeGreaterThan(0);
    for (const x of within) expect(r.report.peakMemoryBytes).toBeLessThanOrEqual(x.peakMemoryBytes);
  });

  it('lets layers differ: ZeRO-1 decided per band of layers, each band scoping its own layers', () => {
    const deep = buildModel('gpt:layers=4,d_model=64,heads=4,vocab=128,seq=32,batch=8');
    const bands = layerBands(deep, 2) as string[];
    expect(bands).toHaveLength(2);
    const mesh1 = parseMesh('data=4');
    const sharded = (band: string) => {
      const state = applySchedule(deep, mesh1, [{ tactic: 'Z1', axis: 'data', scope: band }]).final;
      // ZeRO-1 shards the optimizer state: opt/m/<param> and opt/v/<param>
      return deep.main.params
        .map((id) => deep.values[id])
        .filter((v) => v.name.startsWith('opt/m/') && state.uses(v.id, 'data'))
        .map((v) => v.name.slice('opt/m/'.length));
    };
    const [first, second] = bands.map(sharded);
    // every parameter in exactly one band: layers 0–1 and the rest in the first, 2–3 in the second
    const params = deep.main.params.map((id) => deep.values[id]).filter((v) => v.role === 'param');
    expect([...first, ...second].sort()).toEqual(params.map((v) => v.name).sort());
    expect(second.every((n) => /^layers\/[23]\//.test(n))).toBe(true);
    expect(first).toContain('embed/wte');
    expect(first.some((n) => /^layers\/[23]\//.test(n))).toBe(false);
    // the search decides each band's level; its schedule parses back
    const r = autoPartition(program, mesh, topo, { layerBands: 2, maxIterations: 60 });
    expect(parseSchedule(r.schedule)).toEqual(r.tactics);
    const zero = r.tactics.filter((t) => /^Z/.test(t.tactic));
    expect(zero.every((t) => t.tactic === 'Z1' && 'scope' in t && t.scope)).toBe(true);
  });

  it('rejects bad input with a clear error', () => {
    const err = (o: Parameters<typeof autoPartition>[3]) => {
      try {
        autoPartition(program, mesh, topo, o);
      } catch (e) {
        expect(e).toBeInstanceOf(AutoError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err({ axes: ['tensor'] })).toMatch(/unknown mesh axis 'tensor'.*data=4,model=2/);
    expect(err({ prefix: parseSchedule('BP(data)'), axes: ['data'] })).toMatch(
      /axis 'data' is already used by the prefix tactic BP\(data\)/,
    );
    expect(err({ prefix: parseSchedule('BP(pipe)') })).toMatch(
      /prefix: .*unknown mesh axis 'pipe'/,
    );
    expect(err({ timeLimitS: -1 })).toMatch(/timeLimitS must be a positive number/);
    expect(err({ goal: { kind: 'memory', timeBudgetS: 0 } })).toMatch(/timeBudgetS/);
    expect(err({ layerBands: 0 })).toMatch(/layerBands must be a whole number/);
  });
});
