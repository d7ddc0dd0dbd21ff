import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostTensor, type HostTensor } from '../ir/host-tensor.ts';
import { meshFromAxes, type Mesh } from '../mesh/mesh.ts';
import { shardingLocalShape, type Sharding } from '../sharding/sharding.ts';
import {
  deviceLabel,
  hostChunk,
  hostConcat,
  hostShard,
  hostShardAll,
  hostUnshard,
} from './host-sharding.ts';

const iotaTensor = (shape: number[]): HostTensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return hostTensor(
    shape,
    'f32',
    Array.from({ length: n }, (_, i) => i),
  );
};
const sharding = (
  dims: string[][],
  partial: string[] = [],
  replicated: string[] = [],
): Sharding => ({ dims, partial, replicated });
const rows = (t: HostTensor): number[][] => {
  const [r, c] = t.shape;
  return Array.from({ length: r }, (_, i) => Array.from(t.data.subarray(i * c, (i + 1) * c)));
};

describe('hostShard', () => {
  const mesh = meshFromAxes([
    { name: 'data', size: 2 },
    { name: 'model', size: 3 },
  ]);
  const x = iotaTensor([4, 6]); // x[i][j] = 6i + j

  it('gives device 4 = (data=1, model=1) rows 2..3 and columns 2..3 of [{data}, {model}]', () => {
    const local = hostShard(x, sharding([['data'], ['model']]), mesh, 4);
    expect(local.shape).toEqual([2, 2]);
    expect(rows(local)).toEqual([
      [14, 15],
      [20, 21],
    ]);
  });

  it('linearises several axes on one dim major to minor, in the order the sharding lists them', () => {
    const v = iotaTensor([6]);
    // [{model, data}]: chunk = model·2 + data; device 1 is (data=0, model=1) → chunk 2.
    expect(Array.from(hostShard(v, sharding([['model', 'data']]), mesh, 1).data)).toEqual([2]);
    // [{data, model}]: chunk = data·3 + model → chunk 1.
    expect(Array.from(hostShard(v, sharding([['data', 'model']]), mesh, 1).data)).toEqual([1]);
  });

  it('keeps the whole value on every device of an unused (replicated) axis', () => {
    const s = sharding([['data'], []]);
    expect(rows(hostShard(x, s, mesh, 2))).toEqual(rows(hostShard(x, s, mesh, 0)));
    expect(rows(hostShard(x, s, mesh, 5))).toEqual([
      [12, 13, 14, 15, 16, 17],
      [18, 19, 20, 21, 22, 23],
    ]);
  });

  it('puts a partial value on the devices at coordinate 0 of the partial axes and zeros elsewhere', () => {
    const s = sharding([['data'], []], ['model']);
    expect(rows(hostShard(x, s, mesh, 3))[0]).toEqual([12, 13, 14, 15, 16, 17]); // (1, 0)
    expect(Array.from(hostShard(x, s, mesh, 4).data).every((v) => v === 0)).toBe(true); // (1, 1)
  });

  it('refuses an invalid sharding, naming the rule broken', () => {
    expect(() => hostShard(x, sharding([['model'], []]), mesh, 0)).toThrow(
      /hostShard: sharding \[\{model\}, \{\}\] .*dimension 0 \(size 4\) is not divisible by 3/,
    );
    expect(() => hostShard(x, sharding([['pipe'], []]), mesh, 0)).toThrow(
      /uses axis 'pipe', which the mesh/,
    );
    expect(() => hostShard(x, sharding([[], []]), mesh, 6)).toThrow(
      /device 6 is not on the mesh data=2,model=3 \(devices 0\.\.5\)/,
    );
  });
});

describe('hostUnshard', () => {
  const mesh = meshFromAxes([
    { name: 'data', size: 2 },
    { name: 'model', size: 2 },
  ]);
  const x = iotaTensor([4, 2]);

  it('sums the partial values over the partial axes', () => {
    const s = sharding([['data'], []], ['model']);
    const locals = [0, 1, 2, 3].map((d) => hostTensor([2, 2], 'f32', [d, d, d, d]));
    // rows 0..1 = device 0 + device 1, rows 2..3 = device 2 + device 3
    expect(rows(hostUnshard(locals, s, mesh))).toEqual([
      [1, 1],
      [1, 1],
      [5, 5],
      [5, 5],
    ]);
  });

  it('names both devices and the first differing element when replicas disagree', () => {
    const s = sharding([['data'], []]);
    const locals = hostShardAll(x, s, mesh);
    const bad = hostTensor([2, 2], 'f32', locals[3].data);
    bad.data[3] += 1e-6;
    locals[3] = bad;
    expect(() => hostUnshard(locals, s, mesh)).toThrow(
      'hostUnshard: device 2 (data=1,model=0) and device 3 (data=1,model=1) should hold the same data under [{data}, {}] but differ first at local element [1,1]: 7 vs 7.000001',
    );
  });

  it('accepts replicas that differ by less than 1e-9 relative', () => {
    const s = sharding([[], []]);
    const locals = hostShardAll(x, s, mesh);
    locals[1] = hostTensor(
      [4, 2],
      'f32',
      Array.from(x.data, (v) => v * (1 + 1e-12)),
    );
    expect(Array.from(hostUnshard(locals, s, mesh).data)).toEqual(Array.from(x.data));
  });

  it('refuses local values of different shapes, or the wrong number of them', () => {
    const s = sharding([['data'], []]);
    const locals = hostShardAll(x, s, mesh);
    expect(() => hostUnshard(locals.slice(1), s, mesh)).toThrow(/has 4 devices but 3 local values/);
    locals[2] = hostTensor([1, 2], 'f32');
    expect(() => hostUnshard(locals, s, mesh)).toThrow(
      /device 2 \(data=1,model=0\) holds f32\[1,2\]/,
    );
  });
});

