import { hostTensor, type HostTensor } from '../ir/host-tensor.ts';
import { copyStrided, offsetTable } from '../ir/interpreter/indexing.ts';
import { shapeEqual, shapeNumel, shapeStrides, shapeToString, type Shape } from '../ir/shape.ts';
import {
  meshDeviceCoords,
  meshDeviceCount,
  meshGroupRank,
  meshToString,
  type Mesh,
} from '../mesh/mesh.ts';
import {
  shardingCheck,
  shardingLocalShape,
  shardingToString,
  type Sharding,
} from '../sharding/sharding.ts';

/**
 * Concrete tensors laid out on a mesh, for checking SPMD programs by execution: `hostShard`
 * cuts a global value into the local value each device holds under a sharding, `hostUnshard`
 * puts the per-device values back together (and checks that replicas agree).
 *
 * Example: f32[4,6] on data=2,model=3 with dims [{data}, {model}]: device 4 sits at (1,1), so it
 * holds rows 2..3 and columns 2..3. With partial={model} instead, the devices at model=0 hold the
 * value and the others zeros, so the sum over model is the value.
 */

/** Replicas may differ by this much, relative to the larger magnitude (exact ties always agree). */
export const REPLICA_RTOL = 1e-9;

/** `device 4 (data=1,model=1)`, the way SPMD messages name a device. */
export function deviceLabel(mesh: Mesh, device: number): string {
  const coords = meshDeviceCoords(mesh, device);
  return `device ${device} (${mesh.axes.map((a, i) => `${a.name}=${coords[i]}`).join(',')})`;
}

/** Chunk i of n equal chunks of t along dim. */
export function hostChunk(t: HostTensor, dim: number, n: number, i: number): HostTensor {
  const size = t.shape[dim];
  if (size % n !== 0)
    throw new Error(
      `hostChunk: dimension ${dim} of ${shapeToString(t.shape)} does not divide into ${n} chunks`,
    );
  const shape = t.shape.map((s, d) => (d === dim ? s / n : s));
  const strides = shapeStrides(t.shape);
  return copyBlock(t, shape, (size / n) * i * strides[dim]);
}

/** Concatenation along dim (all other dims must agree). */
export function hostConcat(ts: readonly HostTensor[], dim: number): HostTensor {
  if (ts.length === 0) throw new Error('hostConcat: nothing to concatenate');
  const first = ts[0];
  const shape = first.shape.map((s, d) =>
    d === dim ? ts.reduce((n, t) => n + t.shape[dim], 0) : s,
  );
  for (const t of ts)
    if (t.shape.length !== shape.length || t.shape.some((s, d) => d !== dim && s !== shape[d]))
      throw new Error(
        `hostConcat: cannot concatenate ${shapeToString(t.shape)} with ${shapeToString(first.shape)} along dimension ${dim}`,
      );
  const out = hostTensor(shape, first.dtype);
  const os = shapeStrides(shape);
  let at = 0;
  for (const t of ts) {
    copyStrided(t.data, 0, shapeStrides(t.shape), out.data, at * os[dim], os, t.shape);
    at += t.shape[dim];
  }
  return out;
}

/** The local value `device` holds when `global` is laid out by `s` on `mesh`. */
export function hostShard(global: HostTensor, s: Sharding, mesh: Mesh, device: number): HostTensor {
  checkLayout('hostShard', s, global.shape, mesh);
  const n = meshDeviceCount(mesh);
  if (!Number.isInteger(device) || device < 0 || device >= n)
    throw new Error(
      `hostShard: device ${device} is not on the mesh ${meshToString(mesh)} (devices 0..${n - 1})`,
    );
  const local = shardingLocalShape(s, global.shape, mesh);
  if (meshGroupRank(mesh, device, s.partial) !== 0) return hostTensor(local, global.dtype);
  return copyBlock(global, local, tileBase(s, mesh, device, local, shapeStrides(global.shape)));
}

/** `hostShard` for every device of the mesh, in device order. */
export function hostShardAll(global: HostTensor, s: Sharding, mesh: Mesh): HostTensor[] {
  return Array.from({ length: meshDeviceCount(mesh) }, (_, d) => hostShard(global, s, mesh, d));
}

