import { isDType, type DType } from '../ir/dtype.ts';
import type { Program } from '../ir/program.ts';
import { meshDeviceCount, type Mesh } from '../mesh/mesh.ts';
import { peakFlopsFor } from '../mesh/hardware.ts';
import type { Topology } from '../mesh/topology.ts';
import type { CollectiveRecord } from '../spmd/collective.ts';
import type { SpmdProgram } from '../spmd/lower.ts';
import { collectiveRecordCost } from './collective-cost.ts';
import { computeCosts, computeModelFor, fusionInfo, type FusionInfo } from './compute-cost.ts';
import { memoryProfile, type MemoryProfile } from './memory.ts';
import { commRows, modelFlops, topCosts, type SimReport } from './report.ts';
import { scheduleProgram, type TimelineSink } from './schedule.ts';

export interface SimulateOptions {
  /** Asynchronous collectives overlap independent compute (default true). */
  readonly overlap?: boolean;
  /** Receives the timeline: compute and per-axis communication slices, a `memory` counter. */
  readonly sink?: TimelineSink;
  /** A memory profile already computed for this SPMD program: memory depends on neither the
   *  hardware nor the overlap, so re-simulating after such a change may pass it back. */
  readonly memory?: MemoryProfile;
  /** The fusion analysis of this SPMD program (`fusionInfo`), when the caller has it already
   *  (e.g. from computing the memory profile). */
  readonly fusion?: FusionInfo;
  /** Rows kept in topOps / topScopes (default 20). */
  readonly top?: number;
}

const COLLECTIVE_KINDS = new Set([
  'all_reduce',
  'all_gather',
  'reduce_scatter',
  'all_to_all',
  'collective_permute',
]);

/**
 * The simulator stage: one training (or inference) step of the per-device SPMD program on one
 * device of `topo.hardware` (every device runs the same program, so one stands for all), with
 * compute from compute-cost.ts, collectives from collective-cost.ts, the overlap schedule from
 * schedule.ts and memory from memory.ts; `program` is the global program the SPMD one came from
 * (model FLOPs, memory categories).
 */
export function simulate(
  program: Program,
  spmd: SpmdProgram,
  mesh: Mesh,
  topo: Topology,
  opts: SimulateOptions = {},
): SimReport {
  const local = spmd.program;
  const hw = topo.hardware;
  const types = (id: number) => local.values[id].type;
  const model = computeModelFor(hw);
  const fusion = opts.fusion ?? fusionInfo(local);
  const costs = computeCosts(local, types, model, fusion);
  const opTime = costs.timeS;
  const records: (CollectiveRecord | undefined)[] = [];
  const recordList: CollectiveRecord[] = [];
  for (const c of spmd.collectives)
    if (c.kind !== 'slice') {
      if (!records[c.opId]) recordList.push(c);
      else recordList[recordList.indexOf(records[c.opId]!)] = c;
      records[c.opId] = c;
    }
  const perExecution = new Map<CollectiveRecord, { timeS: number; bytesSent: number }>();
  const collectiveCost = (c: CollectiveRecord) => {
    let cost = perExecution.get(c);
    if (!cost) perExecution.set(c, (cost = collectiveRecordCost({ ...c, tripCount: 1 }, topo)));
    return cost;
  };

  const overlap = opts.overlap ?? true;
  const sched = scheduleProgram(
    local,
    {
      compute: (op) => opTime[op.id],
      collective: (op) => {
        if (!COLLECTIVE_KINDS.has(op.kind)) return undefined;
        const rec = records[op.id];
        if (!rec) return undefined;
        return { timeS: collectiveCost(rec).timeS, axes: rec.axes };
      },
    },
    { overlap, sink: opts.sink, opIdBound: fusion.opIdBound },
  );

  const memory = opts.memory ?? memoryProfile(spmd, program, mesh, fusion);
  if (opts.sink) {
    const n = Math.min(memory.timeline.length, sched.mainOpEndS.length);
    // at the latest end so far: a free op (reshape) may finish before the op listed above it
    let t = 0;
    for (let i = 0; i < n; i++) {
      t = Math.max(t, sched.mainOpEndS[i]);
      opts.sink.counter('memory', t, memory.timeline[i]);
    }
  }

  const devices = meshDeviceCount(mesh);
  const dtype: DType =
    typeof program.meta.dtype === 'string' && isDType(program.meta.dtype)
      ? program.meta.dtype
      : 'bf16';
  const peak = peakFlopsFor(hw, dtype);
  const step = sched.stepTimeS;
  const flopsModel = modelFlops(program);
  let executedPerDevice = 0;
  for (const id of costs.matmuls) executedPerDevice += costs.flops[id] * sched.opRuns[id];
  const capacity = step * devices * peak;
  const tokens = typeof program.meta.tokensPerStep === 'number' ? program.meta.tokensPerStep : null;
  const top = topCosts(local, sched.opTimeS, sched.opRuns, costs.flops, opts.top);
  return {
    hardware: hw.name,
    devices,
    overlap,
    stepTimeS: step,
    computeTimeS: sched.computeTimeS,
    commTimeS: sched.commTimeS,
    exposedCommTimeS: sched.exposedCommTimeS,
    criticalPath: {
      computeS: sched.criticalPath.computeS,
      commS: sched.criticalPath.commS,
      ops: sched.criticalPath.opIds.length,
    },
    modelFlops: flopsModel,
    executedFlops: executedPerDevice * devices,
    peakFlops: peak,
    mfu: capacity > 0 ? flopsModel / capacity : 0,
    hfu: capacity > 0 ? (executedPerDevice * devices) / capacity : 0,
    tokensPerStep: tokens,
    tokensPerS: tokens !== null && step > 0 ? tokens / step : null,
    peakMemoryBytes: memory.peakBytes,
    memoryBreakdown: memory.breakdown,
    hbmBytes: hw.hbmBytes,
    fits: memory.peakBytes <= hw.hbmBytes,
    comm: commRows(recordList, collectiveCost, (id) => sched.opRuns[id] ?? 0),
    topOps: top.ops,
    topScopes: top.scopes,
  };
}
