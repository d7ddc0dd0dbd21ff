import { describe, expect, it } from 'vitest';
import { HARDWARE } from '../mesh/hardware.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { TopologyError, defaultTopology, parseTopology } from '../mesh/topology.ts';
import type { CollectiveRecord } from '../spmd/collective.ts';
import {
  LINK_EFFICIENCY,
  collectiveCost,
  collectiveRecordCost,
  idealCollectiveTime,
  linkEfficiency,
} from './collective-cost.ts';

/** |actual − expected| ≤ rel·|expected|; the failure prints actual, expected and delta. */
function expectClose(actual: number, expected: number, rel: number, what = '') {
  const delta = actual - expected;
  if (!(Math.abs(delta) <= rel * Math.abs(expected)))
    throw new Error(
      `${what}: actual ${actual.toExponential(4)}, expected ${expected.toExponential(4)}, delta ${delta.toExponential(3)} (${((100 * delta) / expected).toFixed(2)}%, allowed ±${100 * rel}%)`,
    );
}

/** lo ≤ actual ≤ hi; the failure prints the band and how far outside it actual is. */
function expectWithin(actual: number, lo: number, hi: number, what = '') {
  if (!(actual >= lo && actual <= hi))
    throw new Error(
      `${what}: actual ${actual.toExponential(4)} outside [${lo.toExponential(4)}, ${hi.toExponential(4)}], delta ${(actual < lo ? actual - lo : actual - hi).toExponential(3)}`,
    );
}

const us = 1e-6;
const ms = 1e-3;

// Scaling book, sharding.md; simulator.md §6.3. TPU v4 4×4×4 with wraparound, W_ici = 9e10 bidi.
describe('TPU v4 4×4×4 closed forms (bf16[B_X, D_Y], B=1024, D=4096)', () => {
  const topo = defaultTopology(parseMesh('X=4,Y=4,Z=4'), HARDWARE['tpu-v4']);
  const B = 1024;
  const D = 4096;
  const Wici = 9e10;

  it('AllGather_X ≈ 23 µs: 2BD/(4·W_ici), the book dropping (N−1)/N; the model adds 2 hops of 1 µs', () => {
    const V = (2 * B * D) / 4; // gathered bytes per device: bf16[B, D/4]
    const book = V / Wici; // 23.3 µs
    expectClose(
      idealCollectiveTime('all-gather', V, ['X'], topo),
      (book * 3) / 4,
      1e-9,
      'exact (N−1)/N form',
    );
    const t = collectiveCost('all-gather', V, ['X'], topo).timeS;
    expectClose(t, (book * 3) / 4 + 2 * us, 1e-9, 'model');
    // Documented band: from the exact bandwidth bound to the book's approximation plus latency.
    expectWithin(t, (book * 3) / 4, book + 2 * us, 'AllGather_X vs 23 µs');
    expectClose(t, 23 * us, 0.2, 'AllGather_X ≈ 23 µs');
  });

  it('AllGather_XY ≈ 46 µs: two axes, twice the bandwidth', () => {
    const V = 2 * B * D;
    const book = V / (2 * Wici); // 46.6 µs
    expectClose(
      idealCollectiveTime('all-gather', V, ['X', 'Y'], topo),
      (book * 15) / 16,
      1e-9,
      'exact',
    );
    expectClose(
      collectiveCost('all-gather', V, ['X', 'Y'], topo).timeS,
      46 * us,
      0.05,
      'AllGather_XY',
    );
  });

  it('AllReduce_Z ≈ 190 µs: 4BD/W_ici = 2× AllGather (book, no (N−1)/N); exact 140 µs', () => {
    const V = 2 * B * D; // the unsharded bf16[B, D]
    const book = (2 * V) / Wici; // 186 µs
    expectClose(idealCollectiveTime('all-reduce', V, ['Z'], topo), (book * 3) / 4, 1e-9, 'exact');
    const t = collectiveCost('all-reduce', V, ['Z'], topo).timeS;
    expectWithin(t, (book * 3) / 4, book, 'AllReduce_Z between the exact and the book form');
    expectClose(
      collectiveCost('all-reduce', V, ['Z'], topo).bytesSent,
      (2 * V * 3) / 4,
      1e-12,
      'bytes sent',
    );
  });

  it('a tiny AllGather is latency-bound: 2 hops × 1 µs', () => {
    expectClose(collectiveCost('all-gather', 8, ['X'], topo).timeS, 2 * us, 1e-3, 'latency floor');
    // B=128: the book's max(2 hops, V/W) gives 2.9 µs; the α+β model adds them (4.2 µs).
    const t = collectiveCost('all-gather', (2 * 128 * D) / 4, ['X'], topo).timeS;
    expectWithin(t, 2 * us, 5 * us, 'tiny AllGather');
  });

  it('AllToAll on a bidirectional ring is a quarter of the AllGather of the full array (book)', () => {
    const v = 1e6; // per-device bytes; the full array is 4v
    expectClose(
      idealCollectiveTime('all-to-all', v, ['X'], topo),
      (4 * v) / (4 * Wici),
      1e-9,
      '1-D',
    );
    // 3-D: V·max(A,B,C)/(4·N·W_ici) with V = N·v.
    expectClose(
      idealCollectiveTime('all-to-all', v, ['X', 'Y', 'Z'], topo),
      (v * 4) / (4 * Wici),
      1e-9,
      '3-D',
    );
  });
});

