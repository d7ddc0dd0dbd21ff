// The engine session the worker runs: the pipeline (model → tactics → SPMD → simulation) for one
// workspace at a time, keeping what the next run can reuse (the built program per model spec,
// the last ScheduleResult so an edited tactic re-runs only the suffix). Pure TypeScript without
// DOM or worker APIs, so vitest drives it in Node exactly as the worker does.
import { forEachOpDeep, programStats, type Phase, type Program } from '../core/ir/index.ts';
import { hardwareByName, type Hardware } from '../core/mesh/hardware.ts';
import { meshDeviceCount, meshToString, parseMesh, type Mesh } from '../core/mesh/mesh.ts';
import { defaultTopology, parseTopology, type Topology } from '../core/mesh/topology.ts';
import { importStableHlo } from '../core/io/stablehlo/import.ts';
import { buildModel } from '../core/models/index.ts';
import { collectiveRecordCost } from '../core/sim/collective-cost.ts';
import { fusionInfo } from '../core/sim/compute-cost.ts';
import { memoryProfile } from '../core/sim/memory.ts';
import type { SimReport } from '../core/sim/report.ts';
import { COMPUTE_TRACK, type TimelineSink } from '../core/sim/schedule.ts';
import { simulate } from '../core/sim/simulate.ts';
import { chromeTraceSink, type ChromeTrace } from '../core/sim/trace.ts';
import { lowerToSpmd, type SpmdProgram } from '../core/spmd/lower.ts';
import { collectiveJson } from '../core/spmd/partition.ts';
import { applySchedule, type ScheduleResult } from '../core/tactics/apply.ts';
import { TacticError, type Tactic } from '../core/tactics/tactic.ts';
import { buildGraphView, inspect } from '../core/view/index.ts';
import type { ViewContext } from '../core/view/index.ts';
import { autoPartition, summariseBaseline, type AutoProgress } from '../core/auto/index.ts';
import type {
  AutoOutcome,
  AutoRequest,
  CollectiveSummary,
  GraphRequest,
  GraphView,
  InspectTarget,
  Inspection,
  PackedTimeline,
  Progress,
  RunError,
  RunErrorPlace,
  RunOutcome,
  RunRequest,
  RunResult,
  ValueBrief,
} from './protocol.ts';

/** Timeline slices sent to the page at most (a 96-layer step has far fewer drawn at once). */
export const MAX_SLICES = 400_000;
const PROGRAM_CACHE = 4;
const PHASES: readonly Phase[] = ['forward', 'backward', 'optimizer'];

class PlacedError extends Error {
  constructor(
    readonly place: RunErrorPlace,
    message: string,
    readonly tacticIndex?: number,
  ) {
    super(message);
  }
}

/** Runs `f`, turning whatever it throws into an error placed at the input it came from. */
function at<T>(place: RunErrorPlace, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PlacedError) throw e;
    const idx = e instanceof TacticError ? e.tacticIndex : undefined;
    throw new PlacedError(place, (e as Error).message ?? String(e), idx);
  }
}

