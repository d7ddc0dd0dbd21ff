import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../ir/builder.ts';
import type { DType } from '../ir/dtype.ts';
import { hostTensor, type HostTensor } from '../ir/host-tensor.ts';
import { evaluate } from '../ir/interpreter.ts';
import type { OpAttrs } from '../ir/ops.ts';
import type { Program, Value } from '../ir/program.ts';
import { tensorType, type Shape } from '../ir/shape.ts';
import { meshAxisSize, meshFromAxes, type Mesh } from '../mesh/mesh.ts';
import type { Sharding } from '../sharding/sharding.ts';
import { evaluateSpmd, SpmdEvalError } from './execute.ts';
import { hostShardAll, hostUnshard } from './host-sharding.ts';

/** x=2, y=2: device 0 = (0,0), 1 = (0,1), 2 = (1,0), 3 = (1,1). */
const grid = meshFromAxes([
  { name: 'x', size: 2 },
  { name: 'y', size: 2 },
]);
/** d=4: device i = (i). */
const line = meshFromAxes([{ name: 'd', size: 4 }]);

/** A per-device program for `mesh` with one input per type; outputs are what `body` returns. */
function spmdProgram(
  mesh: Mesh,
  inputs: readonly { shape: Shape; dtype?: DType }[],
  body: (b: ProgramBuilder, ...xs: Value[]) => Value | readonly Value[],
): Program {
  const b = new ProgramBuilder('spmd', { mesh: { axes: mesh.axes } });
  b.axisSizes = (a) => meshAxisSize(mesh, a);
  const xs = inputs.map((t, i) => b.input(`x${i}`, t.shape, t.dtype ?? 'f32', 'data'));
  const out = body(b, ...xs);
  (Array.isArray(out) ? (out as readonly Value[]) : [out as Value]).forEach((v, i) =>
    b.output(`y${i}`, v),
  );
  return b.build();
}

/** Device d's input: `shape` filled with 10·d + i. */
function perDevice(mesh: Mesh, shape: Shape): HostTensor[][] {
  const n = mesh.axes.reduce((k, a) => k * a.size, 1);
  const numel = shape.reduce((k, s) => k * s, 1);
  return Array.from({ length: n }, (_, d) => [
    hostTensor(
      shape,
      'f32',
      Array.from({ length: numel }, (_, i) => 10 * d + i),
    ),
  ]);
}

/** Runs a one-collective program and returns each device's single output as a plain array. */
function runOne<
  K extends 'all_gather' | 'all_reduce' | 'all_to_all' | 'reduce_scatter' | 'shard_slice',
>(mesh: Mesh, shape: Shape, kind: K, attrs: OpAttrs[K]): number[][] {
  const p = spmdProgram(mesh, [{ shape }], (b, x) => b.op1(kind, [x], attrs));
  return evaluateSpmd(p, mesh, perDevice(mesh, shape)).map((outs) => Array.from(outs[0].data));
}

