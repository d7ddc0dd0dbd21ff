import { COMPUTE_TRACK, type TimelineSink } from './schedule.ts';

/**
 * The timeline as Chrome Trace Event JSON (the "Trace Event Format"), which ui.perfetto.dev and
 * chrome://tracing open: one process per device (pid = device index, `process_name` metadata),
 * one thread per stream (`thread_name` metadata, compute first), complete events ('X') with
 * ts/dur in µs, and counters ('C', process-scoped) for live memory. Every device runs the same
 * per-device program, so the one simulated timeline is repeated for each device asked for.
 */
export interface TraceEvent {
  readonly name: string;
  readonly ph: 'X' | 'C' | 'M';
  readonly pid: number;
  readonly tid?: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly cat?: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface ChromeTrace {
  readonly traceEvents: TraceEvent[];
  readonly displayTimeUnit: 'ms';
  readonly otherData: Readonly<Record<string, string>>;
}

export interface ChromeTraceSink extends TimelineSink {
  /** The trace so far; call once the simulation is done. */
  trace(): ChromeTrace;
}

export interface ChromeTraceOptions {
  /** Devices to emit (default [0]); each gets a copy of the timeline. */
  readonly devices?: readonly number[];
  /** Shown in the trace's metadata (model, mesh, hardware…). */
  readonly otherData?: Readonly<Record<string, string>>;
}

interface Slice {
  readonly tid: number;
  readonly name: string;
  readonly ts: number;
  readonly dur: number;
  readonly args?: Readonly<Record<string, unknown>>;
}

const US = 1e6;

export function chromeTraceSink(opts: ChromeTraceOptions = {}): ChromeTraceSink {
  const tids = new Map<string, number>([[COMPUTE_TRACK, 1]]);
  const slices: Slice[] = [];
  const counters: { name: string; ts: number; value: number }[] = [];
  const tidOf = (track: string) => {
    let t = tids.get(track);
    if (t === undefined) tids.set(track, (t = tids.size + 1));
    return t;
  };
  return {
    slice(track, name, startS, durS, args) {
      slices.push({ tid: tidOf(track), name, ts: startS * US, dur: durS * US, args });
    },
    counter(name, tS, value) {
      counters.push({ name, ts: tS * US, value });
    },
    trace() {
      const events: TraceEvent[] = [];
      for (const pid of opts.devices ?? [0]) {
        events.push(
          { name: 'process_name', ph: 'M', pid, args: { name: `device ${pid}` } },
          { name: 'process_sort_index', ph: 'M', pid, args: { sort_index: pid } },
        );
        for (const [track, tid] of tids)
          events.push(
            { name: 'thread_name', ph: 'M', pid, tid, args: { name: track } },
            { name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: tid } },
          );
        for (const s of slices)
          events.push({
            name: s.name,
            cat: s.tid === 1 ? 'compute' : 'comm',
            ph: 'X',
            pid,
            tid: s.tid,
            ts: s.ts,
            dur: s.dur,
            ...(s.args ? { args: s.args } : {}),
          });
        for (const c of counters)
          events.push({ name: c.name, ph: 'C', pid, ts: c.ts, args: { bytes: c.value } });
      }
      return { traceEvents: events, displayTimeUnit: 'ms', otherData: opts.otherData ?? {} };
    },
  };
}

/** A sink that keeps everything, for tests and for charts that draw after the run. */
export interface RecordingSink extends TimelineSink {
  readonly slices: {
    track: string;
    name: string;
    startS: number;
    durS: number;
    args?: Readonly<Record<string, unknown>>;
  }[];
  readonly counters: { name: string; tS: number; value: number }[];
}

export function recordingSink(): RecordingSink {
  const slices: RecordingSink['slices'] = [];
  const counters: RecordingSink['counters'] = [];
  return {
    slices,
    counters,
    slice(track, name, startS, durS, args) {
      slices.push({ track, name, startS, durS, args });
    },
    counter(name, tS, value) {
      counters.push({ name, tS, value });
    },
  };
}

/** Sends every event to each of several sinks (e.g. a chart and a trace file). */
export function teeSink(...sinks: readonly TimelineSink[]): TimelineSink {
  return {
    slice: (...a) => sinks.forEach((s) => s.slice(...a)),
    counter: (...a) => sinks.forEach((s) => s.counter(...a)),
  };
}