describe('TPU v5e without wraparound ({X:8, Y:4})', () => {
  const topo = defaultTopology(parseMesh('X=8,Y=4'), HARDWARE['tpu-v5e']);

  it('AllGather_Y of bf16[E_Y, F] (34 MB): 3 × 8.4e6/4.5e10 = 560 µs predicted, 680 µs measured', () => {
    const V = 2 * 2048 * 8192;
    expectClose(
      idealCollectiveTime('all-gather', V, ['Y'], topo),
      560 * us,
      0.01,
      'line, one direction',
    );
    expectWithin(collectiveCost('all-gather', V, ['Y'], topo).timeS, 560 * us, 680 * us, 'model');
  });

  it('E=F=256: ≈3 µs predicted (3 hops), ≈8 µs measured', () => {
    expectWithin(
      collectiveCost('all-gather', 2 * 256 * 256, ['Y'], topo).timeS,
      3 * us,
      8 * us,
      'tiny',
    );
  });

  it('a 10 MB gather over a full 16-ring reaches ≈95% of the link (book, measured)', () => {
    const ring = defaultTopology(parseMesh('x=8,y=16'), HARDWARE['tpu-v5e']);
    const V = 10e6;
    const frac =
      idealCollectiveTime('all-gather', V, ['y'], ring) /
      collectiveCost('all-gather', V, ['y'], ring).timeS;
    expectWithin(frac, 0.9, 0.97, 'achieved fraction of peak');
  });
});

describe('8×H100 NVLink', () => {
  const topo = defaultTopology(parseMesh('model=8'), HARDWARE['h100-80gb']);

  it('AllGather of 536 MB: 1.04 ms exact, 1.19 ms approx, ≈1.5 ms measured', () => {
    const V = 536e6;
    expectClose(idealCollectiveTime('all-gather', V, ['model'], topo), 1.04 * ms, 0.01, 'exact');
    expectClose(V / 450e9, 1.19 * ms, 0.01, 'approx');
    // Documented band: line rate ≤ model ≤ measured.
    expectWithin(
      collectiveCost('all-gather', V, ['model'], topo).timeS,
      1.04 * ms,
      1.5 * ms,
      'model',
    );
  });

  it('intra-node AllGather of bf16[1024, 16384]: 65 µs exact / 75 µs approx at line rate', () => {
    const V = 2 * 1024 * 16384;
    const ideal = idealCollectiveTime('all-gather', V, ['model'], topo);
    expectClose(ideal, 65.2 * us, 0.01, 'exact');
    expectWithin(ideal, 65 * us, 75 * us, 'closed form');
    // The efficiency curve at 4.2 MB per hop (≈60% of line rate) puts it near 110 µs.
    expectWithin(
      collectiveCost('all-gather', V, ['model'], topo).timeS,
      65 * us,
      150 * us,
      'model',
    );
  });

  it('large AllReduce reaches ≈370 GB/s bus bandwidth, not 450', () => {
    const S = 10e9;
    const busBw = ((2 * 7) / 8) * (S / collectiveCost('all-reduce', S, ['model'], topo).timeS);
    expectWithin(busBw, 360e9, 370e9, 'busBW at 10 GB');
  });

  it('AllToAll over a switch: (N−1)/N of the per-device bytes through one port', () => {
    const v = 64e6;
    expectClose(
      idealCollectiveTime('all-to-all', v, ['model'], topo),
      ((7 / 8) * v) / 450e9,
      1e-9,
      'switch',
    );
  });
});

