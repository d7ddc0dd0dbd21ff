import type { Program, ProgramStats } from '../../core/ir/index.ts';
import { printProgram, programStats } from '../../core/ir/index.ts';
import { COMMON_OPTIONS, MODEL_FAMILIES } from '../../core/models/index.ts';
import { defineCommand } from '../command.ts';
import { modelArg, PIPELINE_OPTIONS } from '../pipeline-args.ts';
import { formatColumns } from '../format.ts';
import { programSummaryRows, programTitle } from '../summary.ts';

export const show = defineCommand({
  name: 'show',
  summary: "build a model's program and print its statistics",
  description: [
    'Builds the program for a model spec and prints its statistics: parameters, ops, FLOPs',
    'and bytes per step, and FLOPs by phase. SPEC is a preset (see `shardlab models`), a preset',
    'with overrides (gpt3-175b:batch=32) or a family with options (gpt:layers=12,d_model=768).',
    `Families: ${MODEL_FAMILIES.map((f) => f.name).join(', ')}.`,
    `Keys of every family: ${COMMON_OPTIONS.map((o) => o.name).join(', ')}; a bad key lists all.`,
  ].join('\n'),
  options: {
    model: PIPELINE_OPTIONS.model,
    print: { type: 'boolean', description: 'also print the program text' },
    json: { type: 'boolean', description: 'print the statistics as one JSON object' },
  },
  examples: [
    'shardlab show --model gpt2-small',
    'shardlab show --model gpt3-175b:batch=32 --json',
    'shardlab show --model gpt:layers=2,d_model=64,heads=4,ffn=256,seq=32,vocab=100,batch=2 --print',
  ],
  run({ options }, io) {
    const program = modelArg(options.model!);
    const stats = programStats(program);
    if (options.json) {
      const json = { model: options.model, ...showJson(program, stats) };
      io.out(
        JSON.stringify(options.print ? { ...json, text: printProgram(program) } : json, null, 2),
      );
      return 0;
    }
    if (options.print) io.out(printProgram(program));
    io.out(
      [programTitle(program), ...formatColumns(programSummaryRows(program, stats))].join('\n'),
    );
    return 0;
  },
});

function showJson(p: Program, s: ProgramStats) {
  return {
    program: p.name,
    family: p.meta.family,
    training: p.meta.training,
    params: s.params,
    ops: s.ops,
    flops: s.flops,
    matmulFlops: s.matmulFlops,
    tokensPerStep: p.meta.tokensPerStep,
    bytes: s.bytes,
    paramBytes: s.paramBytes,
    optStateBytes: s.optStateBytes,
    dataBytes: s.dataBytes,
    flopsByPhase: s.flopsByPhase,
  };
}
