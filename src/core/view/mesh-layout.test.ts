import { describe, expect, it } from 'vitest';
import { hardwareByName } from '../mesh/hardware.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { defaultTopology } from '../mesh/topology.ts';
import { meshLayout } from './mesh-layout.ts';

describe('the device mesh layout', () => {
  it('lays 2 axes out as a grid, minor axis along the columns, one NVLink node per 8 GPUs', () => {
    const mesh = parseMesh('data=4,model=4');
    const l = meshLayout(mesh, defaultTopology(mesh, hardwareByName('h100-80gb')));
    expect(l.cells).toHaveLength(16);
    // device 6 = data 1, model 2 (row-major)
    expect(l.cells[6]).toMatchObject({ coords: [1, 2], x: 2, y: 1 });
    expect(l.axes.map((a) => [a.name, a.role, a.link])).toEqual([
      ['data', 'row', 'infiniband'],
      ['model', 'column', 'nvlink'],
    ]);
    // H100 HGX: 8 GPUs per NVLink node → two nodes of two rows each
    expect(l.domains).toEqual([
      { x: 0, y: 0, w: 4, h: 2, label: 'node 0' },
      { x: 0, y: 2, w: 4, h: 2, label: 'node 1' },
    ]);
    expect(l.links).toEqual([]); // switches, not rings
    expect([l.width, l.height]).toEqual([4, 4]);
  });

  it('draws a TPU v4 torus with its wraparound links and a third axis as small multiples', () => {
    const mesh = parseMesh('x=4,y=4,z=4');
    const l = meshLayout(mesh, defaultTopology(mesh, hardwareByName('tpu-v4')));
    expect(l.panels).toHaveLength(4);
    expect(l.panels[1].label).toBe('x=1');
    expect(l.axes.map((a) => a.role)).toEqual(['panel', 'row', 'column']);
    const z = l.links.filter((k) => k.axis === 'z');
    // 64 devices, 4 per ring: 3 neighbour links and 1 wraparound per ring (v4 wraps at 4)
    expect(z.filter((k) => !k.wrap)).toHaveLength(48);
    expect(z.filter((k) => k.wrap)).toHaveLength(16);
    expect(z.find((k) => k.wrap && k.from === 3)!.to).toBe(0);
    const y = l.links.filter((k) => k.axis === 'y' && k.from === 0 && !k.wrap);
    expect(y[0].to).toBe(4);
    // the panel axis x is not drawn as lines
    expect(l.links.some((k) => k.axis === 'x')).toBe(false);
    // no two devices share a cell
    expect(new Set(l.cells.map((c) => `${c.x},${c.y}`)).size).toBe(64);
  });

  it('puts a single axis in one row', () => {
    const l = meshLayout(parseMesh('data=8'));
    expect(l.cells.map((c) => c.y)).toEqual(new Array(8).fill(0));
    expect(l.cells.map((c) => c.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(l.domains).toEqual([]);
  });
});
