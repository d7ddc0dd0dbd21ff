import { writeFileSync } from 'node:fs';
import { HARDWARE } from '../../core/mesh/hardware.ts';
import { meshToString, type Mesh } from '../../core/mesh/mesh.ts';
import type { SimReport } from '../../core/sim/report.ts';
import { simulate } from '../../core/sim/simulate.ts';
import { chromeTraceSink } from '../../core/sim/trace.ts';
import { scheduleToString } from '../../core/tactics/schedule.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../errors.ts';
import { formatBytes, formatColumns, formatFlops, formatTable } from '../format.ts';
import {
  HARDWARE_OPTIONS,
  hardwareArg,
  meshArg,
  modelArg,
  partitionArg,
  PIPELINE_OPTIONS,
  scheduleArg,
  topologyArg,
} from '../pipeline-args.ts';

export const simulateCommand = defineCommand({
  name: 'simulate',
  summary: 'simulate one step of a partitioned program on a hardware model',
  description: [
    'Partitions the model with the schedule, then simulates one step on one device of the mesh',
    '(all devices run the same program): per-op roofline compute time, collectives on per-axis',
    'links of the topology, asynchronous collectives overlapping independent compute, peak memory',
    'from buffer liveness. Prints step time, MFU (PaLM model FLOPs), tokens/s, memory and the',
    'communication per mesh axis; --trace writes a Chrome/Perfetto trace (ui.perfetto.dev).',
    `Hardware: ${Object.keys(HARDWARE).join(', ')}, or custom:bf16=…,hbm=…,hbm_bw=….`,
    'Topology: axis=kind[:wrap|nowrap|ring], kinds ici, nvlink, infiniband (ib), dcn; default:',
    'minor axes on the fast links of one node or pod, the rest on the scale-out network.',
  ].join('\n'),
  options: {
    ...PIPELINE_OPTIONS,
    ...HARDWARE_OPTIONS,
    'no-overlap': { type: 'boolean', description: 'serialise collectives with compute' },
    trace: { type: 'string', valueName: 'FILE', description: 'write a Chrome trace (JSON) here' },
    'trace-devices': {
      type: 'string',
      valueName: 'N',
      description: 'devices (processes) in the trace, default 1; all run the same timeline',
    },
    json: { type: 'boolean', description: 'print the report as JSON' },
  },
  examples: [
    'shardlab simulate --model gpt2-small --mesh data=8 --schedule "BP(data)" --hardware h100-80gb',
    'shardlab simulate --model gpt3-175b --mesh data=8,model=8,fsdp=4 --schedule "BP(data),MP(model),Z3(fsdp)" --hardware h100-80gb --json',
    'shardlab simulate --model gpt2-small --mesh data=4,model=2 --schedule "BP(data),MP(model)" --hardware tpu-v4 --trace step.json',
  ],
  run({ options }, io) {
    const mesh = meshArg(options.mesh!);
    const schedule = scheduleArg(options.schedule!);
    const hw = hardwareArg(options.hardware ?? 'h100-80gb');
    const topo = topologyArg(options.topology, mesh, hw);
    const traceDevices = traceDevicesArg(options['trace-devices'], mesh);
    const program = modelArg(options.model!);
    const { spmd } = partitionArg(program, mesh, schedule);
    const sink = options.trace
      ? chromeTraceSink({
          devices: Array.from({ length: traceDevices }, (_, i) => i),
          otherData: {
            model: options.model!,
            mesh: meshToString(mesh),
            schedule: scheduleToString(schedule),
            hardware: hw.name,
          },
        })
      : undefined;
    const report = simulate(program, spmd, mesh, topo, {
      overlap: !options['no-overlap'],
      sink,
    });
    if (sink && options.trace) writeFileSync(options.trace, JSON.stringify(sink.trace()));
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            model: options.model,
            mesh: meshToString(mesh),
            schedule: scheduleToString(schedule),
            ...report,
          },
          null,
          2,
        ),
      );
      return 0;
    }
    io.out(
      `${program.name} on ${meshToString(mesh)} × ${hw.name}, schedule ${scheduleToString(schedule)}${report.overlap ? '' : ' (no overlap)'}`,
    );
    for (const line of formatColumns(summaryRows(report))) io.out(line);
    if (report.comm.length) {
      io.out('');
      io.out(
        formatTable(
          report.comm,
          [
            { header: 'axis', value: (r) => r.axis },
            { header: 'collective', value: (r) => r.kind },
            { header: 'count', value: (r) => String(r.count), align: 'right' },
            { header: 'bytes/device', value: (r) => formatBytes(r.bytes), align: 'right' },
            { header: 'time', value: (r) => seconds(r.timeS), align: 'right' },
          ],
          io.columns,
        ),
      );
    }
    if (report.topScopes.length) {
      io.out('');
      io.out(
        formatTable(
          report.topScopes.slice(0, 10),
          [
            { header: 'scope', value: (r) => r.scope || '(top)' },
            { header: 'compute+comm time', value: (r) => seconds(r.timeS), align: 'right' },
            { header: 'FLOPs', value: (r) => formatFlops(r.flops), align: 'right' },
          ],
          io.columns,
        ),
      );
    }
    if (options.trace) io.out(`\ntrace written to ${options.trace} (open in ui.perfetto.dev)`);
    return 0;
  },
});

function summaryRows(r: SimReport): [string, string][] {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const m = r.memoryBreakdown;
  return [
    ['step time', seconds(r.stepTimeS)],
    ['compute', seconds(r.computeTimeS)],
    ['communication', `${seconds(r.commTimeS)} (exposed ${seconds(r.exposedCommTimeS)})`],
    ['MFU / HFU', `${pct(r.mfu)} / ${pct(r.hfu)}`],
    ['tokens/s', r.tokensPerS === null ? 'n/a' : Math.round(r.tokensPerS).toLocaleString('en-US')],
    [
      'peak memory',
      `${formatBytes(r.peakMemoryBytes)} of ${formatBytes(r.hbmBytes)}${r.fits ? '' : '  DOES NOT FIT'}`,
    ],
    [
      '  at the peak',
      `params ${formatBytes(m.params)}, grads ${formatBytes(m.grads)}, opt state ${formatBytes(m.optState)}, activations ${formatBytes(m.activations)}, temp ${formatBytes(m.temp)}`,
    ],
  ];
}

function seconds(s: number): string {
  if (s >= 1) return `${s.toFixed(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} µs`;
}

function traceDevicesArg(text: string | undefined, mesh: Mesh): number {
  if (text === undefined) return 1;
  const n = Number(text);
  const devices = mesh.axes.reduce((k, a) => k * a.size, 1);
  if (!Number.isInteger(n) || n < 1 || n > devices)
    throw new UsageError(`--trace-devices ${text}: expected a whole number from 1 to ${devices}`);
  return n;
}
