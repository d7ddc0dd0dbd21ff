// Partitioning (tactics, propagation, SPMD lowering) of training steps on a 3-axis mesh:
// BP(data),MP(model),Z3(fsdp) from scratch, each stage alone and together, and a re-run that
// changes only the last tactic (Z3 → Z2) and reuses the steps before it (applySchedule's
// `previous`). The program and its graph index are built once, outside the timed runs.
import { buildModel } from '../src/core/models/index.ts';
import { parseMesh } from '../src/core/mesh/mesh.ts';
import { lowerToSpmd } from '../src/core/spmd/lower.ts';
import { applySchedule, type ScheduleResult } from '../src/core/tactics/apply.ts';
import { parseSchedule } from '../src/core/tactics/schedule.ts';
import { formatInt } from '../src/cli/format.ts';
import { bench } from './bench.ts';

const SCHEDULE = 'BP(data),MP(model),Z3(fsdp)';
const CHANGED = 'BP(data),MP(model),Z2(fsdp)';

function cases(model: string, meshSpec: string, runs: number) {
  const program = buildModel(model);
  const mesh = parseMesh(meshSpec);
  const schedule = parseSchedule(SCHEDULE);
  const changed = parseSchedule(CHANGED);
  const base: ScheduleResult = applySchedule(program, mesh, schedule);
  const label = `${model} ${meshSpec}`;
  const conflicts = (r: ScheduleResult) => `${formatInt(r.conflicts.length)} conflicts`;
  return [
    bench({
      name: `${label}: propagation`,
      runs,
      run: () => applySchedule(program, mesh, schedule),
      describe: (r) => `${formatInt(program.main.ops.length)} ops, ${conflicts(r)}`,
    }),
    bench({
      name: `${label}: lowering`,
      runs,
      run: () => lowerToSpmd(base),
      describe: (s) =>
        `${formatInt(s.program.main.ops.length)} local ops, ${formatInt(s.collectives.length)} collectives`,
    }),
    bench({
      name: `${label}: propagation + lowering`,
      runs,
      run: () => lowerToSpmd(applySchedule(program, mesh, schedule)),
      describe: (s) => `${formatInt(s.collectives.length)} collectives`,
    }),
    bench({
      name: `${label}: re-run, Z3→Z2 (previous)`,
      runs,
      run: () => applySchedule(program, mesh, changed, base),
      describe: (r) => `reuses 2 of 3 steps, ${conflicts(r)}`,
    }),
    bench({
      name: `${label}: re-run, Z3→Z2 (scratch)`,
      runs,
      run: () => applySchedule(program, mesh, changed),
      describe: (r) => conflicts(r),
    }),
  ];
}

export default [
  ...cases('gpt2-small', 'data=8,model=4,fsdp=2', 10),
  ...cases('gpt3-175b', 'data=8,model=8,fsdp=4', 10),
];
