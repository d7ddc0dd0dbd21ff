import type { OpAttrs } from '../ir/ops.ts';
import type { Op, Program, ValueId } from '../ir/program.ts';

/**
 * Where the timeline goes: the chart, the Perfetto exporter (trace.ts) or a test's recording.
 * Times are seconds from the start of the step. Slices on one track never overlap.
 */
export interface TimelineSink {
  slice(
    track: string,
    name: string,
    startS: number,
    durS: number,
    args?: Readonly<Record<string, unknown>>,
  ): void;
  counter(name: string, tS: number, value: number): void;
}

/** The compute stream's track and the track of each mesh axis's communication stream. */
export const COMPUTE_TRACK = 'compute';
export const commTrack = (axis: string): string => `comm ${axis}`;

export interface CollectiveTiming {
  /** Seconds of one execution. */
  readonly timeS: number;
  /** Mesh axes whose links it occupies: one communication stream per axis. */
  readonly axes: readonly string[];
}

/** What the scheduler asks about each op; both answers are for one execution. */
export interface ScheduleCosts {
  /** Seconds on the compute stream (0 = free: bitcasts, constants). */
  compute(op: Op): number;
  /** A collective's timing, or undefined when the op runs on the compute stream. */
  collective(op: Op): CollectiveTiming | undefined;
}

export interface ScheduleOptions {
  /** Asynchronous collectives overlapping compute (default true); false serialises everything. */
  readonly overlap?: boolean;
  readonly sink?: TimelineSink;
  /** One more than the program's largest op id, when the caller knows it (saves a walk). */
  readonly opIdBound?: number;
}

export interface CriticalPath {
  readonly computeS: number;
  readonly commS: number;
  /** Ops on the path, from first to last. */
  readonly opIds: readonly number[];
}

export interface ScheduleResult {
  readonly stepTimeS: number;
  /** Busy time of the compute stream. */
  readonly computeTimeS: number;
  /** Sum of the collectives' durations (each counted once, whatever its axes). */
  readonly commTimeS: number;
  /** Step time the compute stream spends waiting for collectives. */
  readonly exposedCommTimeS: number;
  readonly criticalPath: CriticalPath;
  /** When each op of main finishes (its results are ready), in program order. */
  readonly mainOpEndS: Float64Array;
  /** Per op id: total seconds over all executions, and the number of executions. */
  readonly opTimeS: Float64Array;
  readonly opRuns: Int32Array;
}

/**
 * Lists the per-device program on one compute stream (program order) and one communication
 * stream per mesh axis. A collective starts once its operands are ready and the streams of all
 * its axes are free, and runs beside independent compute; whatever consumes its result waits for
 * it. With `overlap: false` each op starts after the previous one ends, so the step time is the
 * sum. While bodies run `tripCount` times (iterations may overlap through their collectives);
 * calls run their callee; `case` costs its most expensive branch as one block.
 */
export function scheduleProgram(
  p: Program,
  costs: ScheduleCosts,
  opts: ScheduleOptions = {},
): ScheduleResult {
  return new Scheduler(p, costs, opts).run();
}

class Scheduler {
  private readonly ready: Float64Array;
  private readonly producer: Int32Array;
  private readonly overlap: boolean;
  private readonly sink: TimelineSink | undefined;
  private readonly opTimeS: Float64Array;
  private readonly opRuns: Int32Array;
  private readonly computeCache: Float64Array;
  /** Per op id: undefined = not asked yet, null = runs on the compute stream. */
  private readonly collectiveCache: (CollectiveTiming | null | undefined)[] = [];
  private readyT = 0;
  private readyEv = -1;
  // events: one per executed op that takes time
  private readonly evEnd: number[] = [];
  private readonly evDur: number[] = [];
  private readonly evPred: number[] = [];
  private readonly evComm: boolean[] = [];
  private readonly evOp: number[] = [];
  private computeFree = 0;
  private computeLast = -1;
  private readonly streams = new Map<string, { free: number; last: number }>();
  private computeBusy = 0;
  private commBusy = 0;
  private end = 0;
  private depth = 0;

