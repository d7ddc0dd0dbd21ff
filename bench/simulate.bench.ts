// The simulator stage: one training step of the partitioned gpt3-175b (BP(data), MP(model),
// Z3(fsdp) on data=8,model=8,fsdp=4) on h100-80gb. Building and partitioning happen once, outside
// the timed run; the timed run is `simulate` alone, without and with a recording timeline sink.
import { hardwareByName } from '../src/core/mesh/hardware.ts';
import { parseMesh } from '../src/core/mesh/mesh.ts';
import { defaultTopology } from '../src/core/mesh/topology.ts';
import { buildModel } from '../src/core/models/index.ts';
import { memoryProfile } from '../src/core/sim/memory.ts';
import { simulate } from '../src/core/sim/simulate.ts';
import { chromeTraceSink } from '../src/core/sim/trace.ts';
import { partitionProgram } from '../src/core/spmd/partition.ts';
import { parseSchedule } from '../src/core/tactics/schedule.ts';
import { formatInt } from '../src/cli/format.ts';
import { bench } from './bench.ts';

const program = buildModel('gpt3-175b');
const mesh = parseMesh('data=8,model=8,fsdp=4');
const { spmd } = partitionProgram(program, mesh, parseSchedule('BP(data),MP(model),Z3(fsdp)'));
const topo = defaultTopology(mesh, hardwareByName('h100-80gb'));
const memory = memoryProfile(spmd, program, mesh);

const describe = (r: ReturnType<typeof simulate>) =>
  `${formatInt(spmd.program.main.ops.length)} ops, step ${(r.stepTimeS * 1e3).toFixed(1)} ms, MFU ${(100 * r.mfu).toFixed(1)}%`;

export default [
  bench({
    name: 'simulate gpt3-175b (no sink)',
    run: () => simulate(program, spmd, mesh, topo),
    describe,
  }),
  bench({
    name: 'simulate gpt3-175b, memory profile reused',
    run: () => simulate(program, spmd, mesh, topo, { memory }),
    describe,
  }),
  bench({
    name: 'memoryProfile alone (memory.ts)',
    run: () => memoryProfile(spmd, program, mesh),
    describe: (m) => `peak ${(m.peakBytes / 2 ** 30).toFixed(1)} GiB`,
  }),
  bench({
    name: 'simulate gpt3-175b + Chrome trace sink',
    run: () => {
      const sink = chromeTraceSink();
      const r = simulate(program, spmd, mesh, topo, { sink });
      sink.trace();
      return r;
    },
    describe,
  }),
];
