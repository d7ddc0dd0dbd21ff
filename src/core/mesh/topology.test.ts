import { describe, expect, it } from 'vitest';
import { HARDWARE } from './hardware.ts';
import { parseMesh } from './mesh.ts';
import {
  TopologyError,
  defaultTopology,
  parseTopology,
  wrapUnit,
  type AxisLink,
} from './topology.ts';

const h100 = HARDWARE['h100-80gb'];
const v4 = HARDWARE['tpu-v4'];
const v5e = HARDWARE['tpu-v5e'];

function expectThrows(f: () => unknown, message: string) {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TopologyError);
  expect((caught as Error).message).toBe(message);
}

function expectClose(actual: number, expected: number, rel = 1e-9) {
  const delta = actual - expected;
  if (Math.abs(delta) > rel * Math.abs(expected))
    throw new Error(
      `expected ${expected}, got ${actual} (delta ${delta}, ${((100 * delta) / expected).toFixed(3)}%)`,
    );
}

const brief = (a: AxisLink) => `${a.axis}:${a.link}:${a.shape}${a.wraparound ? ':wrap' : ''}`;

describe('defaultTopology on GPUs', () => {
  it('puts the minor axis that fits a node on NVLink and the rest on InfiniBand (data=4,model=8 on H100)', () => {
    const t = defaultTopology(parseMesh('data=4,model=8'), h100);
    expect(t.axes.map(brief)).toEqual(['data:infiniband:switch', 'model:nvlink:switch']);
    expect(t.axes[0].bandwidth).toBe(50e9);
    expect(t.axes[0].latency).toBe(4e-6);
    expect(t.axes[1].bandwidth).toBe(450e9);
    expect(t.axes[1].latency).toBe(1.9e-6);
  });

  it('keeps several minor axes on NVLink while their product fits the node', () => {
    const t = defaultTopology(parseMesh('data=2,fsdp=2,model=2'), h100);
    expect(t.axes.map((a) => a.link)).toEqual(['nvlink', 'nvlink', 'nvlink']);
  });

  it('places an axis that straddles the node (model=16) on InfiniBand at the hierarchical bandwidth', () => {
    // 8 GPUs on NVLink inside each of 2 nodes: V·max(7/(8·450e9), 1/(2·8·50e9)) = V·7/(8·450e9),
    // node-bound; as a ring over 16 devices that is (15/16)/that bytes/s.
    const t = defaultTopology(parseMesh('model=16'), h100);
    expect(t.axes.map(brief)).toEqual(['model:infiniband:switch']);
    expectClose(t.axes[0].bandwidth, 15 / 16 / (7 / (8 * 450e9)));
  });

  it('lets a crossing axis share the node with a smaller minor axis (data=4 over model=4)', () => {
    // 2 data-peers per node, 2 nodes: max(1/(2·450e9), 1/(2·2·50e9)) = 5e-12 s/B, IB-bound.
    const t = defaultTopology(parseMesh('data=4,model=4'), h100);
    expect(t.axes.map(brief)).toEqual(['data:infiniband:switch', 'model:nvlink:switch']);
    expectClose(t.axes[0].bandwidth, 0.75 / 5e-12);
  });
});

