import { describe, expect, it } from 'vitest';
import {
  HARDWARE,
  HardwareError,
  hardwareByName,
  parseHardware,
  peakFlopsFor,
} from './hardware.ts';

const NAMES = [
  'tpu-v3',
  'tpu-v4',
  'tpu-v5e',
  'tpu-v5p',
  'tpu-v6e',
  'a100-40gb',
  'a100-80gb',
  'h100-80gb',
  'h200',
  'b200',
];

function expectThrows(f: () => unknown, message: string) {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HardwareError);
  expect((caught as Error).message).toBe(message);
}

describe('hardware catalog', () => {
  it('holds the ten devices, each with positive figures and sources', () => {
    expect(Object.keys(HARDWARE).sort()).toEqual([...NAMES].sort());
    for (const hw of Object.values(HARDWARE)) {
      expect(hw.sources.length).toBeGreaterThan(0);
      for (const v of [
        hw.peakFlops.bf16,
        hw.peakFlops.f16,
        hw.peakFlops.f32,
        hw.hbmBytes,
        hw.hbmBandwidth,
      ])
        expect(v).toBeGreaterThan(0);
      for (const l of Object.values(hw.links)) {
        expect(l!.bandwidth).toBeGreaterThan(0);
        expect(l!.latency).toBeGreaterThan(0);
      }
      if (hw.torus) expect(hw.torus.dims.reduce((a, b) => a * b, 1)).toBe(hw.nodeSize);
    }
  });

  it('gives H100 the scaling-book figures: 989 TF bf16, 450 GB/s NVLink, 50 GB/s IB per GPU, 8 per node', () => {
    const h = hardwareByName('h100-80gb');
    expect(h.peakFlops.bf16).toBe(989e12);
    expect(h.peakFlops.f8).toBe(1979e12);
    expect(h.hbmBandwidth).toBe(3.35e12);
    expect(h.links.nvlink!.bandwidth).toBe(450e9);
    expect(h.links.infiniband!.bandwidth).toBe(50e9);
    expect(h.nodeSize).toBe(8);
    expect(h.torus).toBeUndefined();
  });

  it('gives TPU v4 a 16×16×16 wraparound torus of 4.5e10 B/s uni ICI links and 1 µs hops', () => {
    const v4 = hardwareByName('tpu-v4');
    expect(v4.links.ici).toEqual({ bandwidth: 4.5e10, latency: 1e-6 });
    expect(v4.torus).toEqual({ dims: [16, 16, 16], wraparound: true });
    expect(v4.nodeSize).toBe(4096);
    expect(v4.links.dcn).toBeUndefined();
    expect(hardwareByName('tpu-v5e').links.dcn!.bandwidth).toBe(3.125e9);
  });

  it('rejects an unknown name, listing the known ones', () => {
    expectThrows(
      () => hardwareByName('h300'),
      `unknown hardware 'h300'; known: ${NAMES.join(', ')}, or custom:bf16=…,hbm=…,hbm_bw=…`,
    );
  });
});