/**
 * The global value from every device's local value (in device order): tiles are placed, partial
 * sums are added (in device order), and devices that should hold the same data (they differ only
 * on axes the sharding does not use) must agree within REPLICA_RTOL, else this throws naming both
 * devices and the first element that differs.
 */
export function hostUnshard(locals: readonly HostTensor[], s: Sharding, mesh: Mesh): HostTensor {
  const n = meshDeviceCount(mesh);
  if (locals.length !== n)
    throw new Error(
      `hostUnshard: the mesh ${meshToString(mesh)} has ${n} devices but ${locals.length} local values were given`,
    );
  const { shape: local, dtype } = locals[0];
  if (local.length !== s.dims.length)
    throw new Error(
      `hostUnshard: sharding ${shardingToString(s)} has ${s.dims.length} dims but the local values are ${shapeToString(local)}`,
    );
  locals.forEach((t, d) => {
    if (!shapeEqual(t.shape, local) || t.dtype !== dtype || t.data.length !== shapeNumel(t.shape))
      throw new Error(
        `hostUnshard: ${deviceLabel(mesh, d)} holds ${t.dtype}${shapeToString(t.shape)} (${t.data.length} elements) but device 0 holds ${dtype}${shapeToString(local)}`,
      );
  });
  const global = local.map(
    (size, d) =>
      size * s.dims[d].reduce((k, a) => k * (mesh.axes.find((x) => x.name === a)?.size ?? 1), 1),
  );
  checkLayout('hostUnshard', s, global, mesh);

  const out = hostTensor(global, dtype);
  const offsets = offsetTable(local, shapeStrides(global));
  const holders = new Map<string, number>(); // tile and partial rank → the first device holding it
  locals.forEach((t, d) => {
    const key = [
      ...s.dims.map((axes) => meshGroupRank(mesh, d, axes)),
      meshGroupRank(mesh, d, s.partial),
    ].join(',');
    const first = holders.get(key);
    if (first !== undefined) return checkReplica(locals[first], first, t, d, s, mesh);
    holders.set(key, d);
    const base = tileBase(s, mesh, d, local, shapeStrides(global));
    for (let i = 0; i < offsets.length; i++) out.data[base + offsets[i]] += t.data[i];
  });
  return out;
}

function checkLayout(what: string, s: Sharding, shape: Shape, mesh: Mesh): void {
  const errs = shardingCheck(s, shape, mesh);
  if (errs.length)
    throw new Error(
      `${what}: sharding ${shardingToString(s)} of a ${shapeToString(shape)} value on mesh ${meshToString(mesh)} ${errs.join('; ')}`,
    );
}

/** Flat offset in the global value of the first element of the tile `device` holds. */
function tileBase(
  s: Sharding,
  mesh: Mesh,
  device: number,
  local: Shape,
  globalStrides: readonly number[],
): number {
  return s.dims.reduce(
    (base, axes, d) => base + meshGroupRank(mesh, device, axes) * local[d] * globalStrides[d],
    0,
  );
}

/** The row-major block of `shape` starting at flat offset `base` of t. */
function copyBlock(t: HostTensor, shape: Shape, base: number): HostTensor {
  const out = hostTensor(shape, t.dtype);
  copyStrided(t.data, base, shapeStrides(t.shape), out.data, 0, shapeStrides(shape), shape);
  return out;
}

function agree(a: number, b: number): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  return Math.abs(a - b) <= REPLICA_RTOL * Math.max(Math.abs(a), Math.abs(b));
}

function checkReplica(
  a: HostTensor,
  da: number,
  b: HostTensor,
  db: number,
  s: Sharding,
  mesh: Mesh,
): void {
  const strides = shapeStrides(a.shape);
  for (let i = 0; i < a.data.length; i++) {
    if (agree(a.data[i], b.data[i])) continue;
    const index = strides.map((st, d) => Math.floor(i / st) % a.shape[d]);
    throw new Error(
      `hostUnshard: ${deviceLabel(mesh, da)} and ${deviceLabel(mesh, db)} should hold the same data under ${shardingToString(s)} ` +
        `but differ first at local element [${index.join(',')}]: ${a.data[i]} vs ${b.data[i]}`,
    );
  }
}
