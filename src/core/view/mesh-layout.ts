import type { LinkKind } from '../mesh/hardware.ts';
import type { Mesh } from '../mesh/mesh.ts';
import type { Topology } from '../mesh/topology.ts';

/**
 * Where each device of a mesh is drawn, in grid cells: the minor axis runs along columns, the
 * next along rows, and any more major axes become small multiples (one panel per coordinate,
 * panels in rows), so a 16×16×16 TPU v4 pod is 16 panels of 16×16. The physical topology is
 * drawn on top: a box per fast domain (an NVLink node of GPUs or a TPU pod: devices d with the
 * same ⌊d / nodeSize⌋, as the default placement puts the minor axes on the fast links), and a
 * link between neighbours along every torus or ring axis, with the wraparound where it exists.
 */
export interface MeshAxisInfo {
  readonly name: string;
  readonly size: number;
  /** Where the axis lies in the drawing. */
  readonly role: 'column' | 'row' | 'panel';
  readonly link?: LinkKind;
  readonly shape?: 'torus' | 'switch' | 'ring';
  readonly wraparound?: boolean;
}

export interface MeshCell {
  readonly device: number;
  /** Coordinate along each mesh axis (mesh order). */
  readonly coords: readonly number[];
  readonly x: number;
  readonly y: number;
}

export interface MeshRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly label: string;
}

export interface MeshLink {
  readonly axis: string;
  readonly from: number;
  readonly to: number;
  /** The torus wraparound: last to first along the axis. */
  readonly wrap: boolean;
}

export interface MeshLayout {
  readonly axes: readonly MeshAxisInfo[];
  readonly cells: readonly MeshCell[];
  readonly panels: readonly MeshRect[];
  readonly domains: readonly MeshRect[];
  readonly links: readonly MeshLink[];
  /** Extent in cells. */
  readonly width: number;
  readonly height: number;
}

/** Devices beyond this are not drawn one by one (the caller shows a summary instead). */
export const MAX_DRAWN_DEVICES = 8192;
/** Gap between panels, in cells. */
const GAP = 1;

export function meshLayout(mesh: Mesh, topology?: Topology): MeshLayout {
  const sizes = mesh.axes.map((a) => a.size);
  const n = sizes.reduce((a, b) => a * b, 1);
  const k = sizes.length;
  const cols = sizes[k - 1];
  const rows = k >= 2 ? sizes[k - 2] : 1;
  const panelCount = sizes.slice(0, Math.max(0, k - 2)).reduce((a, b) => a * b, 1);
  const perRow = Math.max(
    1,
    Math.min(panelCount, Math.ceil(Math.sqrt(panelCount * (rows / cols)))),
  );
  const axes: MeshAxisInfo[] = mesh.axes.map((a, i) => {
    const link = topology?.axes[i];
    return {
      name: a.name,
      size: a.size,
      role: i === k - 1 ? 'column' : i === k - 2 ? 'row' : 'panel',
      ...(link ? { link: link.link, shape: link.shape, wraparound: link.wraparound } : {}),
    };
  });
  const panelOrigin = (p: number) => ({
    x: (p % perRow) * (cols + GAP),
    y: Math.floor(p / perRow) * (rows + GAP),
  });
  const cells: MeshCell[] = [];
  if (n <= MAX_DRAWN_DEVICES)
    for (let d = 0; d < n; d++) {
      const coords = new Array<number>(k);
      let r = d;
      for (let i = k - 1; i >= 0; i--) {
        coords[i] = r % sizes[i];
        r = Math.floor(r / sizes[i]);
      }
      const p = Math.floor(d / (rows * cols));
      const o = panelOrigin(p);
      cells.push({
        device: d,
        coords,
        x: o.x + coords[k - 1],
        y: o.y + (k >= 2 ? coords[k - 2] : 0),
      });
    }
  const panels: MeshRect[] = [];
  if (panelCount > 1)
    for (let p = 0; p < panelCount; p++) {
      const o = panelOrigin(p);
      const c = cells[p * rows * cols]?.coords ?? [];
      panels.push({
        ...o,
        w: cols,
        h: rows,
        label: mesh.axes
          .slice(0, k - 2)
          .map((a, i) => `${a.name}=${c[i] ?? '?'}`)
          .join(' '),
      });
    }
  return {
    axes,
    cells,
    panels,
    domains: topology ? domainsOf(cells, topology) : [],
    links: linksOf(mesh, axes, cells.length ? n : 0),
    width: perRow * (cols + GAP) - GAP,
    height: Math.ceil(panelCount / perRow) * (rows + GAP) - GAP,
  };
}

/** Bounding boxes of the devices sharing a fast domain, per panel (domains never straddle
 *  panels in the default placement; when a custom one does, each panel gets its part). */
function domainsOf(cells: readonly MeshCell[], topology: Topology): MeshRect[] {
  const size = topology.hardware.nodeSize;
  const tpu = !!topology.hardware.links.ici;
  if (!cells.length || size < 1) return [];
  const boxes = new Map<string, { x0: number; y0: number; x1: number; y1: number; d: number }>();
  for (const c of cells) {
    const dom = Math.floor(c.device / size);
    const key = `${dom}`;
    const b = boxes.get(key);
    if (!b) boxes.set(key, { x0: c.x, y0: c.y, x1: c.x + 1, y1: c.y + 1, d: dom });
    else {
      b.x0 = Math.min(b.x0, c.x);
      b.y0 = Math.min(b.y0, c.y);
      b.x1 = Math.max(b.x1, c.x + 1);
      b.y1 = Math.max(b.y1, c.y + 1);
    }
  }
  const unit = tpu ? 'pod' : 'node';
  return [...boxes.values()].map((b) => ({
    x: b.x0,
    y: b.y0,
    w: b.x1 - b.x0,
    h: b.y1 - b.y0,
    label: `${unit} ${b.d}`,
  }));
}

/** Neighbour links along the torus and ring axes drawn in the grid (rows and columns). */
function linksOf(mesh: Mesh, axes: readonly MeshAxisInfo[], n: number): MeshLink[] {
  const out: MeshLink[] = [];
  axes.forEach((a, i) => {
    if (a.role === 'panel' || (a.shape !== 'torus' && a.shape !== 'ring') || a.size < 2) return;
    const stride = mesh.axes.slice(i + 1).reduce((s, x) => s * x.size, 1);
    for (let d = 0; d < n; d++) {
      const c = Math.floor(d / stride) % a.size;
      if (c < a.size - 1) out.push({ axis: a.name, from: d, to: d + stride, wrap: false });
      else if (a.wraparound && a.size > 2)
        out.push({ axis: a.name, from: d, to: d - (a.size - 1) * stride, wrap: true });
    }
  });
  return out;
}