describe('hostChunk and hostConcat', () => {
  it('cut and glue along a middle dim', () => {
    const t = iotaTensor([2, 4, 3]);
    const chunks = [0, 1].map((i) => hostChunk(t, 1, 2, i));
    expect(chunks[1].shape).toEqual([2, 2, 3]);
    expect(Array.from(chunks[1].data.subarray(0, 3))).toEqual([6, 7, 8]);
    expect(Array.from(hostConcat(chunks, 1).data)).toEqual(Array.from(t.data));
  });
});

// ---- properties -----------------------------------------------------------

interface Case {
  mesh: Mesh;
  s: Sharding;
  x: HostTensor;
}

/** A mesh of 1–3 axes of sizes 1–4, a valid sharding of a small tensor, and that tensor. */
const caseArb: fc.Arbitrary<Case> = fc
  .array(fc.constantFrom(1, 2, 3, 4), { minLength: 1, maxLength: 3 })
  .chain((sizes) => {
    const axes = sizes.map((size, i) => ({ name: ['a', 'b', 'c'][i], size }));
    return fc.record({
      mesh: fc.constant(meshFromAxes(axes)),
      rank: fc.integer({ min: 0, max: 3 }),
      // per axis: 0..2 = shards that dim (mod rank), 3 = partial, 4 = replicated, 5 = unused
      roles: fc.array(fc.integer({ min: 0, max: 5 }), {
        minLength: axes.length,
        maxLength: axes.length,
      }),
      order: fc.shuffledSubarray(
        axes.map((_, i) => i),
        { minLength: axes.length, maxLength: axes.length },
      ),
      multipliers: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
      offset: fc.integer({ min: -50, max: 50 }),
    });
  })
  .map(({ mesh, rank, roles, order, multipliers, offset }) => {
    const dims: string[][] = Array.from({ length: rank }, () => []);
    const partial: string[] = [];
    const replicated: string[] = [];
    for (const i of order) {
      const name = mesh.axes[i].name;
      const role = roles[i];
      if (role < 3 && rank > 0) dims[role % rank].push(name);
      else if (role === 3) partial.push(name);
      else if (role === 4) replicated.push(name);
    }
    const s = sharding(dims, partial, replicated);
    const shape = dims.map(
      (axes, d) =>
        multipliers[d] * axes.reduce((n, a) => n * mesh.axes.find((x) => x.name === a)!.size, 1),
    );
    const n = shape.reduce((a, b) => a * b, 1);
    return {
      mesh,
      s,
      x: hostTensor(
        shape,
        'f32',
        Array.from({ length: n }, (_, i) => 1.25 * i + offset),
      ),
    };
  });

describe('hostShard / hostUnshard properties', () => {
  it('round-trip every value exactly', () => {
    fc.assert(
      fc.property(caseArb, ({ mesh, s, x }) => {
        const locals = hostShardAll(x, s, mesh);
        const local = shardingLocalShape(s, x.shape, mesh);
        for (const t of locals) expect(t.shape).toEqual(local);
        const back = hostUnshard(locals, s, mesh);
        expect(back.shape).toEqual(x.shape);
        expect(Array.from(back.data)).toEqual(Array.from(x.data));
      }),
      { numRuns: 300 },
    );
  });

  it('catch any single corrupted element on a device that has a replica', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.nat(), ({ mesh, s, x }, pickDevice, pickElement) => {
        const locals = hostShardAll(x, s, mesh);
        const d = pickDevice % locals.length;
        const t = locals[d];
        fc.pre(t.data.length > 0);
        // d has a replica when some device of another id holds the same tile and partial rank
        const hasReplica =
          locals.length > 1 &&
          mesh.axes.some(
            (a) => a.size > 1 && !s.dims.flat().includes(a.name) && !s.partial.includes(a.name),
          );
        fc.pre(hasReplica);
        const bad = hostTensor(t.shape, t.dtype, t.data);
        bad.data[pickElement % bad.data.length] += 1;
        locals[d] = bad;
        expect(() => hostUnshard(locals, s, mesh)).toThrow(/should hold the same data/);
        expect(() => hostUnshard(locals, s, mesh)).toThrow(deviceLabel(mesh, d));
      }),
      { numRuns: 200 },
    );
  });
});