describe('collectives on a 2×2 mesh (inputs [10d, 10d+1])', () => {
  it('all_reduce sums, maxes and mins over each group', () => {
    expect(runOne(grid, [2], 'all_reduce', { axes: ['x'], reduction: 'sum' })).toEqual([
      [20, 22],
      [40, 42],
      [20, 22],
      [40, 42],
    ]);
    expect(runOne(grid, [2], 'all_reduce', { axes: ['x', 'y'], reduction: 'max' })).toEqual([
      [30, 31],
      [30, 31],
      [30, 31],
      [30, 31],
    ]);
    expect(runOne(grid, [2], 'all_reduce', { axes: ['y'], reduction: 'min' })).toEqual([
      [0, 1],
      [0, 1],
      [20, 21],
      [20, 21],
    ]);
  });

  it('all_gather concatenates in rank order, the axes taken major to minor as listed', () => {
    expect(runOne(grid, [2], 'all_gather', { axes: ['y'], dim: 0 })).toEqual([
      [0, 1, 10, 11],
      [0, 1, 10, 11],
      [20, 21, 30, 31],
      [20, 21, 30, 31],
    ]);
    // over (y, x): rank = 2y + x, so the order is devices 0, 2, 1, 3
    const yx = [0, 1, 20, 21, 10, 11, 30, 31];
    expect(runOne(grid, [2], 'all_gather', { axes: ['y', 'x'], dim: 0 })).toEqual([yx, yx, yx, yx]);
  });

  it('reduce_scatter gives rank r chunk r of the reduction', () => {
    // groups over x: {0, 2} sums to [20, 22], {1, 3} to [40, 42]
    expect(runOne(grid, [2], 'reduce_scatter', { axes: ['x'], dim: 0, reduction: 'sum' })).toEqual([
      [20],
      [40],
      [22],
      [42],
    ]);
    // [4] inputs, max over all is [30..33]; over (y, x) device 1 has rank 2 and device 2 rank 1
    expect(
      runOne(grid, [4], 'reduce_scatter', { axes: ['y', 'x'], dim: 0, reduction: 'max' }),
    ).toEqual([[30], [32], [31], [33]]);
  });

  it('all_to_all sends chunk j to rank j and concatenates by sender rank', () => {
    // [2,1] split on dim 0, concat on dim 1: device 0 gets [[0, 20]], device 2 gets [[1, 21]]
    expect(runOne(grid, [2, 1], 'all_to_all', { axes: ['x'], splitDim: 0, concatDim: 1 })).toEqual([
      [0, 20],
      [10, 30],
      [1, 21],
      [11, 31],
    ]);
  });

  it('shard_slice keeps the chunk at the device rank, without communication', () => {
    expect(runOne(grid, [2], 'shard_slice', { axes: ['x'], dim: 0 })).toEqual([
      [0],
      [10],
      [21],
      [31],
    ]);
    expect(runOne(grid, [4], 'shard_slice', { axes: ['y', 'x'], dim: 0 })).toEqual([
      [0],
      [12],
      [21],
      [33],
    ]);
  });

  it('axis_index is the device rank over the axes', () => {
    const p = spmdProgram(grid, [], (b) => [
      b.op1('axis_index', [], { axes: ['x', 'y'] }),
      b.op1('axis_index', [], { axes: ['y', 'x'] }),
      b.op1('axis_index', [], { axes: ['y'] }),
    ]);
    const out = evaluateSpmd(p, grid, [[], [], [], []]);
    expect(out.map((o) => o.map((t) => t.data[0]))).toEqual([
      [0, 0, 0],
      [1, 2, 1],
      [2, 1, 0],
      [3, 3, 1],
    ]);
    expect(out[0][0].dtype).toBe('i32');
  });
});

describe('collectives on a 1-D mesh of 4 (inputs [10d, 10d+1, 10d+2, 10d+3])', () => {
  it('all_reduce sum', () => {
    const sum = [60, 64, 68, 72];
    expect(runOne(line, [4], 'all_reduce', { axes: ['d'], reduction: 'sum' })).toEqual([
      sum,
      sum,
      sum,
      sum,
    ]);
  });

  it('all_gather on a new leading dim', () => {
    const all = Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));
    expect(runOne(line, [1, 4], 'all_gather', { axes: ['d'], dim: 0 })).toEqual([
      all,
      all,
      all,
      all,
    ]);
  });

  it('reduce_scatter min', () => {
    expect(runOne(line, [4], 'reduce_scatter', { axes: ['d'], dim: 0, reduction: 'min' })).toEqual([
      [0],
      [1],
      [2],
      [3],
    ]);
  });

  it('all_to_all on one dim transposes devices and chunks', () => {
    expect(runOne(line, [4], 'all_to_all', { axes: ['d'], splitDim: 0, concatDim: 0 })).toEqual([
      [0, 10, 20, 30],
      [1, 11, 21, 31],
      [2, 12, 22, 32],
      [3, 13, 23, 33],
    ]);
  });

  it('shard_slice and axis_index', () => {
    expect(runOne(line, [4], 'shard_slice', { axes: ['d'], dim: 0 })).toEqual([
      [0],
      [11],
      [22],
      [33],
    ]);
    const p = spmdProgram(line, [], (b) => b.op1('axis_index', [], { axes: ['d'] }));
    expect(evaluateSpmd(p, line, [[], [], [], []]).map((o) => o[0].data[0])).toEqual([0, 1, 2, 3]);
  });

  it('an empty axis list is a group of one', () => {
    expect(runOne(line, [2], 'all_reduce', { axes: [], reduction: 'sum' })).toEqual([
      [0, 1],
      [10, 11],
      [20, 21],
      [30, 31],
    ]);
  });
});

