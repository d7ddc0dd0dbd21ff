import {
  autoPartition,
  AutoError,
  summariseBaseline,
  type AutoGoal,
  type AutoResult,
} from '../../core/auto/index.ts';
import { HARDWARE } from '../../core/mesh/hardware.ts';
import { meshToString } from '../../core/mesh/mesh.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatBytes, formatTable } from '../format.ts';
import {
  HARDWARE_OPTIONS,
  hardwareArg,
  meshArg,
  modelArg,
  PIPELINE_OPTIONS,
  scheduleArg,
  topologyArg,
} from '../pipeline-args.ts';

export const autoCommand = defineCommand({
  name: 'auto',
  summary: 'search a sharding schedule automatically (MCTS, simulator as cost)',
  description: [
    'Searches the sharding decisions the prefix schedule leaves open: per mesh axis, which named',
    'tactics (BP, MP, SP, EMB, EP) or dimension groups of the factor analysis take the axis, and',
    'how much of the parameters and optimizer state ZeRO shards on it (Z1–Z3). Each candidate is',
    'propagated, lowered and simulated; goal time = fit in memory, then the shortest step; goal',
    'memory = the smallest peak within --time-budget. Prints the winner beside the expert',
    'baselines on the same mesh and hardware; the schedule it prints is an ordinary one.',
    `Hardware: ${Object.keys(HARDWARE).join(', ')}, or custom:bf16=…,hbm=…,hbm_bw=….`,
  ].join('\n'),
  options: {
    model: PIPELINE_OPTIONS.model,
    mesh: PIPELINE_OPTIONS.mesh,
    ...HARDWARE_OPTIONS,
    schedule: {
      type: 'string',
      short: 's',
      valueName: 'PREFIX',
      description: 'manual tactics applied first and kept, e.g. "BP(data)"',
    },
    axes: {
      type: 'string',
      valueName: 'A,B',
      description: 'mesh axes the search may decide (default: those the prefix leaves free)',
    },
    goal: { type: 'string', valueName: 'GOAL', description: 'time (default) or memory' },
    'time-budget': {
      type: 'string',
      valueName: 'S',
      description: 'goal memory: the step time (seconds) the strategy must stay within',
    },
    'time-limit': {
      type: 'string',
      valueName: 'S',
      description: 'search time in seconds (default 10)',
    },
    iterations: {
      type: 'string',
      valueName: 'N',
      description: 'bound on search iterations (with --seed: a reproducible search)',
    },
    seed: { type: 'string', valueName: 'N', description: 'random seed of the search (default 1)' },
    'layer-bands': {
      type: 'string',
      valueName: 'N',
      description: 'let layers differ: decide ZeRO-1 apart for N contiguous bands of layers',
    },
    method: { type: 'string', valueName: 'M', description: 'mcts (default), greedy or exhaustive' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  examples: [
    'shardlab auto --model gpt2-medium --mesh data=4,model=2 --topology model=nvlink,data=ib',
    'shardlab auto --model gpt3-175b:batch=64,remat=full --mesh data=8,fsdp=4,model=8 --time-limit 20 --json',
    'shardlab auto --model gpt2-small --mesh data=4,model=2 --schedule "BP(data)" --axes model',
  ],
  run({ options }, io) {
    const mesh = meshArg(options.mesh!);
    const hw = hardwareArg(options.hardware ?? 'h100-80gb');
    const topology = topologyArg(options.topology, mesh, hw);
    const prefix = options.schedule !== undefined ? scheduleArg(options.schedule) : [];
    const axes = options.axes?.split(',').map((a) => a.trim());
    const goal = goalArg(options.goal, options['time-budget']);
    const method = options.method ?? 'mcts';
    if (method !== 'mcts' && method !== 'greedy' && method !== 'exhaustive')
      throw new UsageError(`--method ${method}: expected mcts, greedy or exhaustive`);
    const program = modelArg(options.model!);
    let result: AutoResult;
    try {
      result = autoPartition(program, mesh, topology, {
        goal,
        prefix,
        axes,
        method,
        timeLimitS: numberArg('--time-limit', options['time-limit']),
        maxIterations: intArg('--iterations', options.iterations, 0),
        seed: intArg('--seed', options.seed, -(2 ** 31)),
        layerBands: intArg('--layer-bands', options['layer-bands'], 1),
      });
    } catch (e) {
      if (e instanceof AutoError) throw new UsageError(e.message);
      throw e;
    }
    if (options.json) {
      io.out(JSON.stringify(resultJson(options.model!, meshToString(mesh), result), null, 2));
      return 0;
    }
    io.out(
      `${program.name} on ${meshToString(mesh)} × ${hw.name}: searched ${result.searchTimeS.toFixed(2)} s, ${result.evaluations} strategies simulated${result.proxyLayers ? ` (on ${result.proxyLayers.join(' and ')}-layer proxies)` : ''}${result.cancelled ? ', cancelled' : ''}`,
    );
    io.out(`schedule: ${result.schedule || '(none: everything replicated)'}`);
    io.out('');
    const rows = [
      { name: 'auto', schedule: result.schedule, report: result.report },
      ...result.baselines,
    ];
    io.out(
      formatTable(
        rows,
        [
          { header: 'strategy', value: (r) => r.name },
          { header: 'step time', value: (r) => ms(r.report.stepTimeS), align: 'right' },
          { header: 'MFU', value: (r) => `${(100 * r.report.mfu).toFixed(1)}%`, align: 'right' },
          {
            header: 'peak memory',
            value: (r) => formatBytes(r.report.peakMemoryBytes),
            align: 'right',
          },
          { header: 'fits', value: (r) => (r.report.fits ? 'yes' : 'NO') },
          { header: 'schedule', value: (r) => r.schedule || '(none)' },
        ],
        io.columns,
      ),
    );
    for (const f of result.failures)
      io.err(`warning: skipped ${f.schedule}: the pipeline failed on it: ${f.message}`);
    return 0;
  },
});

function resultJson(model: string, mesh: string, r: AutoResult) {
  return {
    model,
    mesh,
    schedule: r.schedule,
    tactics: r.tactics,
    stepTimeS: r.report.stepTimeS,
    peakMemoryBytes: r.report.peakMemoryBytes,
    fits: r.report.fits,
    mfu: r.report.mfu,
    searchTimeS: r.searchTimeS,
    evaluations: r.evaluations,
    iterations: r.iterations,
    ...(r.proxyLayers ? { proxyLayers: r.proxyLayers } : {}),
    baselines: r.baselines.map(summariseBaseline),
    ...(r.failures.length ? { failures: r.failures } : {}),
  };
}

function goalArg(text: string | undefined, budget: string | undefined): AutoGoal {
  if (text === undefined || text === 'time') {
    if (budget !== undefined) throw new UsageError('--time-budget applies to --goal memory only');
    return { kind: 'time' };
  }
  if (text !== 'memory') throw new UsageError(`--goal ${text}: expected time or memory`);
  const timeBudgetS = numberArg('--time-budget', budget);
  if (timeBudgetS === undefined)
    throw new UsageError('--goal memory needs --time-budget S (the step time to stay within)');
  return { kind: 'memory', timeBudgetS };
}

function numberArg(option: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (!Number.isFinite(x) || x <= 0)
    throw new UsageError(`${option} ${text}: expected a positive number of seconds`);
  return x;
}

function intArg(option: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (!Number.isInteger(x) || x < min)
    throw new UsageError(
      `${option} ${text}: expected a whole number${min >= 0 ? ` ≥ ${min}` : ''}`,
    );
  return x;
}

function ms(s: number): string {
  return s >= 1 ? `${s.toFixed(3)} s` : `${(s * 1e3).toFixed(2)} ms`;
}
