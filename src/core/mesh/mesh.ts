/**
 * A logical device mesh: named axes with sizes, major to minor, over a device list in row-major
 * order (device d sits at the coordinates of d in the axis sizes). The mesh is the cache key
 * for everything logical; where an axis physically runs (torus dims, NVLink, network) is the
 * topology's business (src/core/mesh/topology, planned).
 */
export interface MeshAxis {
  readonly name: string;
  readonly size: number;
}

export interface Mesh {
  readonly axes: readonly MeshAxis[];
}

export class MeshError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MeshError';
  }
}

const AXIS_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function meshFromAxes(axes: readonly MeshAxis[]): Mesh {
  if (axes.length === 0) throw new MeshError('a mesh needs at least one axis, e.g. data=8');
  const seen = new Set<string>();
  for (const a of axes) {
    if (!AXIS_NAME.test(a.name))
      throw new MeshError(`mesh axis name '${a.name}' is not an identifier (letters, digits, _)`);
    if (seen.has(a.name)) throw new MeshError(`mesh axis '${a.name}' appears twice`);
    if (!Number.isInteger(a.size) || a.size < 1)
      throw new MeshError(`mesh axis '${a.name}' has size ${a.size}; sizes are positive integers`);
    seen.add(a.name);
  }
  return { axes: axes.map((a) => ({ name: a.name, size: a.size })) };
}

/** Parses `data=4,model=2` (major to minor). */
export function parseMesh(text: string): Mesh {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0)
    throw new MeshError(`empty mesh '${text}': write axes as name=size, e.g. data=4,model=2`);
  return meshFromAxes(
    parts.map((p) => {
      const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(p);
      if (!m) throw new MeshError(`mesh axis '${p}' is not name=size (e.g. data=4)`);
      const size = Number(m[2]);
      if (!Number.isInteger(size))
        throw new MeshError(`mesh axis '${m[1]}' has size '${m[2]}', not an integer`);
      return { name: m[1], size };
    }),
  );
}

export function meshToString(m: Mesh): string {
  return m.axes.map((a) => `${a.name}=${a.size}`).join(',');
}

export function meshDeviceCount(m: Mesh): number {
  return m.axes.reduce((n, a) => n * a.size, 1);
}

export function meshHasAxis(m: Mesh, name: string): boolean {
  return m.axes.some((a) => a.name === name);
}

export function meshAxisSize(m: Mesh, name: string): number {
  const a = m.axes.find((x) => x.name === name);
  if (!a) throw new MeshError(`unknown mesh axis '${name}'; the mesh has ${meshToString(m)}`);
  return a.size;
}

export function meshAxisIndex(m: Mesh, name: string): number {
  const i = m.axes.findIndex((x) => x.name === name);
  if (i < 0) throw new MeshError(`unknown mesh axis '${name}'; the mesh has ${meshToString(m)}`);
  return i;
}

/** The coordinate of a device along every axis. */
export function meshDeviceCoords(m: Mesh, device: number): number[] {
  const coords = new Array<number>(m.axes.length);
  let rest = device;
  for (let i = m.axes.length - 1; i >= 0; i--) {
    coords[i] = rest % m.axes[i].size;
    rest = Math.floor(rest / m.axes[i].size);
  }
  return coords;
}

export function meshDeviceAt(m: Mesh, coords: readonly number[]): number {
  let d = 0;
  for (let i = 0; i < m.axes.length; i++) d = d * m.axes[i].size + coords[i];
  return d;
}

/**
 * The devices that communicate in a collective over `axes` with `device`: those whose coordinates
 * agree with it on every other axis, ordered by the collective's rank (the axes taken major to
 * minor in the order given).
 */
export function meshGroup(m: Mesh, device: number, axes: readonly string[]): number[] {
  const base = meshDeviceCoords(m, device);
  const idx = axes.map((a) => meshAxisIndex(m, a));
  const sizes = idx.map((i) => m.axes[i].size);
  const n = sizes.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    const c = [...base];
    let rest = r;
    for (let k = idx.length - 1; k >= 0; k--) {
      c[idx[k]] = rest % sizes[k];
      rest = Math.floor(rest / sizes[k]);
    }
    out.push(meshDeviceAt(m, c));
  }
  return out;
}

/** The rank of `device` within its group over `axes` (axes major to minor, in the order given). */
export function meshGroupRank(m: Mesh, device: number, axes: readonly string[]): number {
  const c = meshDeviceCoords(m, device);
  let r = 0;
  for (const a of axes) {
    const i = meshAxisIndex(m, a);
    r = r * m.axes[i].size + c[i];
  }
  return r;
}
