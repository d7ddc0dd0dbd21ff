// The automatic partitioner against the expert baselines: per case, autoPartition under a time
// limit, with the time at which its best-so-far first matched the best expert baseline that
// fits (read from the progress reports; figures of proxies are exact extrapolations, see
// src/core/auto/auto.test.ts), the winner's step time against that baseline, and the
// strategies simulated. Programs, meshes and baselines are built outside the timed run.
import {
  autoPartition,
  evaluateBaselines,
  type AutoMethod,
  type AutoResult,
} from '../src/core/auto/index.ts';
import { hardwareByName } from '../src/core/mesh/hardware.ts';
import { parseMesh } from '../src/core/mesh/mesh.ts';
import { defaultTopology, parseTopology } from '../src/core/mesh/topology.ts';
import { buildModel } from '../src/core/models/index.ts';
import { bench } from './bench.ts';

interface Outcome {
  result: AutoResult;
  matchedAtS: number | undefined;
  best: { name: string; stepTimeS: number } | undefined;
}

function autoCase(
  model: string,
  meshSpec: string,
  timeLimitS: number,
  opts: { topology?: string; method?: AutoMethod; label?: string } = {},
) {
  const program = buildModel(model);
  const mesh = parseMesh(meshSpec);
  const hw = hardwareByName('h100-80gb');
  const topology = opts.topology
    ? parseTopology(opts.topology, mesh, hw)
    : defaultTopology(mesh, hw);
  const axes = mesh.axes.map((a) => a.name);
  const fitting = evaluateBaselines(program, mesh, topology, axes).filter((b) => b.report.fits);
  const best = fitting.length
    ? fitting.reduce((a, b) => (b.report.stepTimeS < a.report.stepTimeS ? b : a))
    : undefined;
  return bench({
    name: `${opts.label ?? model} ${meshSpec} ${opts.method ?? 'mcts'}`,
    runs: 1,
    run: (): Outcome => {
      const t0 = performance.now();
      let matchedAtS: number | undefined;
      const result = autoPartition(program, mesh, topology, {
        timeLimitS,
        method: opts.method,
        onProgress: (p) => {
          if (
            matchedAtS === undefined &&
            best &&
            p.best?.fits &&
            p.best.stepTimeS <= best.report.stepTimeS * (1 + 1e-9)
          )
            matchedAtS = (performance.now() - t0) / 1000;
        },
      });
      return {
        result,
        matchedAtS,
        best: best && { name: best.name, stepTimeS: best.report.stepTimeS },
      };
    },
    describe: ({ result: r, matchedAtS, best: b }) => {
      const ms = (s: number) => `${(s * 1e3).toFixed(1)} ms`;
      const vs = b
        ? `${((r.report.stepTimeS / b.stepTimeS - 1) * 100).toFixed(1)}% vs ${b.name} ${ms(b.stepTimeS)}`
        : 'no baseline fits';
      return [
        `auto ${ms(r.report.stepTimeS)}${r.report.fits ? '' : ' (does not fit)'} (${vs})`,
        `matched best at ${matchedAtS === undefined ? 'never' : `${matchedAtS.toFixed(2)} s`}`,
        `${r.evaluations} evals${r.proxyLayers ? ' on proxies' : ''}`,
        `searched ${r.searchTimeS.toFixed(1)} s: ${r.schedule}`,
      ].join('; ');
    },
  });
}

const GPU2D = 'data=8,model=8';

export default [
  // the two goals of issue 7
  autoCase('gpt2-medium:batch=64', GPU2D, 5),
  autoCase('gpt3-175b:batch=64,remat=full', 'data=8,fsdp=4,model=8', 20, {
    topology: 'data=ib,fsdp=ib,model=nvlink',
  }),
  // MCTS against greedy + polish and against exhaustive enumeration of the same space
  autoCase('gpt2-medium:batch=64', GPU2D, 5, { method: 'greedy' }),
  autoCase('gpt2-medium:batch=64', GPU2D, 60, { method: 'exhaustive' }),
  autoCase('gpt3-175b:batch=64,remat=full', 'data=8,fsdp=4,model=8', 20, {
    topology: 'data=ib,fsdp=ib,model=nvlink',
    method: 'greedy',
  }),
  autoCase('gpt3-175b:batch=64,remat=full', 'data=8,fsdp=4,model=8', 20, {
    topology: 'data=ib,fsdp=ib,model=nvlink',
    method: 'exhaustive',
  }),
  // one preset per zoo family
  autoCase('mlp', 'data=4,model=2', 5),
  autoCase('gpt2-small', 'data=4,model=2', 5),
  autoCase('mixtral-8x7b', 'data=8,model=8', 5),
  autoCase('vit-base', 'data=4,model=2', 5),
  autoCase('gemini-nano-1', 'data=4,model=2', 5),
  autoCase('ddpm-cifar10', 'data=4,model=2', 5),
  autoCase('gns-2d', 'data=4,model=2', 5),
];
