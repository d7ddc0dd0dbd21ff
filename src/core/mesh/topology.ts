/**
 * Physical topology: which link each mesh axis runs on. TPU axes run on ICI torus dimensions
 * (a bidirectional ring when the dimension wraps around, a line otherwise) and on DCN beyond the
 * pod; GPU axes run on NVLink inside a node and on InfiniBand across nodes.
 */
import { meshToString, type Mesh } from './mesh.ts';
import { LINK_KINDS, type Hardware, type LinkKind } from './hardware.ts';

export interface AxisLink {
  readonly axis: string;
  readonly size: number;
  readonly link: LinkKind;
  /** Per-device unidirectional bytes/s available to a collective along this axis. */
  readonly bandwidth: number;
  /** Seconds per hop. */
  readonly latency: number;
  /** 'torus': a TPU torus dimension (bidirectional ring if wraparound, else a line); 'switch': all-to-all connected (NVLink switch, IB fat tree); 'ring'. */
  readonly shape: 'torus' | 'switch' | 'ring';
  readonly wraparound: boolean;
}

export interface Topology {
  readonly hardware: Hardware;
  readonly axes: readonly AxisLink[];
}

export class TopologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopologyError';
  }
}

/**
 * The axis size from which an ICI axis has a wraparound link. TPU v4/v5p are built from 4×4×4
 * cubes joined by optical switches: a dimension wraps on multiples of 4 (scaling book, tpus.md;
 * Cloud-v4). The 2D tori (v3, v5e, v6e) wrap only along a full pod dimension (16 on v5e/v6e: an
 * 8×16 slice wraps on its long axis). simulator.md §2.1, "Topology facts".
 */
export function wrapUnit(hw: Hardware): number {
  if (!hw.torus) return Infinity;
  return hw.torus.dims.length >= 3 ? 4 : Math.max(...hw.torus.dims);
}

function iciWraps(hw: Hardware, size: number): boolean {
  return !!hw.torus?.wraparound && size % wrapUnit(hw) === 0;
}

function axisOn(
  hw: Hardware,
  axis: string,
  size: number,
  link: LinkKind,
  shape: AxisLink['shape'],
  wraparound: boolean,
  bandwidth?: number,
): AxisLink {
  const l = hw.links[link];
  if (!l) throw new TopologyError(`${hw.name} has no ${link} links; it has ${linkList(hw)}`);
  return {
    axis,
    size,
    link,
    bandwidth: bandwidth ?? l.bandwidth,
    latency: l.latency,
    shape,
    wraparound,
  };
}

function linkList(hw: Hardware): string {
  const ks = LINK_KINDS.filter((k) => hw.links[k]);
  return ks.length ? ks.join(', ') : 'none';
}

/**
 * Effective per-device bandwidth of an axis of size n = g·k that straddles the fast domain: g of
 * its devices share a fast domain, k domains talk over the slow link. The hierarchical AllGather
 * takes V·max((g−1)/(g·W_fast), (k−1)/(k·g·W_slow)) (scaling book, gpus.md, "precise tree form";
 * simulator.md §1.4); the bandwidth returned gives that time through the ring formula
 * (n−1)/n·V/W. AllToAll is not hierarchical, so it is optimistic there.
 */
function straddleBandwidth(n: number, g: number, wFast: number, wSlow: number): number {
  const k = n / g;
  const perByte = Math.max((g - 1) / (g * wFast), (k - 1) / (k * g * wSlow));
  return (n - 1) / n / perByte;
}

/**
 * Minor mesh axes on the fastest links. Walking the axes minor to major, an axis stays on the fast
 * link (TPU: ICI torus; GPU: NVLink) while the product of the axes so far fits the fast domain
 * (`nodeSize`: the pod, or the NVLink node). The axis that crosses the boundary is placed on the
 * slow link (DCN for TPUs, InfiniBand for GPUs) with the hierarchical effective bandwidth when the
 * fast domain holds a whole number of its groups (e.g. model=16 on H100: 8 GPUs on NVLink inside
 * each of 2 nodes); otherwise, and for every axis beyond, at the slow link's own bandwidth. Size-1
 * axes sit on the fast link. No cluster size is modelled: GPUs never go to DCN by default.
 */