const i32 = tensorType([], 'i32');
const f32x1 = tensorType([1], 'f32');

describe('control flow in lockstep', () => {
  it('runs a collective inside a while body on every iteration', () => {
    // x ← all_reduce_sum(x) three times from x_d = d: 6, then 24, then 96
    const p = spmdProgram(line, [{ shape: [1] }], (b, x0) => {
      const i0 = b.constant(0, [], 'i32');
      const cond = b.region([i32, f32x1], (i) => [b.compare(i, 3, 'LT')]);
      const body = b.region([i32, f32x1], (i, x) => [
        b.add(i, 1),
        b.op1('all_reduce', [x], { axes: ['d'], reduction: 'sum' }),
      ]);
      return b.op('while', [i0, x0], { tripCount: 3 }, { regions: [cond, body] })[1];
    });
    const inputs = [0, 1, 2, 3].map((d) => [hostTensor([1], 'f32', [d])]);
    expect(evaluateSpmd(p, line, inputs).map((o) => o[0].data[0])).toEqual([96, 96, 96, 96]);
  });

  it('runs a called function and a uniform case branch in lockstep', () => {
    const p = spmdProgram(grid, [{ shape: [1] }], (b, x) => {
      b.func('gather_x', [f32x1], (v) => [b.op1('all_gather', [v], { axes: ['x'], dim: 0 })]);
      const g = b.op1('call', [x], { callee: 'gather_x' });
      const idx = b.constant(1, [], 'i32');
      const f32x2 = tensorType([2], 'f32');
      const branches = [
        b.region([f32x2], (v) => [v]),
        b.region([f32x2], (v) => [b.op1('all_reduce', [v], { axes: ['y'], reduction: 'sum' })]),
      ];
      return b.op1('case', [idx, g], {}, { regions: branches });
    });
    const inputs = [0, 1, 2, 3].map((d) => [hostTensor([1], 'f32', [d])]);
    // gather over x: devices 0,2 → [0, 2]; 1,3 → [1, 3]; then sum over y: [1, 5] everywhere
    expect(evaluateSpmd(p, grid, inputs).map((o) => Array.from(o[0].data))).toEqual([
      [1, 5],
      [1, 5],
      [1, 5],
      [1, 5],
    ]);
  });

  it('refuses a case whose branch differs across devices', () => {
    const p = spmdProgram(grid, [{ shape: [1] }], (b, x) => {
      const idx = b.op1('axis_index', [], { axes: ['y'] });
      return b.op1(
        'case',
        [idx, x],
        {},
        { regions: [b.region([f32x1], (v) => [v]), b.region([f32x1], (v) => [b.neg(v)])] },
      );
    });
    const run = () => evaluateSpmd(p, grid, perDevice(grid, [1]));
    expect(run).toThrow(
      /op #\d+ case: the branch taken differs across devices \(devices 0,2 → 0; devices 1,3 → 1\)/,
    );
    expect(run).toThrow(SpmdEvalError);
  });

  it('runs local ops with regions (a reduce) per device', () => {
    // the global sum of a [4,3] value split by rows over d: local reduce, then all_reduce
    const p = spmdProgram(line, [{ shape: [1, 3] }], (b, x) =>
      b.op1('all_reduce', [b.sum(x, [0, 1])], { axes: ['d'], reduction: 'sum' }),
    );
    const out = evaluateSpmd(p, line, perDevice(line, [1, 3]));
    expect(out.map((o) => o[0].data[0])).toEqual([192, 192, 192, 192]); // Σ_d (30d + 3), d = 0..3
  });
});