  constructor(
    private readonly p: Program,
    private readonly costs: ScheduleCosts,
    opts: ScheduleOptions,
  ) {
    this.overlap = opts.overlap ?? true;
    this.sink = opts.sink;
    this.ready = new Float64Array(p.values.length);
    this.producer = new Int32Array(p.values.length).fill(-1);
    let bound = opts.opIdBound ?? -1;
    if (bound < 0) {
      let maxOp = -1;
      const visit = (ops: readonly Op[]) => {
        for (const op of ops) {
          if (op.id > maxOp) maxOp = op.id;
          for (const r of op.regions) visit(r.ops);
        }
      };
      visit(p.main.ops);
      for (const f of p.funcs.values()) visit(f.ops);
      bound = maxOp + 1;
    }
    this.opTimeS = new Float64Array(bound);
    this.opRuns = new Int32Array(bound);
    this.computeCache = new Float64Array(bound).fill(NaN);
  }

  run(): ScheduleResult {
    const main = this.p.main.ops;
    const mainOpEndS = new Float64Array(main.length);
    for (let i = 0; i < main.length; i++) mainOpEndS[i] = this.op(main[i]);
    for (const o of this.p.outputs) this.end = Math.max(this.end, this.ready[o.value]);
    const stepTimeS = this.end;
    return {
      stepTimeS,
      computeTimeS: this.computeBusy,
      commTimeS: this.commBusy,
      exposedCommTimeS: Math.max(0, stepTimeS - this.computeBusy),
      criticalPath: this.criticalPath(),
      mainOpEndS,
      opTimeS: this.opTimeS,
      opRuns: this.opRuns,
    };
  }

  /** Schedules one op; returns when its results are ready. */
  private op(op: Op): number {
    switch (op.kind) {
      case 'while':
        return this.loop(op as Op<'while'>);
      case 'call': {
        const f = this.p.funcs.get((op.attrs as OpAttrs['call']).callee);
        if (!f) return this.compute(op, 0);
        return this.inline(op, f.params, f.ops, f.results);
      }
      case 'case':
        return this.compute(op, this.caseCost(op));
      default: {
        const c = this.collectiveOf(op);
        if (c && c.timeS > 0) return this.collective(op, c);
        return this.compute(op, c ? 0 : this.computeCost(op));
      }
    }
  }

  private computeCost(op: Op): number {
    let t = this.computeCache[op.id];
    if (Number.isNaN(t)) {
      t = this.costs.compute(op);
      this.computeCache[op.id] = t;
    }
    return t;
  }

  private collectiveOf(op: Op): CollectiveTiming | undefined {
    let c = this.collectiveCache[op.id];
    if (c === undefined) this.collectiveCache[op.id] = c = this.costs.collective(op) ?? null;
    return c ?? undefined;
  }

  /** The latest operand: sets readyT and readyEv (the event that produced it). */
  private operandsReady(op: Op): void {
    let t = 0;
    let ev = -1;
    for (const v of op.operands) {
      const r = this.ready[v];
      if (r > t || (r === t && ev < 0)) {
        t = r;
        ev = this.producer[v];
      }
    }
    this.readyT = t;
    this.readyEv = ev;
  }

  private setResults(op: Op, t: number, ev: number): number {
    for (const v of op.results) {
      this.ready[v] = t;
      this.producer[v] = ev;
    }
    return t;
  }

  private event(op: Op, start: number, dur: number, pred: number, comm: boolean): number {
    const ev = this.evEnd.length;
    const end = start + dur;
    this.evEnd.push(end);
    this.evDur.push(dur);
    this.evPred.push(pred);
    this.evComm.push(comm);
    this.evOp.push(op.id);
    this.opTimeS[op.id] += dur;
    this.opRuns[op.id]++;
    if (end > this.end) this.end = end;
    return ev;
  }

  private compute(op: Op, dur: number): number {
    this.operandsReady(op);
    const t0 = this.readyT;
    const dataPred = this.readyEv;
    if (dur <= 0) {
      this.opRuns[op.id]++;
      return this.setResults(op, t0, dataPred);
    }
    const start = Math.max(t0, this.computeFree);
    const pred = this.computeFree >= t0 ? this.computeLast : dataPred;
    const ev = this.event(op, start, dur, pred, false);
    this.computeFree = start + dur;
    this.computeLast = ev;
    this.computeBusy += dur;
    this.sink?.slice(COMPUTE_TRACK, op.kind, start, dur, { op: op.id, scope: op.scope });
    return this.setResults(op, start + dur, ev);
  }

