// Layout of the visible graph, one container at a time: every open group lays out its direct
// children (collapsed groups, ops, and open subgroups already laid out, as boxes of their size)
// with the edges between them lifted to that level. A container's layout depends only on its
// children's sizes and those lifted edges, so it is cached under that key: expanding one layer
// re-lays that layer and its ancestors, not the rest of the model. Pure: the layout worker runs
// it with elkjs, tests with any function.
import type { ElkNode } from 'elkjs/lib/elk-api';

export interface LayoutNodeIn {
  readonly id: string;
  readonly parent: string;
  readonly kind: 'group' | 'op' | 'more';
  /** Open groups are containers: their size comes from their children. */
  readonly open: boolean;
}

export interface LayoutEdgeIn {
  readonly source: string;
  readonly target: string;
}

export interface LayoutRequest {
  readonly nodes: readonly LayoutNodeIn[];
  readonly edges: readonly LayoutEdgeIn[];
}

/** Position relative to the parent container, and size. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export type LayoutResult = Record<string, Box>;

export type ElkLayout = (graph: ElkNode) => Promise<ElkNode>;

export const NODE_SIZE = {
  group: { width: 210, height: 64 },
  op: { width: 176, height: 50 },
  more: { width: 140, height: 34 },
} as const;

/** Room for a container's header (its label and chevron) and its border. */
export const PAD = { top: 34, side: 14, bottom: 14 } as const;

export class LayoutCache {
  private readonly map = new Map<string, { size: { w: number; h: number }; pos: LayoutResult }>();
  hits = 0;
  misses = 0;
  constructor(private readonly limit = 2000) {}
  get(key: string) {
    const v = this.map.get(key);
    if (v) {
      this.hits++;
      // keep recently used layouts: re-insert at the end
      this.map.delete(key);
      this.map.set(key, v);
    } else this.misses++;
    return v;
  }
  set(key: string, v: { size: { w: number; h: number }; pos: LayoutResult }) {
    this.map.set(key, v);
    if (this.map.size > this.limit) this.map.delete(this.map.keys().next().value!);
  }
}

/** Containers from the deepest up, so every open child is sized before its parent. */
function containersBottomUp(nodes: readonly LayoutNodeIn[]): string[] {
  const depth = new Map<string, number>([['', 0]]);
  for (const n of nodes) depth.set(n.id, (depth.get(n.parent) ?? 0) + 1);
  const ids = ['', ...nodes.filter((n) => n.open).map((n) => n.id)];
  return ids.sort((a, b) => depth.get(b)! - depth.get(a)!);
}

export async function layoutGraph(
  req: LayoutRequest,
  elk: ElkLayout,
  cache: LayoutCache,
): Promise<LayoutResult> {
  const byId = new Map(req.nodes.map((n) => [n.id, n]));
  const children = new Map<string, LayoutNodeIn[]>();
  for (const n of req.nodes) {
    let l = children.get(n.parent);
    if (!l) children.set(n.parent, (l = []));
    l.push(n);
  }
  // each edge lifted to the container holding both ends' ancestors as direct children
  const lifted = new Map<string, Set<string>>();
  const chain = (id: string) => {
    const out: string[] = [];
    for (let c: string | undefined = id; c; c = byId.get(c)?.parent) out.push(c);
    return out.reverse(); // top first
  };
  for (const e of req.edges) {
    const a = chain(e.source);
    const b = chain(e.target);
    let k = 0;
    while (k < a.length && k < b.length && a[k] === b[k]) k++;
    if (k >= a.length || k >= b.length) continue; // one contains the other
    const container = k === 0 ? '' : a[k - 1];
    let s = lifted.get(container);
    if (!s) lifted.set(container, (s = new Set()));
    s.add(`${a[k]}\u0000${b[k]}`);
  }
  const size = new Map<string, { w: number; h: number }>();
  const out: Record<string, Box> = {};
  for (const c of containersBottomUp(req.nodes)) {
    const kids = children.get(c) ?? [];
    const dims = kids.map((k) => {
      const s = k.open ? size.get(k.id)! : undefined;
      const base = NODE_SIZE[k.kind];
      return { id: k.id, w: s?.w ?? base.width, h: s?.h ?? base.height };
    });
    const edges = [...(lifted.get(c) ?? [])].sort();
    const key = `${c}|${dims.map((d) => `${d.id}:${d.w}x${d.h}`).join(',')}|${edges.join(',')}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = await layoutOne(c, dims, edges, elk);
      cache.set(key, hit);
    }
    size.set(c, hit.size);
    for (const k of kids) {
      const p = hit.pos[k.id];
      const s = k.open
        ? size.get(k.id)!
        : { w: NODE_SIZE[k.kind].width, h: NODE_SIZE[k.kind].height };
      out[k.id] = { x: p.x, y: p.y, width: s.w, height: s.h };
    }
  }
  return out;
}

async function layoutOne(
  container: string,
  dims: readonly { id: string; w: number; h: number }[],
  edges: readonly string[],
  elk: ElkLayout,
): Promise<{ size: { w: number; h: number }; pos: LayoutResult }> {
  const top = container === '';
  const graph: ElkNode = {
    id: container || 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      // the phases one under the other; inside them the dataflow runs left to right, which fits
      // the wide graph pane
      'elk.direction': top ? 'DOWN' : 'RIGHT',
      'elk.spacing.nodeNode': top ? '30' : '14',
      'elk.layered.spacing.nodeNodeBetweenLayers': top ? '30' : '36',
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.padding': top
        ? '[top=10,left=10,bottom=10,right=10]'
        : `[top=${PAD.top},left=${PAD.side},bottom=${PAD.bottom},right=${PAD.side}]`,
    },
    children: dims.map((d) => ({ id: d.id, width: d.w, height: d.h })),
    edges: edges.map((e, i) => {
      const [s, t] = e.split('\u0000');
      return { id: `l${i}`, sources: [s], targets: [t] };
    }),
  };
  const res = await elk(graph);
  const pos: Record<string, Box> = {};
  for (const c of res.children ?? [])
    pos[c.id] = { x: c.x ?? 0, y: c.y ?? 0, width: c.width ?? 0, height: c.height ?? 0 };
  return { size: { w: Math.ceil(res.width ?? 0), h: Math.ceil(res.height ?? 0) }, pos };
}
