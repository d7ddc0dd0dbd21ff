// The workbench's view models on a 96-layer gpt3-175b training step (~69k ops) under
// BP(data),MP(model) on data=8,model=8: the scope tree (built once per program), the graph view
// for a new run (sharding masks, collective and conflict places recomputed), the graph view after
// an expand (everything cached), every group asked open (the node cap decides), a search, and an
// op's inspection. The program and its partitioning are built once, outside the timed runs.
import { formatInt } from '../src/cli/format.ts';
import { hardwareByName } from '../src/core/mesh/hardware.ts';
import { parseMesh } from '../src/core/mesh/mesh.ts';
import { defaultTopology } from '../src/core/mesh/topology.ts';
import { buildModel } from '../src/core/models/index.ts';
import { partitionProgram } from '../src/core/spmd/partition.ts';
import { parseSchedule } from '../src/core/tactics/schedule.ts';
import {
  buildGraphView,
  inspect,
  type GraphView,
  type ViewContext,
} from '../src/core/view/index.ts';
import { buildScopeTree, scopeTreeOf } from '../src/core/view/scope-tree.ts';
import { bench } from './bench.ts';

const program = buildModel('gpt3-175b');
const mesh = parseMesh('data=8,model=8');
const { schedule, spmd } = partitionProgram(program, mesh, parseSchedule('BP(data),MP(model)'));
const topology = defaultTopology(mesh, hardwareByName('h100-80gb'));
const ctx: ViewContext = { program, mesh, schedule, spmd, topology };
const tree = scopeTreeOf(program);
const everything = tree.groups.map((g) => g.id);
const layer = ['g:forward:layers', 'g:forward:layers/47', 'g:forward:layers/47/attn'];
const qProj = program.main.ops.find(
  (o) => o.kind === 'dot_general' && o.scope === 'layers/47/attn',
)!;
const nodes = (v: GraphView) =>
  `${formatInt(v.nodes.length)} nodes, ${formatInt(v.edges.length)} edges${v.refused.length ? `, ${formatInt(v.refused.length)} refused` : ''}`;

/** A context whose state, SPMD program and conflicts are new objects: nothing cached for them. */
const freshRun = (): ViewContext => ({
  ...ctx,
  schedule: {
    ...schedule,
    final: schedule.final.clone(program),
    conflicts: [...schedule.conflicts],
  },
  spmd: { ...spmd },
});

export default [
  bench({
    name: 'gpt3-175b: scope tree (once per program)',
    runs: 5,
    run: () => buildScopeTree(program),
    describe: (t) =>
      `${formatInt(program.main.ops.length)} ops, ${formatInt(t.groups.length)} groups`,
  }),
  bench({
    name: 'gpt3-175b: graph view of a new run (collapsed)',
    runs: 10,
    run: () => buildGraphView(freshRun(), { expanded: [] }),
    describe: nodes,
  }),
  bench({
    name: 'gpt3-175b: graph view after an expand (one layer open)',
    runs: 20,
    run: () => buildGraphView(ctx, { expanded: layer }),
    describe: nodes,
  }),
  bench({
    name: 'gpt3-175b: graph view, every group asked open',
    runs: 10,
    run: () => buildGraphView(ctx, { expanded: everything }),
    describe: nodes,
  }),
  bench({
    name: "gpt3-175b: graph view, search 'layers/3/mlp'",
    runs: 10,
    run: () => buildGraphView(ctx, { expanded: [], search: 'layers/3/mlp' }),
    describe: nodes,
  }),
  bench({
    name: 'gpt3-175b: inspect the q projection of layer 47',
    runs: 20,
    run: () => inspect(ctx, { kind: 'op', id: qProj.id }),
    describe: (i) =>
      `${i.results?.[0].why.length ?? 0} axes explained, ${i.timeS ? 'simulated time' : 'no time'}`,
  }),
];
