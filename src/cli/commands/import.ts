import { programStats } from '../../core/ir/index.ts';
import type { ImportResult } from '../../core/io/stablehlo/import.ts';
import { readAnnotations } from '../../core/io/sharding/annotations.ts';
import type { MeshAxes } from '../../core/io/sharding/spec.ts';
import { scheduleToString } from '../../core/tactics/schedule.ts';
import { defineCommand } from '../command.ts';
import { formatColumns } from '../format.ts';
import { importModelFile } from '../model-file.ts';
import { meshArg } from '../pipeline-args.ts';

export const importCommand = defineCommand({
  name: 'import',
  summary: 'import a StableHLO program (as JAX prints it) and summarise it',
  description: [
    'Reads StableHLO text as `jax.jit(f).lower(...).as_text()` or `jax.export` print it and',
    'summarises the program: ops, parameters, inputs with their roles, ops kept opaque, the',
    'shardings already in the file (as a schedule prefix of tile tactics) and warnings. Every',
    'pipeline command takes the same file as --model FILE.mlir.',
  ].join('\n'),
  options: {
    mesh: {
      type: 'string',
      valueName: 'AXES',
      description: 'mesh to read GSPMD sharding strings against (Shardy files carry their own)',
    },
    json: { type: 'boolean', description: 'print the summary as one JSON object' },
  },
  positionals: [{ name: 'file', description: 'StableHLO text file', required: true }],
  examples: ['shardlab import train_step.mlir', 'shardlab import train_step.mlir --json'],
  run({ options, positionals }, io) {
    const file = positionals[0];
    const result = importModelFile(file);
    const mesh = options.mesh === undefined ? undefined : meshArg(options.mesh);
    const json = importJson(file, result, mesh);
    if (options.json) {
      io.out(JSON.stringify(json, null, 2));
      return 0;
    }
    io.out(
      `${file}: module ${result.report.module ?? '?'}${json.training ? ', a training step' : ''}`,
    );
    io.out(
      formatColumns([
        ['ops', String(json.ops)],
        ['functions', String(json.functions)],
        ['parameters', json.params.toLocaleString('en-US')],
        ['FLOPs', json.flops.toExponential(3)],
        ['inputs', String(json.inputs.length)],
        ['opaque ops', String(json.opaque.length)],
        ['shardings found', String(json.shardings.length)],
      ]).join('\n'),
    );
    for (const i of json.inputs)
      io.out(`  in  ${i.index}: ${i.path} [${i.shape.join(',')}] ${i.dtype} ${i.role}`);
    if (json.schedule) io.out(`schedule from the file: ${json.schedule}`);
    for (const o of json.opaque) io.out(`opaque: ${o.name} (line ${o.line}): ${o.reason}`);
    for (const w of json.warnings) io.out(`warning: ${w}`);
    return 0;
  },
});

export function importJson(file: string, { program, report }: ImportResult, mesh?: MeshAxes) {
  const stats = programStats(program);
  const found = readAnnotations(program, report, mesh);
  return {
    file,
    module: report.module,
    ops: report.ops,
    functions: report.functions,
    params: stats.params,
    flops: stats.flops,
    training: report.training,
    inputs: report.inputs,
    outputs: report.outputs,
    opaque: report.opaque,
    mesh: found.mesh,
    shardings: found.shardings,
    schedule: found.tactics.length ? scheduleToString(found.tactics) : undefined,
    warnings: [...report.warnings, ...found.warnings],
    whileTripCountsAssumed: report.whileTripCountsAssumed,
  };
}