describe('parseHardware', () => {
  const spec = 'custom:bf16=989e12,hbm=80e9,hbm_bw=3.35e12,nvlink=450e9,ib=50e9,node=8';

  it('reads the documented keys, with defaults for f16, f32 and link latencies', () => {
    const hw = parseHardware(spec);
    expect(hw.vendor).toBe('custom');
    expect(hw.name).toBe(spec);
    expect(hw.peakFlops).toEqual({ bf16: 989e12, f16: 989e12, f32: 494.5e12 });
    expect(hw.hbmBytes).toBe(80e9);
    expect(hw.hbmBandwidth).toBe(3.35e12);
    expect(hw.nodeSize).toBe(8);
    expect(hw.links).toEqual({
      nvlink: { bandwidth: 450e9, latency: 1.9e-6 },
      infiniband: { bandwidth: 50e9, latency: 4e-6 },
    });
    expect(hardwareByName(spec)).toEqual(hw);
  });

  it('builds a torus from ici, torus and wrap', () => {
    const hw = parseHardware(
      'custom:bf16=1e14,hbm=16e9,hbm_bw=8e11,ici=4.5e10,torus=4x8,wrap=false,f8=2e14',
    );
    expect(hw.torus).toEqual({ dims: [4, 8], wraparound: false });
    expect(hw.nodeSize).toBe(32);
    expect(hw.peakFlops.f8).toBe(2e14);
    expect(hw.links.ici).toEqual({ bandwidth: 4.5e10, latency: 1e-6 });
  });

  it('explains what is wrong', () => {
    expectThrows(
      () => parseHardware('bf16=1'),
      "custom hardware spec 'bf16=1' must start with 'custom:', e.g. custom:bf16=989e12,hbm=80e9,hbm_bw=3.35e12,nvlink=450e9,ib=50e9,node=8",
    );
    expectThrows(
      () => parseHardware('custom:hbm=80e9,hbm_bw=1e12'),
      "custom hardware: 'bf16' is required (dense bf16 FLOP/s per chip, e.g. bf16=989e12)",
    );
    expectThrows(
      () => parseHardware('custom:bf16=1e14,hbm=8e9,hbm_bw=1e12,nvlnk=1e11'),
      "custom hardware: unknown key 'nvlnk'; keys are bf16, f16, f32, f8, hbm, hbm_bw, node, ici, nvlink, ib, dcn, ici_lat, nvlink_lat, ib_lat, dcn_lat, torus, wrap",
    );
    expectThrows(
      () => parseHardware('custom:bf16=fast,hbm=8e9,hbm_bw=1e12'),
      "custom hardware: bf16='fast' is not a positive number (dense bf16 FLOP/s per chip)",
    );
    expectThrows(
      () => parseHardware('custom:bf16=1e14,bf16=2e14,hbm=8e9,hbm_bw=1e12'),
      "custom hardware: key 'bf16' appears twice",
    );
    expectThrows(() => parseHardware('custom:bf16'), "custom hardware: 'bf16' is not key=value");
    expectThrows(
      () => parseHardware('custom:bf16=1e14,hbm=8e9,hbm_bw=1e12,node=2.5'),
      "custom hardware: node='2.5' is not a positive integer (devices per fast domain: NVLink node or ICI pod (default 1, or the torus product))",
    );
    expectThrows(
      () => parseHardware('custom:bf16=1e14,hbm=8e9,hbm_bw=1e12,ici=1e11,torus=4x4,node=8'),
      'custom hardware: torus=4x4 holds 16 chips but node=8',
    );
    expectThrows(
      () => parseHardware('custom:bf16=1e14,hbm=8e9,hbm_bw=1e12,ib_lat=5e-6'),
      'custom hardware: ib_lat is given but ib (the bandwidth) is not',
    );
    expectThrows(
      () => parseHardware('custom:bf16=1e14,hbm=8e9,hbm_bw=1e12,ici=1e11,wrap=yes'),
      "custom hardware: wrap='yes' must be true or false",
    );
  });
});

describe('peakFlopsFor', () => {
  it('picks the rate of the compute dtype; f8 falls back to bf16 where the chip has none; ints use bf16', () => {
    const h = HARDWARE['h100-80gb'];
    const a = HARDWARE['a100-80gb'];
    expect(peakFlopsFor(h, 'bf16')).toBe(989e12);
    expect(peakFlopsFor(h, 'f32')).toBe(494.5e12);
    expect(peakFlopsFor(h, 'f16')).toBe(989e12);
    expect(peakFlopsFor(h, 'f8e4m3')).toBe(1979e12);
    expect(peakFlopsFor(a, 'f8e5m2')).toBe(312e12);
    expect(peakFlopsFor(a, 'i32')).toBe(312e12);
    expect(peakFlopsFor(HARDWARE['tpu-v4'], 'f32')).toBe(2.75e14);
  });
});