  private collective(op: Op, c: CollectiveTiming): number {
    this.operandsReady(op);
    let start = this.readyT;
    let pred = this.readyEv;
    const streams = c.axes.map((a) => {
      let s = this.streams.get(a);
      if (!s) this.streams.set(a, (s = { free: 0, last: -1 }));
      return s;
    });
    for (const s of streams) if (s.free > start) [start, pred] = [s.free, s.last];
    if (!this.overlap && this.computeFree > start)
      [start, pred] = [this.computeFree, this.computeLast];
    const ev = this.event(op, start, c.timeS, pred, true);
    const end = start + c.timeS;
    for (const s of streams) {
      s.free = end;
      s.last = ev;
    }
    if (!this.overlap) {
      this.computeFree = end;
      this.computeLast = ev;
    }
    this.commBusy += c.timeS;
    if (this.sink)
      for (const a of c.axes)
        this.sink.slice(commTrack(a), op.kind.replace(/_/g, '-'), start, c.timeS, {
          op: op.id,
          scope: op.scope,
          axes: c.axes.join(','),
        });
    return this.setResults(op, end, ev);
  }

  private loop(op: Op<'while'>): number {
    const body = op.regions[1];
    let carried: readonly ValueId[] = op.operands;
    const n = carried.length;
    const t = new Float64Array(n);
    const e = new Int32Array(n);
    for (let trip = 0; trip < op.attrs.tripCount; trip++) {
      // through temporaries: a yield may be another iteration parameter (a swap)
      for (let j = 0; j < n; j++) {
        t[j] = this.ready[carried[j]];
        e[j] = this.producer[carried[j]];
      }
      for (let j = 0; j < n; j++) {
        this.ready[body.params[j]] = t[j];
        this.producer[body.params[j]] = e[j];
      }
      this.block(body.ops);
      carried = body.yields;
    }
    let end = 0;
    for (let j = 0; j < n; j++) this.bind(op.results[j], carried[j]);
    for (const r of op.results) end = Math.max(end, this.ready[r]);
    this.opRuns[op.id]++;
    return end;
  }

  private inline(
    op: Op,
    params: readonly ValueId[],
    ops: readonly Op[],
    results: readonly ValueId[],
  ): number {
    for (let j = 0; j < params.length; j++) this.bind(params[j], op.operands[j]);
    this.block(ops);
    let end = 0;
    for (let j = 0; j < results.length; j++) {
      this.bind(op.results[j], results[j]);
      end = Math.max(end, this.ready[op.results[j]]);
    }
    return end;
  }

  /** `to` becomes ready when `from` is, produced by the same event. */
  private bind(to: ValueId, from: ValueId): void {
    this.ready[to] = this.ready[from];
    this.producer[to] = this.producer[from];
  }

  private block(ops: readonly Op[]): void {
    if (++this.depth > 64)
      throw new Error('scheduleProgram: region nesting deeper than 64 (recursive calls?)');
    for (const op of ops) this.op(op);
    this.depth--;
  }

  /** A case's most expensive branch, its ops summed (collectives included) as one block. */
  private caseCost(op: Op): number {
    let worst = 0;
    for (const r of op.regions) {
      let t = 0;
      for (const o of r.ops) t += this.collectiveOf(o)?.timeS ?? this.computeCost(o);
      worst = Math.max(worst, t);
    }
    return worst;
  }

  /** Walks back from the last event along whatever delayed each start. */
  private criticalPath(): CriticalPath {
    let last = -1;
    for (let i = 0; i < this.evEnd.length; i++)
      if (last < 0 || this.evEnd[i] > this.evEnd[last]) last = i;
    let computeS = 0;
    let commS = 0;
    const opIds: number[] = [];
    for (let i = last; i >= 0; i = this.evPred[i]) {
      if (this.evComm[i]) commS += this.evDur[i];
      else computeS += this.evDur[i];
      opIds.push(this.evOp[i]);
    }
    return { computeS, commS, opIds: opIds.reverse() };
  }
}
