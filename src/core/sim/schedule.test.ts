import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../ir/builder.ts';
import type { Op, Program, Value } from '../ir/program.ts';
import { tensorType } from '../ir/shape.ts';
import { commTrack, COMPUTE_TRACK, scheduleProgram, type ScheduleCosts } from './schedule.ts';
import { recordingSink } from './trace.ts';

const AXES: Record<string, number> = { d: 4, m: 2 };

/** A per-device program over the mesh d=4,m=2 built by `body`. */
function spmd(body: (b: ProgramBuilder, x: Value, w: Value) => Value): Program {
  const b = new ProgramBuilder('spmd', {
    mesh: {
      axes: [
        { name: 'd', size: 4 },
        { name: 'm', size: 2 },
      ],
    },
  });
  b.axisSizes = (a) => AXES[a];
  const x = b.input('x', [8, 8], 'f32', 'data');
  const w = b.input('w', [8, 8], 'f32', 'param');
  b.output('y', body(b, x, w));
  return b.build();
}

/** Closed-form costs: seconds per op kind, and one time for every collective. */
function costs(perKind: Record<string, number>, collectiveS: number): ScheduleCosts {
  return {
    compute: (op: Op) => perKind[op.kind] ?? 0,
    collective: (op: Op) =>
      op.kind === 'all_reduce' || op.kind === 'all_gather'
        ? { timeS: collectiveS, axes: (op.attrs as { axes: string[] }).axes }
        : undefined,
  };
}

/** all_reduce(x) runs beside tanh(w); add waits for both. */
const overlapProgram = () =>
  spmd((b, x, w) => {
    const r = b.op1('all_reduce', [x], { axes: ['d'], reduction: 'sum' });
    const t = b.tanh(w);
    return b.add(r, t);
  });

describe('scheduleProgram', () => {
  it('hides a collective shorter than the independent compute beside it', () => {
    const r = scheduleProgram(overlapProgram(), costs({ tanh: 3, add: 1 }, 2));
    expect(r.stepTimeS).toBeCloseTo(4); // max(2, 3) + 1
    expect(r.computeTimeS).toBeCloseTo(4);
    expect(r.commTimeS).toBeCloseTo(2);
    expect(r.exposedCommTimeS).toBeCloseTo(0);
    expect(r.criticalPath.commS).toBeCloseTo(0);
    expect(r.criticalPath.computeS).toBeCloseTo(4);
  });

  it('puts a collective longer than the independent compute on the critical path', () => {
    const r = scheduleProgram(overlapProgram(), costs({ tanh: 3, add: 1 }, 5));
    expect(r.stepTimeS).toBeCloseTo(6); // 5 + 1
    expect(r.exposedCommTimeS).toBeCloseTo(2); // 6 − 4 of compute
    expect(r.criticalPath.commS).toBeCloseTo(5);
    expect(r.criticalPath.computeS).toBeCloseTo(1);
    expect(r.criticalPath.opIds).toHaveLength(2);
  });

  it('sums every op with overlap: false', () => {
    const r = scheduleProgram(overlapProgram(), costs({ tanh: 3, add: 1 }, 2), {
      overlap: false,
    });
    expect(r.stepTimeS).toBeCloseTo(2 + 3 + 1);
    expect(r.exposedCommTimeS).toBeCloseTo(2);
  });

  it('makes a consumer wait for the collective even when compute is idle', () => {
    const p = spmd((b, x) => b.tanh(b.op1('all_reduce', [x], { axes: ['d'], reduction: 'sum' })));
    const r = scheduleProgram(p, costs({ tanh: 3 }, 2));
    expect(r.stepTimeS).toBeCloseTo(5);
    expect(r.exposedCommTimeS).toBeCloseTo(2);
  });

  it('queues collectives on the same axis and runs different axes side by side', () => {
    const same = spmd((b, x, w) =>
      b.add(
        b.op1('all_reduce', [x], { axes: ['d'], reduction: 'sum' }),
        b.op1('all_reduce', [w], { axes: ['d'], reduction: 'sum' }),
      ),
    );
    const apart = spmd((b, x, w) =>
      b.add(
        b.op1('all_reduce', [x], { axes: ['d'], reduction: 'sum' }),
        b.op1('all_reduce', [w], { axes: ['m'], reduction: 'sum' }),
      ),
    );
    const both = spmd((b, x, w) =>
      b.add(
        b.op1('all_reduce', [x], { axes: ['d', 'm'], reduction: 'sum' }),
        b.op1('all_reduce', [w], { axes: ['m'], reduction: 'sum' }),
      ),
    );
    expect(scheduleProgram(same, costs({ add: 1 }, 2)).stepTimeS).toBeCloseTo(5);
    expect(scheduleProgram(apart, costs({ add: 1 }, 2)).stepTimeS).toBeCloseTo(3);
    // a collective over d and m holds both streams
    expect(scheduleProgram(both, costs({ add: 1 }, 2)).stepTimeS).toBeCloseTo(5);
  });

  it('runs a while body tripCount times, with the ops counted per execution', () => {
    const b = new ProgramBuilder('loop');
    const x = b.input('x', [4], 'f32', 'data');
    const s = tensorType([4], 'f32');
    const i = tensorType([], 'i32');
    const cond = b.region([i, s], (k) => [b.compare(k, 3, 'LT')]);
    const body = b.region([i, s], (k, v) => [b.add(k, b.constant(1, [], 'i32')), b.tanh(v)]);
    const [, y] = b.op(
      'while',
      [b.constant(0, [], 'i32'), x],
      { tripCount: 3 },
      { regions: [cond, body] },
    );
    b.output('y', b.exp(y));
    const p = b.build();
    const r = scheduleProgram(p, costs({ tanh: 2, exponential: 1 }, 0));
    expect(r.stepTimeS).toBeCloseTo(3 * 2 + 1);
    const tanh = body.ops.find((o) => o.kind === 'tanh')!;
    expect(r.opRuns[tanh.id]).toBe(3);
    expect(r.opTimeS[tanh.id]).toBeCloseTo(6);
  });

  it('runs the body of a called function at each call', () => {
    const b = new ProgramBuilder('calls');
    const x = b.input('x', [4], 'f32', 'data');
    b.func('f', [tensorType([4], 'f32')], (v) => [b.tanh(v)]);
    const y = b.op1('call', [x], { callee: 'f' });
    b.output('z', b.op1('call', [y], { callee: 'f' }));
    const r = scheduleProgram(b.build(), costs({ tanh: 2 }, 0));
    expect(r.stepTimeS).toBeCloseTo(4);
  });

  it('writes compute and per-axis communication slices to the sink, never overlapping on a track', () => {
    const sink = recordingSink();
    const r = scheduleProgram(overlapProgram(), costs({ tanh: 3, add: 1 }, 2), { sink });
    expect(sink.slices.map((s) => [s.track, s.name, s.startS, s.durS])).toEqual([
      [commTrack('d'), 'all-reduce', 0, 2],
      [COMPUTE_TRACK, 'tanh', 0, 3],
      [COMPUTE_TRACK, 'add', 3, 1],
    ]);
    expect(r.mainOpEndS.length).toBe(3);
    expect(Array.from(r.mainOpEndS)).toEqual([2, 3, 4]);
  });
});
