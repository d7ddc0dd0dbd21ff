import { writeFileSync } from 'node:fs';
import { strategyToJax } from '../../core/io/export/jax.ts';
import { programToStableHlo } from '../../core/io/export/stablehlo.ts';
import { strategyJson } from '../../core/io/export/strategy.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import {
  meshArg,
  modelArg,
  partitionArg,
  PIPELINE_OPTIONS,
  scheduleArg,
} from '../pipeline-args.ts';

const FORMATS = ['strategy', 'jax', 'stablehlo'] as const;

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'export a strategy as JSON, as JAX code or as StableHLO with Shardy shardings',
  description: [
    'Applies the schedule and writes the result for the engine that runs it:',
    '  strategy   the strategy JSON (version 1) the JAX bridge reads: mesh, a spec per input and',
    '             output in flattened order, constraints for the intermediates the schedule pins',
    '  jax        a Python snippet: the Mesh, NamedSharding/PartitionSpec per argument by pytree',
    '             path, with_sharding_constraint for pinned intermediates',
    '  stablehlo  the program as StableHLO text with sdy.mesh and sdy.sharding on arguments,',
    '             results and pinned intermediates (--gspmd adds mhlo.sharding strings)',
  ].join('\n'),
  options: {
    ...PIPELINE_OPTIONS,
    format: {
      type: 'string',
      valueName: 'FORMAT',
      description: `one of ${FORMATS.join(', ')}`,
      required: true,
    },
    gspmd: { type: 'boolean', description: 'stablehlo: also write GSPMD mhlo.sharding strings' },
    out: { type: 'string', valueName: 'PATH', description: 'write to a file instead of stdout' },
  },
  examples: [
    'shardlab export --model train_step.mlir --mesh data=4,model=2 --schedule "BP(data),MP(model)" --format strategy',
    'shardlab export --model gpt2-small --mesh data=8 --schedule "BP(data),Z3(data)" --format jax --out strategy.py',
    'shardlab export --model mlp:layers=2 --mesh data=4,model=2 --schedule "BP(data),MP(model)" --format stablehlo --gspmd',
  ],
  run({ options }, io) {
    const format = options.format!;
    if (!(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format: '${format}' is not one of ${FORMATS.join(', ')}`);
    const mesh = meshArg(options.mesh!);
    const schedule = scheduleArg(options.schedule!);
    const program = modelArg(options.model!);
    const result = partitionArg(program, mesh, schedule);
    const strategy = strategyJson(result.schedule, mesh, schedule);
    const text =
      format === 'strategy'
        ? JSON.stringify(strategy, null, 2)
        : format === 'jax'
          ? strategyToJax(strategy, program.name)
          : programToStableHlo(program, { strategy, gspmd: options.gspmd === true });
    if (options.out) {
      writeFileSync(options.out, text.endsWith('\n') ? text : text + '\n');
      io.err(`wrote ${options.out}`);
    } else io.out(text);
    return 0;
  },
});
