/**
 * Time of one collective on a physical topology: an α–β model per link level.
 *
 *   T = Σ_axes hops·α  +  max_levels  bytes_level / (ingress_level · efficiency(hop bytes))
 *
 * Axes on the same link kind form a level. ICI torus dimensions each bring their own links, so
 * their bandwidths add (a wraparound dimension is a bidirectional ring: 2 × uni); axes on a switch
 * (NVLink, InfiniBand, DCN) share the device's ports. Levels are hierarchical: the slower level
 * carries only the data that crosses it, spread over the devices of the faster levels inside it,
 * and the levels pipeline, so the slowest one sets the bandwidth term (scaling book, gpus.md,
 * "precise tree form"; simulator.md §1.3–1.4). Hops per axis: ⌊n/2⌋ on a bidirectional ring,
 * n−1 on a line or a unidirectional ring, ⌈log2 n⌉ on a switch (tree / recursive doubling: any
 * pair is one hop apart, same bandwidth; scaling book, gpus.md).
 */
import { dtypeBytes } from '../ir/dtype.ts';
import type { LinkKind } from '../mesh/hardware.ts';
import { TopologyError, type AxisLink, type Topology } from '../mesh/topology.ts';
import type { CollectiveKind, CollectiveRecord } from '../spmd/collective.ts';

export interface CollectiveCost {
  readonly timeS: number;
  /** Bytes this device puts on its links (ring algorithms; all-to-all: its own payload). */
  readonly bytesSent: number;
}

/**
 * Achievable fraction of a link's line rate as a function of the bytes one hop moves:
 *
 *   efficiency(m) = ceiling · max(floor, m / (m + bandwidth · stepTime))
 *
 * `ceiling`: the protocol's share of the line rate for large messages. `stepTime`: the fixed cost
 * per step of the bandwidth protocol, so half the ceiling is reached when a hop's message takes
 * stepTime on the wire. `floor`: small messages switch to a low-latency protocol that keeps a fixed
 * share of the bandwidth instead of paying stepTime.
 */
export interface LinkEfficiency {
  readonly ceiling: number;
  readonly stepTime: number;
  readonly floor: number;
}

export const LINK_EFFICIENCY: Readonly<Record<LinkKind, LinkEfficiency>> = {
  // ICI: the α term alone (1 µs/hop) already gives the scaling book's measured ≈95% of peak for a
  // ≥10 MB gather (≈93% predicted for v5e 16-way, 10 MB); no further curve.
  ici: { ceiling: 1, stepTime: 0, floor: 1 },
  // NVLink: ≈370 of 450 GB/s for large messages, ~20% protocol overhead (NCCL maintainer,
  // NVIDIA/nccl-tests#212; scaling book gpus.md). stepTime = NCCL ring/Simple hwLat on NVLink,
  // 3.4 µs (NVIDIA/nccl src/graph/tuning.cc). floor = LL protocol bandwidth ×1/4 (tuning.cc, older
  // release). simulator.md §2.3, §6.2.
  nvlink: { ceiling: 370 / 450, stepTime: 3.4e-6, floor: 0.25 },
  // InfiniBand: ≈86 of 100 GB/s measured across 2 A100 nodes (NVIDIA/nccl-tests#175).
  // stepTime = NCCL ring/Simple hwLat on NET, 14 µs (tuning.cc). floor as NVLink.
  infiniband: { ceiling: 0.86, stepTime: 14e-6, floor: 0.25 },
  // DCN: no measurements in simulator.md; ideal (assumption).
  dcn: { ceiling: 1, stepTime: 0, floor: 1 },
};

/** The fraction of `bandwidth` a hop of `hopBytes` achieves on `link`. */
export function linkEfficiency(link: LinkKind, hopBytes: number, bandwidth: number): number {
  const e = LINK_EFFICIENCY[link];
  const fill = bandwidth * e.stepTime;
  const curve = fill > 0 ? hopBytes / (hopBytes + fill) : 1;
  return e.ceiling * Math.max(e.floor, curve);
}