describe('defaultTopology on TPUs', () => {
  it('maps v4 4×4×4 axes to wraparound torus dims (cubes of 4 wrap)', () => {
    const t = defaultTopology(parseMesh('x=4,y=4,z=4'), v4);
    expect(wrapUnit(v4)).toBe(4);
    expect(t.axes.map(brief)).toEqual(['x:ici:torus:wrap', 'y:ici:torus:wrap', 'z:ici:torus:wrap']);
    expect(t.axes[0].bandwidth).toBe(4.5e10);
  });

  it('gives v5e {X:8, Y:4} no wraparound (2D tori wrap only along a full 16)', () => {
    const t = defaultTopology(parseMesh('X=8,Y=4'), v5e);
    expect(t.axes.map(brief)).toEqual(['X:ici:torus', 'Y:ici:torus']);
    expect(defaultTopology(parseMesh('x=16,y=16'), v5e).axes.every((a) => a.wraparound)).toBe(true);
  });

  it('puts the axes beyond the pod on DCN', () => {
    const t = defaultTopology(parseMesh('pod=2,x=16,y=16'), v5e);
    expect(t.axes.map(brief)).toEqual(['pod:dcn:switch', 'x:ici:torus:wrap', 'y:ici:torus:wrap']);
    expect(t.axes[0].bandwidth).toBe(3.125e9);
  });

  it('refuses a mesh larger than a pod when the chip has no DCN figure', () => {
    expectThrows(
      () => defaultTopology(parseMesh('pod=2,x=64,y=64'), v4),
      "the mesh pod=2,x=64,y=64 needs 8192 devices along its minor axes up to 'pod', but one tpu-v4 pod holds 4096 and tpu-v4 has no dcn link",
    );
  });
});

describe('parseTopology', () => {
  it('maps GPU axes explicitly', () => {
    const t = parseTopology('model=nvlink,data=infiniband', parseMesh('data=4,model=8'), h100);
    expect(t.axes.map(brief)).toEqual(['data:infiniband:switch', 'model:nvlink:switch']);
    expect(parseTopology('model=nvlink, data=ib', parseMesh('data=4,model=8'), h100)).toEqual(t);
  });

  it('maps TPU axes with wrap modifiers and DCN', () => {
    const t = parseTopology('x=ici,y=ici:nowrap,pod=dcn', parseMesh('pod=2,x=16,y=16'), v5e);
    expect(t.axes.map(brief)).toEqual(['pod:dcn:switch', 'x:ici:torus:wrap', 'y:ici:torus']);
    const w = parseTopology('a=ici:wrap,b=ici:ring', parseMesh('a=8,b=4'), v5e);
    expect(w.axes.map(brief)).toEqual(['a:ici:torus:wrap', 'b:ici:ring:wrap']);
  });

  it('names the axis in every error', () => {
    const m = parseMesh('data=4,model=8');
    expectThrows(
      () => parseTopology('model=nvlink', m, h100),
      "topology does not map mesh axis 'data'; map every axis of data=4,model=8, e.g. data=nvlink",
    );
    expectThrows(
      () => parseTopology('model=nvlink,data=ib,pipe=ib', m, h100),
      "topology maps axis 'pipe', which the mesh data=4,model=8 does not have",
    );
    expectThrows(
      () => parseTopology('model=nvlink,model=ib', m, h100),
      "topology maps axis 'model' twice",
    );
    expectThrows(
      () => parseTopology('model=nvl,data=ib', m, h100),
      "unknown link 'nvl' for axis 'model'; use ici, nvlink, infiniband (ib) or dcn",
    );
    expectThrows(
      () => parseTopology('model=ici,data=ib', m, h100),
      "axis 'model' is mapped to ici, but h100-80gb has no ici links; it has nvlink, infiniband",
    );
    expectThrows(
      () => parseTopology('model=nvlink:nowrap,data=ib', m, h100),
      "axis 'model': ':nowrap' applies to ici torus dimensions only, not nvlink",
    );
    expectThrows(
      () => parseTopology('model=nvlink:fast,data=ib', m, h100),
      "unknown modifier ':fast' for axis 'model'; use :wrap, :nowrap (ici) or :ring",
    );
    expectThrows(
      () => parseTopology('model nvlink', m, h100),
      "topology entry 'model nvlink' is not axis=link[:modifier] (e.g. model=nvlink, y=ici:nowrap)",
    );
    expectThrows(
      () => parseTopology('model=nvlink,data=nvlink', m, h100),
      'nvlink axes data=4,model=8 span 32 devices, but one h100-80gb NVLink node holds 8',
    );
  });
});