describe('errors', () => {
  it('name the op and the device a local op failed on', () => {
    const p = spmdProgram(line, [{ shape: [1] }], (b, x) =>
      b.op1('custom_call', [x], {
        callTarget: 'mystery',
        resultTypes: [f32x1],
      } as OpAttrs['custom_call']),
    );
    expect(() => evaluateSpmd(p, line, perDevice(line, [1]))).toThrow(
      /^op #0 custom_call: target 'mystery' is opaque.*\n {2}on device 0 \(d=0\)$/s,
    );
  });

  it('trail the ops an error escaped from', () => {
    const p = spmdProgram(line, [{ shape: [1] }], (b, x0) => {
      const i0 = b.constant(0, [], 'i32');
      const cond = b.region([i32, f32x1], (i) => [b.compare(i, 1, 'LT')]);
      const body = b.region([i32, f32x1], (i, x) => [
        b.add(i, 1),
        b.op1('custom_call', [x], {
          callTarget: 'mystery',
          resultTypes: [f32x1],
        } as OpAttrs['custom_call']),
      ]);
      return b.op('while', [i0, x0], { tripCount: 1 }, { regions: [cond, body] })[1];
    });
    let err: unknown;
    try {
      evaluateSpmd(p, line, perDevice(line, [1]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpmdEvalError);
    expect((err as SpmdEvalError).message).toMatch(
      /custom_call: target 'mystery'.*\n {2}on device 0 \(d=0\)\n {2}inside op #\d+ while$/s,
    );
    expect((err as SpmdEvalError).devices).toEqual([0]);
  });

  it('refuse a program lowered for another mesh, or inputs for the wrong number of devices', () => {
    const p = spmdProgram(grid, [{ shape: [2] }], (b, x) =>
      b.op1('all_reduce', [x], { axes: ['x'], reduction: 'sum' }),
    );
    expect(() => evaluateSpmd(p, line, perDevice(line, [2]))).toThrow(
      "program 'spmd' was lowered for mesh x=2,y=2 but is run on d=4",
    );
    expect(() => evaluateSpmd(p, grid, perDevice(grid, [2]).slice(1))).toThrow(
      'the mesh x=2,y=2 has 4 devices but inputs were given for 3',
    );
  });

  it('name the device whose input does not match the parameter', () => {
    const p = spmdProgram(grid, [{ shape: [2] }], (b, x) => b.neg(x));
    const inputs = perDevice(grid, [2]);
    inputs[3] = [hostTensor([3], 'f32')];
    expect(() => evaluateSpmd(p, grid, inputs)).toThrow(
      "program 'spmd' on device 3 (x=1,y=1): argument 0 ('x0') is f32[3] (3 elements) but the parameter is f32[2]",
    );
  });

  it('are what the plain interpreter says of an SPMD op', () => {
    const p = spmdProgram(line, [{ shape: [2] }], (b, x) =>
      b.op1('all_reduce', [x], { axes: ['d'], reduction: 'sum' }),
    );
    expect(() => evaluate(p, perDevice(line, [2])[0])).toThrow(
      /op #0 all_reduce: is an SPMD op: it needs the SPMD interpreter/,
    );
  });

  it('refuse a collective over an axis the mesh lacks', () => {
    // typed with a third axis the mesh does not have (no meta.mesh, so only the op can tell)
    const b = new ProgramBuilder('stray');
    b.axisSizes = (a) => (a === 'z' ? 1 : meshAxisSize(grid, a));
    const x = b.input('x', [2], 'f32', 'data');
    b.output('y', b.op1('all_reduce', [x], { axes: ['z'], reduction: 'sum' }));
    expect(() => evaluateSpmd(b.build(), grid, perDevice(grid, [2]))).toThrow(
      "op #0 all_reduce: axis 'z' is not an axis of the mesh x=2,y=2",
    );
  });
});

// ---- end to end: a lowered matmul against the global program ---------------

const random = (shape: Shape, seed: number): HostTensor => {
  let s = seed;
  const n = shape.reduce((k, d) => k * d, 1);
  return hostTensor(
    shape,
    'f32',
    Array.from({ length: n }, () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1),
  );
};
const shard = (dims: string[][], partial: string[] = []): Sharding => ({
  dims,
  partial,
  replicated: [],
});
const matmul = (b: ProgramBuilder, x: Value, w: Value) =>
  b.dotGeneral(x, w, { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] });

describe('a row-split matmul equals the global matmul', () => {
  const x = random([4, 6], 7);
  const w = random([6, 4], 11);
  const globalP = (() => {
    const b = new ProgramBuilder('global');
    b.output('y', matmul(b, b.input('x', [4, 6], 'f32', 'data'), b.param('w', [6, 4], 'f32')));
    return b.build();
  })();
  const [expected] = evaluate(globalP, [x, w]);
  const close = (got: HostTensor) => {
    expect(got.shape).toEqual(expected.shape);
    got.data.forEach((v, i) => expect(v).toBeCloseTo(expected.data[i], 12));
  };

  /** x[:, k-chunk] @ w[k-chunk, :] on every device, then `finish` on the partial sum. */
  function lowered(
    mesh: Mesh,
    xLocal: Shape,
    wLocal: Shape,
    finish: (b: ProgramBuilder, partial: Value) => Value,
  ): Program {
    return spmdProgram(mesh, [{ shape: xLocal }, { shape: wLocal }], (b, xl, wl) =>
      finish(b, matmul(b, xl, wl)),
    );
  }
  const inputsFor = (mesh: Mesh, xs: Sharding, ws: Sharding) => {
    const xl = hostShardAll(x, xs, mesh);
    const wl = hostShardAll(w, ws, mesh);
    return xl.map((t, d) => [t, wl[d]]);
  };

  it('with an all_reduce over k = 3', () => {
    const mesh = meshFromAxes([{ name: 'k', size: 3 }]);
    const p = lowered(mesh, [4, 2], [2, 4], (b, y) =>
      b.op1('all_reduce', [y], { axes: ['k'], reduction: 'sum' }),
    );
    const out = evaluateSpmd(p, mesh, inputsFor(mesh, shard([[], ['k']]), shard([['k'], []])));
    close(
      hostUnshard(
        out.map((o) => o[0]),
        shard([[], []]),
        mesh,
      ),
    );
  });

  it('on data=2 × k=2, batch split over data, with the sum left partial or reduce-scattered', () => {
    const mesh = meshFromAxes([
      { name: 'data', size: 2 },
      { name: 'k', size: 2 },
    ]);
    const inputs = inputsFor(mesh, shard([['data'], ['k']]), shard([['k'], []]));
    const partial = evaluateSpmd(
      lowered(mesh, [2, 3], [3, 4], (_, y) => y),
      mesh,
      inputs,
    );
    close(
      hostUnshard(
        partial.map((o) => o[0]),
        shard([['data'], []], ['k']),
        mesh,
      ),
    );
    const reduced = lowered(mesh, [2, 3], [3, 4], (b, y) =>
      b.op1('all_reduce', [y], { axes: ['k'], reduction: 'sum' }),
    );
    close(
      hostUnshard(
        evaluateSpmd(reduced, mesh, inputs).map((o) => o[0]),
        shard([['data'], []]),
        mesh,
      ),
    );
    const scattered = lowered(mesh, [2, 3], [3, 4], (b, y) =>
      b.op1('reduce_scatter', [y], { axes: ['k'], dim: 1, reduction: 'sum' }),
    );
    close(
      hostUnshard(
        evaluateSpmd(scattered, mesh, inputs).map((o) => o[0]),
        shard([['data'], ['k']]),
        mesh,
      ),
    );
  });
});