interface Level {
  readonly link: LinkKind;
  /** Devices in this level's group. */
  readonly size: number;
  /** Per-device ingress bandwidth along this level, bytes/s (both ring directions when wrapped). */
  readonly ingress: number;
  /** Per-direction link bandwidth for point-to-point and the efficiency curve. */
  readonly linkBandwidth: number;
  /** Σ hops·α of one pass over this level. */
  readonly latency: number;
  /** α of one hop on this level's slowest-latency axis. */
  readonly hopLatency: number;
  /** Bisection form of all-to-all: seconds per per-device byte within this level's group. */
  readonly allToAllPerByte: number;
}

function axisHops(a: AxisLink): number {
  if (a.size <= 1) return 0;
  if (a.shape === 'switch') return Math.ceil(Math.log2(a.size));
  if (a.shape === 'torus' && a.wraparound) return Math.floor(a.size / 2);
  return a.size - 1;
}

/** Seconds per per-device byte of a 1-D all-to-all on a torus dimension or ring (bisection). */
function ringAllToAllPerByte(a: AxisLink): number {
  const n = a.size;
  const pairs = Math.floor((n * n) / 4); // Σ distances per device, or the middle cut, times n
  if (a.shape === 'torus' && a.wraparound) return pairs / (n * 2 * a.bandwidth); // ≈ n/(8W)
  if (a.shape === 'torus') return pairs / (n * a.bandwidth); // line: ≈ n/(4W)
  return (n - 1) / (2 * a.bandwidth); // unidirectional ring
}

function levelsOf(axes: readonly string[], topo: Topology): Level[] {
  const seen = new Set<string>();
  const links: AxisLink[] = [];
  for (const name of axes) {
    const a = topo.axes.find((x) => x.axis === name);
    if (!a)
      throw new TopologyError(
        `collective over axis '${name}', which the topology does not have (it has ${topo.axes.map((x) => x.axis).join(', ')})`,
      );
    if (seen.has(name)) throw new TopologyError(`collective names axis '${name}' twice`);
    seen.add(name);
    if (a.size > 1) links.push(a);
  }
  const byKind = new Map<LinkKind, AxisLink[]>();
  for (const a of links) byKind.set(a.link, [...(byKind.get(a.link) ?? []), a]);
  const levels: Level[] = [];
  for (const [link, as] of byKind) {
    const own = as.filter((a) => a.shape !== 'switch');
    const sw = as.filter((a) => a.shape === 'switch');
    const swSize = sw.reduce((n, a) => n * a.size, 1);
    const swBw = sw.length ? Math.min(...sw.map((a) => a.bandwidth)) : 0;
    const ingress =
      own.reduce((s, a) => s + (a.shape === 'torus' && a.wraparound ? 2 : 1) * a.bandwidth, 0) +
      swBw;
    const latency =
      own.reduce((s, a) => s + axisHops(a) * a.latency, 0) +
      (sw.length ? Math.ceil(Math.log2(swSize)) * Math.max(...sw.map((a) => a.latency)) : 0);
    const size = as.reduce((n, a) => n * a.size, 1);
    const ringPerByte = own.length ? Math.max(...own.map(ringAllToAllPerByte)) : 0;
    const swPerByte = sw.length ? (swSize - 1) / swSize / swBw : 0;
    levels.push({
      link,
      size,
      ingress,
      linkBandwidth: Math.min(...as.map((a) => a.bandwidth)),
      latency,
      hopLatency: Math.max(...as.map((a) => a.latency)),
      allToAllPerByte: Math.max(ringPerByte, swPerByte),
    });
  }
  // Inner (fastest) levels first.
  return levels.sort((a, b) => b.ingress - a.ingress);
}

/**
 * One gather (or scatter) pass: every device ends with (N−1)/N·V bytes from the others. Level i
 * (group size D_i, S_i devices in the faster levels inside it) moves V·(D_i−1)/D_i spread over
 * S_i devices; each hop carries V/(D_i·S_i).
 */
function gatherPass(bytes: number, levels: readonly Level[], ideal: boolean): number {
  let inner = 1;
  let bw = 0;
  let lat = 0;
  for (const l of levels) {
    const moved = (bytes * (l.size - 1)) / l.size / inner;
    const hop = bytes / (l.size * inner);
    const eff = ideal ? 1 : linkEfficiency(l.link, hop, l.linkBandwidth);
    bw = Math.max(bw, moved / (l.ingress * eff));
    lat += l.latency;
    inner *= l.size;
  }
  return ideal ? bw : lat + bw;
}