export function defaultTopology(mesh: Mesh, hw: Hardware): Topology {
  const isTpu = !!hw.links.ici;
  const fast: LinkKind | undefined = isTpu ? 'ici' : hw.links.nvlink ? 'nvlink' : undefined;
  const slow: LinkKind | undefined = isTpu
    ? hw.links.dcn
      ? 'dcn'
      : undefined
    : hw.links.infiniband
      ? 'infiniband'
      : hw.links.dcn
        ? 'dcn'
        : undefined;
  const out: AxisLink[] = new Array(mesh.axes.length);
  let inner = 1; // product of the axes already placed, minor side
  for (let i = mesh.axes.length - 1; i >= 0; i--) {
    const { name, size } = mesh.axes[i];
    const fits = inner * size <= hw.nodeSize;
    if (fast && (fits || size === 1)) {
      out[i] = isTpu
        ? axisOn(hw, name, size, 'ici', 'torus', iciWraps(hw, size))
        : axisOn(hw, name, size, fast, 'switch', false);
    } else {
      if (!slow) {
        const reason = fast
          ? `the mesh ${meshToString(mesh)} needs ${inner * size} devices along its minor axes up to '${name}', but one ${hw.name} ${isTpu ? 'pod' : 'node'} holds ${hw.nodeSize} and ${hw.name} has no ${isTpu ? 'dcn' : 'infiniband or dcn'} link`
          : `${hw.name} has no links to place mesh axis '${name}' (size ${size}) on`;
        throw new TopologyError(reason);
      }
      const g = inner < hw.nodeSize && hw.nodeSize % inner === 0 ? hw.nodeSize / inner : 1;
      const straddles = fast !== undefined && g > 1 && size % g === 0;
      if (straddles) {
        const fastW =
          fast === 'ici' && iciWraps(hw, g)
            ? 2 * hw.links.ici!.bandwidth
            : hw.links[fast]!.bandwidth;
        const bw = straddleBandwidth(size, g, fastW, hw.links[slow]!.bandwidth);
        out[i] = axisOn(hw, name, size, slow, 'switch', false, bw);
      } else out[i] = axisOn(hw, name, size, slow, 'switch', false);
    }
    inner *= size;
  }
  return { hardware: hw, axes: out };
}

/**
 * Explicit mapping: `axis=kind[:modifier]`, comma-separated, e.g. "model=nvlink,data=infiniband" or
 * "x=ici,y=ici:nowrap,pod=dcn". Kinds: ici, nvlink, infiniband (or ib), dcn. Modifiers: `wrap` /
 * `nowrap` (ici only; the default follows the hardware, see wrapUnit) and `ring` (a unidirectional
 * ring instead of a torus dimension or a switch). Every mesh axis must be mapped once; the
 * NVLink axes together must fit one node.
 */
export function parseTopology(text: string, mesh: Mesh, hw: Hardware): Topology {
  const byAxis = new Map<string, AxisLink>();
  const meshText = meshToString(mesh);
  for (const part of text.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([^=\s]+)\s*=\s*([a-z]+)(?::([a-z]+))?$/.exec(p);
    if (!m)
      throw new TopologyError(
        `topology entry '${p}' is not axis=link[:modifier] (e.g. model=nvlink, y=ici:nowrap)`,
      );
    const [, axis, kindText, modifier] = m;
    const meshAxis = mesh.axes.find((a) => a.name === axis);
    if (!meshAxis)
      throw new TopologyError(
        `topology maps axis '${axis}', which the mesh ${meshText} does not have`,
      );
    if (byAxis.has(axis)) throw new TopologyError(`topology maps axis '${axis}' twice`);
    const kind = (kindText === 'ib' ? 'infiniband' : kindText) as LinkKind;
    if (!LINK_KINDS.includes(kind))
      throw new TopologyError(
        `unknown link '${kindText}' for axis '${axis}'; use ici, nvlink, infiniband (ib) or dcn`,
      );
    if (!hw.links[kind])
      throw new TopologyError(
        `axis '${axis}' is mapped to ${kind}, but ${hw.name} has no ${kind} links; it has ${linkList(hw)}`,
      );
    if (modifier !== undefined && !['wrap', 'nowrap', 'ring'].includes(modifier))
      throw new TopologyError(
        `unknown modifier ':${modifier}' for axis '${axis}'; use :wrap, :nowrap (ici) or :ring`,
      );
    if ((modifier === 'wrap' || modifier === 'nowrap') && kind !== 'ici')
      throw new TopologyError(
        `axis '${axis}': ':${modifier}' applies to ici torus dimensions only, not ${kind}`,
      );
    const size = meshAxis.size;
    let link: AxisLink;
    if (modifier === 'ring') link = axisOn(hw, axis, size, kind, 'ring', true);
    else if (kind === 'ici') {
      const wrap = modifier === 'wrap' ? true : modifier === 'nowrap' ? false : iciWraps(hw, size);
      link = axisOn(hw, axis, size, kind, 'torus', wrap);
    } else link = axisOn(hw, axis, size, kind, 'switch', false);
    byAxis.set(axis, link);
  }
  for (const a of mesh.axes)
    if (!byAxis.has(a.name))
      throw new TopologyError(
        `topology does not map mesh axis '${a.name}'; map every axis of ${meshText}, e.g. ${a.name}=${hw.links.ici ? 'ici' : 'nvlink'}`,
      );
  const axes = mesh.axes.map((a) => byAxis.get(a.name)!);
  for (const kind of ['nvlink', 'ici'] as const) {
    const on = axes.filter((a) => a.link === kind);
    const devices = on.reduce((n, a) => n * a.size, 1);
    if (devices > hw.nodeSize)
      throw new TopologyError(
        `${kind} axes ${on.map((a) => `${a.axis}=${a.size}`).join(',')} span ${devices} devices, but one ${hw.name} ${kind === 'ici' ? 'pod' : 'NVLink node'} holds ${hw.nodeSize}`,
      );
  }
  return { hardware: hw, axes };
}

/** The link of one mesh axis. */
export function axisLink(topo: Topology, axis: string): AxisLink {
  const a = topo.axes.find((x) => x.axis === axis);
  if (!a)
    throw new TopologyError(
      `the topology has no axis '${axis}'; it has ${topo.axes.map((x) => x.axis).join(', ')}`,
    );
  return a;
}
