import { printProgram } from '../../core/ir/index.ts';
import { meshToString } from '../../core/mesh/mesh.ts';
import { collectivesJson, conflictsJson, opaqueOpsJson } from '../../core/spmd/partition.ts';
import { TACTIC_LIBRARY } from '../../core/tactics/library/index.ts';
import { scheduleToString } from '../../core/tactics/schedule.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import {
  meshArg,
  modelArg,
  partitionArg,
  PIPELINE_OPTIONS,
  scheduleArg,
} from '../pipeline-args.ts';
import { formatTable } from '../format.ts';

export const partition = defineCommand({
  name: 'partition',
  summary: 'apply a sharding schedule and show the per-device program with its collectives',
  description: [
    'Applies the tactics of a schedule in order (each seeds its shardings, then propagation runs',
    'to a fixpoint), lowers the result to the per-device SPMD program and lists its collectives',
    'and the places where propagation stopped on a conflict.',
    '',
    'Tactics (each takes a mesh axis; optional scope="regex" limits it to a subgraph):',
    ...Object.values(TACTIC_LIBRARY).map((t) => `  ${`${t.name}(axis)`.padEnd(10)} ${t.summary}`),
    `  ${'tile("name regex", dim, axis)'}  split dim of the matching values on the axis`,
    `  ${'replicate("name regex", axis)'}  keep the matching values whole on the axis`,
    'A leading ! disables a step.',
  ].join('\n'),
  options: {
    ...PIPELINE_OPTIONS,
    after: { type: 'string', valueName: 'K', description: 'apply only the first K tactics' },
    print: { type: 'boolean', description: 'print the per-device program' },
    json: { type: 'boolean', description: 'print collectives and conflicts as JSON' },
  },
  examples: [
    'shardlab partition --model gpt2-small --mesh data=4,model=2 --schedule "BP(data),MP(model)"',
    'shardlab partition --model gpt3-175b --mesh data=8,model=8,fsdp=4 --schedule "BP(data),MP(model),Z3(fsdp)" --json',
    'shardlab partition --model gpt2-small --mesh data=4,model=2 --schedule strategy.json --after 1',
  ],
  run({ options }, io) {
    const mesh = meshArg(options.mesh!);
    const schedule = scheduleArg(options.schedule!);
    const after = afterArg(options.after, schedule.length);
    const program = modelArg(options.model!);
    const result = partitionArg(program, mesh, schedule, after);
    const { spmd } = result;
    const collectives = collectivesJson(spmd);
    const conflicts = conflictsJson(result.schedule.conflicts);
    const opaque = opaqueOpsJson(program);
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            model: options.model,
            mesh: meshToString(mesh),
            schedule: scheduleToString(schedule.slice(0, after)),
            collectives,
            conflicts,
            opaque,
            localSlices: spmd.collectives.length - collectives.length,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    if (options.print) io.out(printProgram(spmd.program));
    io.out(
      `${program.name} on ${meshToString(mesh)}, schedule ${scheduleToString(schedule.slice(0, after))}`,
    );
    io.out(
      `${collectives.length} collectives, ${spmd.collectives.length - collectives.length} local slices, ${conflicts.length} conflicts`,
    );
    const groups = new Map<string, number>();
    for (const c of collectives) {
      const key = [
        c.phase,
        c.kind,
        c.axes.join(','),
        `${c.dtype}[${c.shape.join(',')}]`,
        c.scope.replace(/layers\/\d+/, 'layers/*'),
      ].join('\t');
      groups.set(key, (groups.get(key) ?? 0) + (c.tripCount ?? 1));
    }
    const rows = [...groups].sort().map(([k, n]) => [String(n), ...k.split('\t')]);
    const headers = ['count', 'phase', 'kind', 'axes', 'per-device shape', 'scope'];
    if (rows.length)
      io.out(
        formatTable(
          rows,
          headers.map((header, i) => ({
            header,
            value: (r: string[]) => r[i],
            align: i === 0 ? 'right' : 'left',
          })),
          io.columns,
        ),
      );
    for (const o of opaque) io.out(`opaque: ${o.message}`);
    for (const c of conflicts.slice(0, 20)) io.out(`conflict: ${c.message}`);
    if (conflicts.length > 20) io.out(`… and ${conflicts.length - 20} more conflicts (see --json)`);
    return 0;
  },
});

function afterArg(text: string | undefined, n: number): number | undefined {
  if (text === undefined) return undefined;
  const k = Number(text);
  if (!Number.isInteger(k) || k < 0 || k > n)
    throw new UsageError(
      `--after ${text}: expected a whole number from 0 to ${n} (the schedule has ${n} tactics)`,
    );
  return k;
}