function allToAll(bytes: number, levels: readonly Level[], ideal: boolean): number {
  const n = levels.reduce((p, l) => p * l.size, 1);
  let inner = 1;
  let bw = 0;
  let lat = 0;
  for (const l of levels) {
    // The share of a device's data addressed inside this level's group (D_i·S_i of N devices),
    // at the level's time per byte: (D_i−1)/D_i/W on a switch (so (D_i−1)·S_i/N of the data
    // leaves through the device's own port, the book's cross-node form), bisection on a torus.
    const share = (l.size * inner) / n;
    const eff = ideal ? 1 : linkEfficiency(l.link, bytes / n, l.linkBandwidth);
    bw = Math.max(bw, (bytes * share * l.allToAllPerByte) / eff);
    lat += l.latency;
    inner *= l.size;
  }
  return ideal ? bw : lat + bw;
}

function timeOf(
  kind: CollectiveKind,
  bytes: number,
  levels: readonly Level[],
  ideal: boolean,
): number {
  switch (kind) {
    case 'all-gather':
    case 'reduce-scatter':
      return gatherPass(bytes, levels, ideal);
    case 'all-reduce':
      // ReduceScatter then AllGather ("unless in-network reductions are enabled").
      return 2 * gatherPass(bytes, levels, ideal);
    case 'all-to-all':
      return allToAll(bytes, levels, ideal);
    case 'collective-permute': {
      // One neighbour hop on the slowest link involved, one direction.
      const slow = levels[levels.length - 1];
      const eff = ideal ? 1 : linkEfficiency(slow.link, bytes, slow.linkBandwidth);
      const lat = Math.max(...levels.map((l) => l.hopLatency));
      return bytes / (slow.linkBandwidth * eff) + (ideal ? 0 : lat);
    }
    case 'slice':
      return 0;
  }
}

function sentBytes(kind: CollectiveKind, bytes: number, n: number): number {
  switch (kind) {
    case 'all-gather':
    case 'reduce-scatter':
    case 'all-to-all':
      return (bytes * (n - 1)) / n;
    case 'all-reduce':
      return (2 * bytes * (n - 1)) / n;
    case 'collective-permute':
      return bytes;
    case 'slice':
      return 0;
  }
}

/**
 * Time of one collective over `axes` (major→minor) of the topology. `bytes` follows the scaling
 * book's V: all-gather: the gathered (result) bytes per device; reduce-scatter: the operand
 * (unreduced) bytes per device; all-reduce: the array bytes per device; all-to-all: the per-device
 * bytes; collective-permute: bytes sent. A 'slice' is local and free.
 */
export function collectiveCost(
  kind: CollectiveKind,
  bytes: number,
  axes: readonly string[],
  topo: Topology,
): CollectiveCost {
  const levels = levelsOf(axes, topo);
  if (levels.length === 0 || kind === 'slice' || bytes <= 0) return { timeS: 0, bytesSent: 0 };
  const n = levels.reduce((p, l) => p * l.size, 1);
  return { timeS: timeOf(kind, bytes, levels, false), bytesSent: sentBytes(kind, bytes, n) };
}

/**
 * The bandwidth-bound closed form: the same collective at full line rate with no latency (the
 * scaling book's "exact" (N−1)/N forms). A lower bound on collectiveCost's time.
 */
export function idealCollectiveTime(
  kind: CollectiveKind,
  bytes: number,
  axes: readonly string[],
  topo: Topology,
): number {
  const levels = levelsOf(axes, topo);
  if (levels.length === 0 || kind === 'slice' || bytes <= 0) return 0;
  return timeOf(kind, bytes, levels, true);
}

/** The V of a lowered collective record: see collectiveCost. */
export function collectiveRecordBytes(c: CollectiveRecord): number {
  const elems = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);
  const b = dtypeBytes(c.dtype);
  switch (c.kind) {
    case 'reduce-scatter':
      return elems(c.operandShape) * b;
    default:
      return elems(c.shape) * b;
  }
}

/** Adapter from the lowering's record (uses its shapes/dtype to get V). One execution; tripCount is the caller's. */
export function collectiveRecordCost(c: CollectiveRecord, topo: Topology): CollectiveCost {
  return collectiveCost(c.kind, collectiveRecordBytes(c), c.axes, topo);
}