describe('hierarchical collectives: NVLink inside a node, InfiniBand across (data=4,model=8 on H100)', () => {
  const topo = defaultTopology(parseMesh('data=4,model=8'), HARDWARE['h100-80gb']);

  it('AllGather over both axes takes the slower of the node and the network levels (book, tree form)', () => {
    const V = 1e9;
    const node = (V * 7) / (8 * 450e9);
    const net = (V * 3) / (4 * 8 * 50e9);
    expectClose(
      idealCollectiveTime('all-gather', V, ['data', 'model'], topo),
      Math.max(node, net),
      1e-9,
      'max',
    );
    expect(collectiveCost('all-gather', V, ['data', 'model'], topo).bytesSent).toBeCloseTo(
      (V * 31) / 32,
      0,
    );
  });

  it('a data-parallel AllReduce runs at the NIC bandwidth', () => {
    const V = 1e9;
    expectClose(
      idealCollectiveTime('all-reduce', V, ['data'], topo),
      (2 * V * 3) / (4 * 50e9),
      1e-9,
      'IB',
    );
  });
});

describe('collectiveCost basics', () => {
  const topo = parseTopology('a=ici,b=ici,c=dcn', parseMesh('c=2,a=16,b=1'), HARDWARE['tpu-v5e']);

  it('costs nothing for slices, empty buffers and size-1 axes', () => {
    expect(collectiveCost('slice', 1e6, ['a'], topo)).toEqual({ timeS: 0, bytesSent: 0 });
    expect(collectiveCost('all-gather', 0, ['a'], topo)).toEqual({ timeS: 0, bytesSent: 0 });
    expect(collectiveCost('all-reduce', 1e6, ['b'], topo)).toEqual({ timeS: 0, bytesSent: 0 });
  });

  it('sends a permute over one neighbour hop of the slowest link', () => {
    const c = collectiveCost('collective-permute', 1e6, ['c'], topo);
    expectClose(c.timeS, 1e6 / 3.125e9 + 10 * us, 1e-9, 'dcn permute');
    expect(c.bytesSent).toBe(1e6);
  });

  it('is monotone in bytes and never beats the line rate', () => {
    let last = 0;
    for (const V of [1e3, 1e5, 1e7, 1e9]) {
      for (const kind of ['all-gather', 'reduce-scatter', 'all-reduce', 'all-to-all'] as const) {
        const t = collectiveCost(kind, V, ['a', 'c'], topo).timeS;
        expect(t).toBeGreaterThanOrEqual(idealCollectiveTime(kind, V, ['a', 'c'], topo));
      }
      const t = collectiveCost('all-reduce', V, ['a', 'c'], topo).timeS;
      expect(t).toBeGreaterThan(last);
      last = t;
    }
  });

  it('rejects an axis the topology does not have', () => {
    expect(() => collectiveCost('all-gather', 1, ['z'], topo)).toThrow(TopologyError);
    expect(() => collectiveCost('all-gather', 1, ['z'], topo)).toThrow(
      "collective over axis 'z', which the topology does not have (it has c, a, b)",
    );
    expect(() => collectiveCost('all-gather', 1, ['a', 'a'], topo)).toThrow(
      "collective names axis 'a' twice",
    );
  });
});

describe('linkEfficiency', () => {
  it('reaches the NVLink ceiling (370/450) for large hops, half of it at 3.4 µs of wire time, ≥ the LL floor', () => {
    const W = 450e9;
    expectClose(linkEfficiency('nvlink', 1e12, W), 370 / 450, 1e-3, 'ceiling');
    expectClose(linkEfficiency('nvlink', W * 3.4e-6, W), (0.5 * 370) / 450, 1e-9, 'half');
    expectClose(
      linkEfficiency('nvlink', 1, W),
      LINK_EFFICIENCY.nvlink.ceiling * 0.25,
      1e-9,
      'floor',
    );
    expect(linkEfficiency('ici', 1, 4.5e10)).toBe(1);
  });
});

describe('collectiveRecordCost', () => {
  const topo = defaultTopology(parseMesh('data=2,model=4'), HARDWARE['tpu-v5p']);
  const rec = (
    kind: CollectiveRecord['kind'],
    shape: number[],
    operandShape: number[],
  ): CollectiveRecord => ({
    opId: 0,
    kind,
    axes: ['model'],
    shape,
    operandShape,
    dtype: 'bf16',
    scope: 'layers/0/mlp',
    phase: 'forward',
    value: 0,
    reason: 'test',
    tripCount: 3,
  });

  it('takes V from the result for gathers and from the operand for reduce-scatters', () => {
    expect(collectiveRecordCost(rec('all-gather', [128, 512], [32, 512]), topo)).toEqual(
      collectiveCost('all-gather', 2 * 128 * 512, ['model'], topo),
    );
    expect(collectiveRecordCost(rec('reduce-scatter', [32, 512], [128, 512]), topo)).toEqual(
      collectiveCost('reduce-scatter', 2 * 128 * 512, ['model'], topo),
    );
    expect(collectiveRecordCost(rec('all-reduce', [64, 64], [64, 64]), topo)).toEqual(
      collectiveCost('all-reduce', 2 * 64 * 64, ['model'], topo),
    );
  });
});
