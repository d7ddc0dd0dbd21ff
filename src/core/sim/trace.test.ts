import { describe, expect, it } from 'vitest';
import { chromeTraceSink, recordingSink, teeSink } from './trace.ts';
import { traceProblems } from './test-util.ts';
import { COMPUTE_TRACK, commTrack } from './schedule.ts';

describe('chromeTraceSink', () => {
  const fill = (sink: ReturnType<typeof chromeTraceSink>) => {
    sink.slice(COMPUTE_TRACK, 'dot_general', 0, 2e-3, { op: 1 });
    sink.slice(commTrack('data'), 'all-reduce', 0, 3e-3);
    sink.slice(COMPUTE_TRACK, 'add', 2e-3, 1e-3);
    sink.counter('memory', 2e-3, 1024);
    return sink.trace();
  };

  it('writes one process per device and one named thread per stream, in µs', () => {
    const t = fill(chromeTraceSink({ devices: [0, 1], otherData: { model: 'tiny' } }));
    expect(traceProblems(t.traceEvents)).toEqual([]);
    expect(t.displayTimeUnit).toBe('ms');
    const procs = t.traceEvents.filter((e) => e.name === 'process_name');
    expect(procs.map((e) => [e.pid, e.args])).toEqual([
      [0, { name: 'device 0' }],
      [1, { name: 'device 1' }],
    ]);
    const threads = t.traceEvents.filter((e) => e.name === 'thread_name' && e.pid === 0);
    expect(threads.map((e) => [e.tid, (e.args as { name: string }).name])).toEqual([
      [1, 'compute'],
      [2, 'comm data'],
    ]);
    const x = t.traceEvents.find((e) => e.ph === 'X' && e.name === 'add' && e.pid === 1)!;
    expect(x).toMatchObject({ ts: 2000, dur: 1000, tid: 1, cat: 'compute' });
    const c = t.traceEvents.filter((e) => e.ph === 'C');
    expect(c).toHaveLength(2);
    expect(c[0]).toMatchObject({ name: 'memory', ts: 2000, args: { bytes: 1024 } });
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
  });

  it('catches overlapping slices on one thread', () => {
    const sink = chromeTraceSink();
    sink.slice(COMPUTE_TRACK, 'a', 0, 2e-3);
    sink.slice(COMPUTE_TRACK, 'b', 1e-3, 2e-3);
    expect(traceProblems(sink.trace().traceEvents)).toContain('thread 0:1: slices overlap');
  });

  it('tees one timeline to a recording sink and a trace', () => {
    const rec = recordingSink();
    const trace = chromeTraceSink();
    const tee = teeSink(rec, trace);
    tee.slice(COMPUTE_TRACK, 'x', 0, 1);
    tee.counter('memory', 1, 5);
    expect(rec.slices).toEqual([
      { track: 'compute', name: 'x', startS: 0, durS: 1, args: undefined },
    ]);
    expect(rec.counters).toEqual([{ name: 'memory', tS: 1, value: 5 }]);
    expect(trace.trace().traceEvents.filter((e) => e.ph !== 'M')).toHaveLength(2);
  });
});