interface LastRun {
  readonly req: RunRequest;
  readonly program: Program;
  readonly mesh: Mesh;
  readonly topology: Topology;
  readonly full: ScheduleResult;
  readonly ctx: ViewContext;
  readonly spmd: SpmdProgram;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class EngineSession {
  private readonly programs = new Map<string, Program>();
  private last: LastRun | null = null;
  /** The last schedule run in full, kept for prefix reuse even when a later run failed. */
  private previous: ScheduleResult | null = null;
  /** A newly built program without tactics yet, for the views until its run completes. */
  private early: ViewContext | null = null;

  /**
   * The build stage alone, when the request's model is not built yet: the program is cached for
   * the run that follows, and until that run completes the views see it without tactics (the
   * graph can be drawn while the schedule propagates). False when the program was built already
   * or the model or mesh is bad (the run reports that).
   */
  prebuild(req: RunRequest): boolean {
    if (this.programs.has(programKey(req))) return false;
    try {
      const program = this.program(req);
      const mesh = parseMesh(req.mesh);
      this.early = { program, mesh, schedule: applySchedule(program, mesh, []) };
      return true;
    } catch {
      return false;
    }
  }

  run(req: RunRequest, onProgress?: (p: Progress) => void): RunOutcome {
    try {
      return { ok: true, result: this.runOrThrow(req, onProgress ?? (() => {})) };
    } catch (e) {
      const error: RunError =
        e instanceof PlacedError
          ? {
              place: e.place,
              message: e.message,
              ...(e.tacticIndex !== undefined ? { tacticIndex: e.tacticIndex } : {}),
            }
          : { place: 'internal', message: `internal error: ${(e as Error).message ?? e}` };
      return { ok: false, error };
    }
  }

  private runOrThrow(req: RunRequest, progress: (p: Progress) => void): RunResult {
    const t0 = now();
    progress({ stage: 'building' });
    const program = at('model', () => this.program(req));
    if (this.early && this.early.program !== program) this.early = null;
    const mesh = at('mesh', () => parseMesh(req.mesh));
    const hw: Hardware = at('hardware', () => hardwareByName(req.hardware));
    const topology = at('topology', () =>
      req.topology === null || req.topology.trim() === ''
        ? defaultTopology(mesh, hw)
        : parseTopology(req.topology, mesh, hw),
    );
    const t1 = now();

    const { full, shown, reused } = this.partition(program, mesh, req, progress);
    progress({ stage: 'lowering' });
    const spmd = at('internal', () => lowerToSpmd(shown));
    const t2 = now();

    progress({ stage: 'simulating' });
    // memory first (the per-device peaks), sharing one fusion analysis with the simulation
    const fusion = fusionInfo(spmd.program);
    const memory = memoryProfile(spmd, program, mesh, fusion);
    const packer = timelinePacker(spmd);
    const report = simulate(program, spmd, mesh, topology, { sink: packer.sink, memory, fusion });
    const t3 = now();

    const ctx: ViewContext = { program, mesh, schedule: shown, spmd, report, topology };
    this.last = { req, program, mesh, topology, full, ctx, spmd };
    this.early = null;
    const stats = programStats(program);
    return {
      model: {
        title: program.name,
        params: stats.params,
        ops: stats.ops,
        values: program.values.length,
        flops: stats.flops,
      },
      axes: mesh.axes.map((a) => ({ name: a.name, size: a.size })),
      report: plainReport(report),
      perDevice: [...memory.perDevice],
      collectives: packer.collectives(topology),
      conflicts: shown.conflicts.map((c) => ({
        op: c.opId,
        kind: c.opKind,
        scope: c.scope,
        reason: c.kind,
        tactic: c.tactic,
        message: c.message,
      })),
      steps: shown.steps.map((s) => ({
        tactic: s.tactic,
        seeds: s.seeds.length,
        conflicts: s.conflicts.length,
      })),
      timeline: packer.packed(),
      timing: {
        reusedSteps: reused,
        buildMs: t1 - t0,
        partitionMs: t2 - t1,
        simulateMs: t3 - t2,
      },
    };
  }

  /** The built program of the request's model, from a small cache keyed by the spec. */
  private program(req: RunRequest): Program {
    const m = req.model;
    const key = programKey(req);
    let p = this.programs.get(key);
    if (!p) {
      p = m.kind === 'file' ? importFile(m.name, m.text) : buildModel(key);
      if (this.programs.size >= PROGRAM_CACHE)
        this.programs.delete(this.programs.keys().next().value!);
      this.programs.set(key, p);
    }
    return p;
  }

  /**
   * Applies the schedule one tactic at a time (each call reuses the previous prefix, so the cost
   * is one pass, and the page hears "tactic k of n"); "after k" cuts the result at step k. When a
   * tactic beyond the cut fails, the cut still shows.
   */
  private partition(
    program: Program,
    mesh: Mesh,
    req: RunRequest,
    progress: (p: Progress) => void,
  ): { full: ScheduleResult; shown: ScheduleResult; reused: number } {
    const schedule = req.schedule;
    const reused = this.reusable(program, mesh, schedule);
    let result = this.previous && reused > 0 ? this.previous : undefined;
    const cut = req.after === null ? schedule.length : Math.min(req.after, schedule.length);
    try {
      for (let k = Math.max(reused, 0); k <= schedule.length; k++) {
        progress({ stage: 'propagating', done: k, total: schedule.length });
        result = applySchedule(program, mesh, schedule.slice(0, k), result);
      }
    } catch (e) {
      if (!(e instanceof TacticError)) throw new PlacedError('internal', (e as Error).message);
      if ((e.tacticIndex ?? 0) < cut || !result)
        throw new PlacedError('schedule', e.message, e.tacticIndex);
      // the failing tactic is past the cut: show the cut, report nothing
    }
    const full = result!;
    if (full.steps.length === schedule.length) this.previous = full;
    return { full, shown: cutAt(full, cut), reused };
  }

  private reusable(program: Program, mesh: Mesh, schedule: readonly Tactic[]): number {
    const prev = this.previous;
    if (!prev || prev.program !== program || meshToString(prev.mesh) !== meshToString(mesh))
      return 0;
    let k = 0;
    while (
      k < prev.steps.length &&
      k < schedule.length &&
      JSON.stringify(prev.steps[k].tactic) === JSON.stringify(schedule[k])
    )
      k++;
    return k;
  }

  /**
   * The automatic partitioner on the request's model, mesh and hardware, after the request's
   * enabled tactics (kept as a prefix). `shouldStop` lets the worker stop it early; the best
   * schedule so far comes back.
   */
  auto(
    req: RunRequest,
    opts: AutoRequest,
    onProgress?: (p: AutoProgress) => void,
    shouldStop?: () => boolean,
  ): AutoOutcome {
    try {
      const program = at('model', () => this.program(req));
      const mesh = at('mesh', () => parseMesh(req.mesh));
      const hw = at('hardware', () => hardwareByName(req.hardware));
      const topology = at('topology', () =>
        req.topology === null || req.topology.trim() === ''
          ? defaultTopology(mesh, hw)
          : parseTopology(req.topology, mesh, hw),
      );
      const prefix = req.schedule.filter((t) => t.enabled !== false);
      const r = at('schedule', () =>
        autoPartition(program, mesh, topology, {
          prefix,
          timeLimitS: opts.timeLimitS,
          ...(opts.axes ? { axes: opts.axes } : {}),
          ...(opts.goal ? { goal: opts.goal } : {}),
          onProgress,
          shouldStop,
        }),
      );
      return {
        ok: true,
        result: {
          tactics: r.tactics,
          schedule: r.schedule,
          report: plainReport(r.report),
          searchTimeS: r.searchTimeS,
          evaluations: r.evaluations,
          cancelled: r.cancelled,
          baselines: r.baselines.map(summariseBaseline),
        },
      };
    } catch (e) {
      return {
        ok: false,
        error:
          e instanceof PlacedError
            ? { place: e.place, message: e.message }
            : { place: 'internal', message: `internal error: ${(e as Error).message ?? e}` },
      };
    }
  }

  graph(req: GraphRequest): GraphView {
    return buildGraphView(this.context(), req);
  }

  inspect(target: InspectTarget): Inspection {
    return inspect(this.context(), target);
  }

  value(id: number): ValueBrief | null {
    const p = this.context().program;
    const v = Number.isInteger(id) && id >= 0 ? p.values[id] : undefined;
    return v ? { id: v.id, name: v.name, scope: v.scope, shape: [...v.type.shape] } : null;
  }

  /** The latest run's timeline as a Chrome trace (simulated again into a trace sink). */
  trace(devices: readonly number[] = [0]): ChromeTrace {
    const last = this.lastOrThrow();
    const n = meshDeviceCount(last.mesh);
    const sink = chromeTraceSink({
      devices: devices.filter((d) => Number.isInteger(d) && d >= 0 && d < n),
      otherData: {
        model: last.req.model.kind === 'preset' ? last.req.model.spec : last.req.model.name,
        mesh: last.req.mesh,
        hardware: last.req.hardware,
        generator: 'shardlab workbench',
      },
    });
    simulate(last.program, last.spmd, last.mesh, last.topology, { sink });
    return sink.trace();
  }

  /** The views' context: the latest run's, or a newly built program's while its run is on. */
  context(): ViewContext {
    return this.early ?? this.lastOrThrow().ctx;
  }

  private lastOrThrow(): LastRun {
    if (!this.last) throw new Error('no successful run yet');
    return this.last;
  }
}

function programKey(req: RunRequest): string {
  const m = req.model;
  return m.kind === 'file' ? `file:${m.name}\n${m.text}` : m.spec.trim();
}

/** A StableHLO file's program; the parse error (line and column) names the file. */
function importFile(name: string, text: string): Program {
  try {
    return importStableHlo(text).program;
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`, { cause: e });
  }
}

/** The schedule result as it stood after `k` tactics (the states are snapshots already). */
export function cutAt(r: ScheduleResult, k: number): ScheduleResult {
  if (k >= r.steps.length) return r;
  const steps = r.steps.slice(0, k);
  return {
    ...r,
    steps,
    final: k > 0 ? steps[k - 1].state : r.initial,
    conflicts: steps.flatMap((s) => s.conflicts),
  };
}

/**
 * Slice indices grouped by track, each group by start time (a counting sort: every stream
 * emits its slices in time order already; a group that is not is sorted).
 */
export function slicesByTrack(
  track: Uint8Array,
  start: Float64Array,
  tracks: number,
): { offsets: Int32Array; slices: Int32Array } {
  const offsets = new Int32Array(tracks + 1);
  for (let i = 0; i < track.length; i++) offsets[track[i] + 1]++;
  for (let k = 0; k < tracks; k++) offsets[k + 1] += offsets[k];
  const fill = offsets.slice(0, tracks);
  const slices = new Int32Array(track.length);
  for (let i = 0; i < track.length; i++) slices[fill[track[i]]++] = i;
  for (let k = 0; k < tracks; k++) {
    const group = slices.subarray(offsets[k], offsets[k + 1]);
    let sorted = true;
    for (let j = 1; j < group.length && sorted; j++)
      sorted = start[group[j - 1]] <= start[group[j]];
    if (!sorted) group.set(Array.from(group).sort((a, b) => start[a] - start[b]));
  }
  return { offsets, slices };
}

/** The report without class instances or typed arrays, ready for structured clone. */
function plainReport(r: SimReport): SimReport {
  return { ...r, memoryBreakdown: { ...r.memoryBreakdown } };
}

/** A timeline sink that packs slices into typed arrays as the simulator emits them. */
function timelinePacker(spmd: SpmdProgram) {
  const tracks = new Map<string, number>([[COMPUTE_TRACK, 0]]);
  const names = new Map<string, number>();
  const scopes = new Map<string, number>();
  const collectiveOfOp = new Map<number, number>();
  // indices are into spmd.collectives (slices included), as the views' InspectTarget has them
  const records = spmd.collectives
    .map((c, index) => ({ c, index }))
    .filter(({ c }) => c.kind !== 'slice');
  for (const { c, index } of records) collectiveOfOp.set(c.opId, index);
  const memory: number[] = [];
  const phaseOf = new Map<number, number>();
  forEachOpDeep(spmd.program.main.ops, (o) => phaseOf.set(o.id, PHASES.indexOf(o.phase)));
  let cap = 1024;
  let n = 0;
  let track = new Uint8Array(cap);
  let name = new Uint16Array(cap);
  let start = new Float64Array(cap);
  let dur = new Float64Array(cap);
  let op = new Int32Array(cap);
  let coll = new Int32Array(cap);
  let scope = new Uint32Array(cap);
  let phase = new Uint8Array(cap);
  const grow = () => {
    cap *= 2;
    const g = <A extends Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array>(
      a: A,
      make: (n: number) => A,
    ) => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    track = g(track, (k) => new Uint8Array(k));
    name = g(name, (k) => new Uint16Array(k));
    start = g(start, (k) => new Float64Array(k));
    dur = g(dur, (k) => new Float64Array(k));
    op = g(op, (k) => new Int32Array(k));
    coll = g(coll, (k) => new Int32Array(k));
    scope = g(scope, (k) => new Uint32Array(k));
    phase = g(phase, (k) => new Uint8Array(k));
  };
  const intern = (m: Map<string, number>, s: string, max: number) => {
    let i = m.get(s);
    if (i === undefined) {
      if (m.size >= max) return max - 1;
      m.set(s, (i = m.size));
    }
    return i;
  };
  const sink: TimelineSink = {
    slice(tr, nm, s, d, args) {
      if (n >= MAX_SLICES) return;
      if (n === cap) grow();
      const opId = typeof args?.op === 'number' ? args.op : -1;
      track[n] = intern(tracks, tr, 255);
      name[n] = intern(names, nm, 65535);
      start[n] = s;
      dur[n] = d;
      op[n] = opId;
      coll[n] = tr === COMPUTE_TRACK ? -1 : (collectiveOfOp.get(opId) ?? -1);
      scope[n] = intern(scopes, typeof args?.scope === 'string' ? args.scope : '', 1 << 30);
      phase[n] = phaseOf.get(opId) ?? 0;
      n++;
    },
    counter(_name, tS, value) {
      memory.push(tS, value);
    },
  };
  return {
    sink,
    packed(): PackedTimeline {
      return {
        tracks: [...tracks.keys()],
        names: [...names.keys()],
        track: track.slice(0, n),
        name: name.slice(0, n),
        start: start.slice(0, n),
        dur: dur.slice(0, n),
        op: op.slice(0, n),
        collective: coll.slice(0, n),
        scope: scope.slice(0, n),
        scopes: [...scopes.keys()],
        phases: PHASES,
        phase: phase.slice(0, n),
        memory: Float64Array.from(memory),
        byTrack: slicesByTrack(track.subarray(0, n), start.subarray(0, n), tracks.size),
      };
    },
    collectives(topo: Topology): CollectiveSummary[] {
      return records.map(({ c, index }) => ({
        ...collectiveJson(c),
        index,
        bytes: collectiveRecordCost({ ...c, tripCount: 1 }, topo).bytesSent,
        tripCount: c.tripCount,
        opId: c.opId,
      }));
    },
  };
}
