import type { Phase } from '../ir/program.ts';
import {
  axisMasks,
  collectivePlaces,
  conflictPlaces,
  maskAxes,
  type CollectivePlaces,
  type ConflictPlaces,
} from './annotations.ts';
import type { ViewContext } from './context.ts';
import { scopeTreeOf, type Group, type ScopeTree } from './scope-tree.ts';
import { searchTree, type SearchHits } from './search.ts';
import {
  MAX_NODES,
  type GraphEdge,
  type GraphNode,
  type GraphRequest,
  type GraphView,
} from './types.ts';

/** An open group draws at most this many of its own ops; the rest become one summary node. */
export const MAX_OPS_PER_GROUP = 60;

const NO_COLLECTIVES: Readonly<Record<string, number>> = Object.freeze({});

/** Where a group or op went in this view: drawn as node n, open (its children are drawn), or hidden. */
const OPEN = -2;
const HIDDEN = -1;

interface Build {
  readonly ctx: ViewContext;
  readonly tree: ScopeTree;
  readonly axes: readonly string[];
  readonly masks: ReturnType<typeof axisMasks>;
  readonly colls: CollectivePlaces | undefined;
  readonly conflicts: ConflictPlaces;
  readonly hits: SearchHits;
  readonly nodes: GraphNode[];
  /** Per group: OPEN, HIDDEN or the node index drawing it. */
  readonly groupNode: Int32Array;
  /** Per main op: the node index drawing it (op or summary), or -1 when its group is not open. */
  readonly opNode: Int32Array;
}

/**
 * The visible graph for a set of expanded groups: collapsed groups are single nodes with their
 * totals, open ones show their subgroups and ops (phase groups are always open), edges join
 * visible nodes with the bytes of the distinct values crossing. Opening stops at `cap` nodes, in
 * breadth-first order, so a 96-layer training step with everything expanded still draws at most
 * a few hundred; what was refused is listed. A search opens the groups its matches sit in.
 */
export function buildGraphView(ctx: ViewContext, req: GraphRequest): GraphView {
  const tree = scopeTreeOf(ctx.program);
  const axes = ctx.mesh.axes.map((a) => a.name);
  const hits = searchTree(tree, req.search ?? '');
  const b: Build = {
    ctx,
    tree,
    axes,
    masks: axisMasks(tree, ctx.schedule.final),
    colls: ctx.spmd ? collectivePlaces(tree, ctx.spmd) : undefined,
    conflicts: conflictPlaces(tree, ctx.schedule.conflicts),
    hits,
    nodes: [],
    groupNode: new Int32Array(tree.groups.length).fill(HIDDEN),
    opNode: new Int32Array(tree.program.main.ops.length).fill(-1),
  };
  const wanted = new Set<string>([...req.expanded, ...hits.expand]);
  const refused = openGroups(b, wanted, req.cap ?? MAX_NODES);
  return {
    nodes: b.nodes,
    edges: visibleEdges(b),
    axes,
    phases: tree.phases,
    refused,
    matches: hits.expand,
    totalOps: tree.groups[0].opCount,
  };
}

/** Breadth-first from the root: a wanted group opens if its children still fit under the cap. */
function openGroups(b: Build, wanted: ReadonlySet<string>, cap: number): string[] {
  const { tree } = b;
  const refused: string[] = [];
  b.groupNode[0] = OPEN;
  // one phase: its group is the whole model, drawn open without a node of its own
  const queue: number[] = [];
  if (tree.phases.length === 1) {
    const g = tree.groups[0].children[0];
    b.groupNode[g] = OPEN;
    queue.push(g);
  } else queue.push(0);
  // nodes promised to groups approved open whose children are not drawn yet
  let reserved = 0;
  const cost = (g: Group) => g.children.length + Math.min(g.ops.length, MAX_OPS_PER_GROUP);
  const open = (g: number) => {
    b.groupNode[g] = OPEN;
    reserved += cost(tree.groups[g]);
    queue.push(g);
  };
  while (queue.length) {
    const g = tree.groups[queue.shift()!];
    if (g.index !== 0 && !isImplicit(b, g)) reserved -= cost(g);
    const parentId = g.index === 0 || isImplicit(b, g) ? '' : g.id;
    for (const c of g.children) {
      const child = tree.groups[c];
      // phase groups are containers, always open
      if (child.parent === 0 && tree.phases.length > 1) {
        b.groupNode[c] = b.nodes.length;
        b.nodes.push(groupNode(b, child, parentId, true));
        open(c);
        continue;
      }
      b.groupNode[c] = b.nodes.length;
      b.nodes.push(groupNode(b, child, parentId, false));
    }
    const shown = Math.min(g.ops.length, MAX_OPS_PER_GROUP);
    for (let k = 0; k < g.ops.length; k++) {
      const i = g.ops[k];
      if (k < shown - (g.ops.length > shown ? 1 : 0)) {
        b.opNode[i] = b.nodes.length;
        b.nodes.push(opNode(b, i, parentId));
      } else {
        if (b.opNode[g.ops[k - 1]] >= 0 && b.nodes[b.opNode[g.ops[k - 1]]].kind === 'more')
          b.opNode[i] = b.opNode[g.ops[k - 1]];
        else {
          b.opNode[i] = b.nodes.length;
          b.nodes.push(moreNode(b, g, parentId, g.ops.length - k));
        }
      }
    }
    // the children that were asked open, if they fit (their own children replace their node)
    for (const c of g.children) {
      const child = tree.groups[c];
      if (b.groupNode[c] === OPEN || !wanted.has(child.id)) continue;
      if (b.nodes.length + reserved + cost(child) > cap) {
        refused.push(child.id);
        continue;
      }
      const n = b.nodes[b.groupNode[c]] as { expanded: boolean };
      n.expanded = true;
      open(c);
    }
  }
  return refused;
}

/** The single phase group of a one-phase program is open but has no node. */
function isImplicit(b: Build, g: Group): boolean {
  return b.tree.phases.length === 1 && g.parent === 0;
}

function groupNode(b: Build, g: Group, parent: string, container: boolean): GraphNode {
  return {
    id: g.id,
    kind: 'group',
    parent,
    label: g.label,
    scope: g.scope,
    phase: g.phase as Phase,
    depth: g.depth,
    expanded: container,
    expandable: !container && (g.children.length > 0 || g.ops.length > 0),
    ops: g.opCount,
    flops: g.flops,
    bytes: g.bytes,
    axes: maskAxes(b.masks.group[g.index], b.axes),
    collectives: b.colls ? b.colls.group[g.index] : NO_COLLECTIVES,
    conflicts: b.conflicts.group[g.index],
    match: b.hits.group[g.index] === 1,
  };
}

function opNode(b: Build, i: number, parent: string): GraphNode {
  const { tree } = b;
  const op = tree.program.main.ops[i];
  const state = b.ctx.schedule.final;
  const r = op.results[0];
  const v = r === undefined ? undefined : tree.program.values[r];
  const counts: Record<string, number> = {};
  for (const c of b.colls?.op.get(i) ?? []) {
    const k = b.ctx.spmd!.collectives[c].kind;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return {
    id: `op:${op.id}`,
    kind: 'op',
    parent,
    label: v?.name ? `${op.kind} ${v.name}` : op.kind,
    scope: op.scope,
    phase: op.phase,
    depth: tree.groups[tree.opGroup[i]].depth + 1,
    expanded: false,
    expandable: false,
    ops: tree.opOps[i],
    flops: tree.opFlops[i],
    bytes: tree.opBytes[i],
    axes: maskAxes(b.masks.op[i], b.axes),
    opKind: op.kind,
    opId: op.id,
    ...(v
      ? {
          value: v.id,
          shape: v.type.shape,
          dims: state.dimsOf(v.id),
          partial: state.partialOf(v.id),
        }
      : {}),
    collectives: counts,
    conflicts: b.conflicts.op.get(i)?.length ?? 0,
    match: b.hits.ops.has(i),
  };
}

function moreNode(b: Build, g: Group, parent: string, left: number): GraphNode {
  return {
    id: `more:${g.id}`,
    kind: 'more',
    parent,
    label: `+${left} more ops`,
    scope: g.scope,
    phase: g.phase as Phase,
    depth: g.depth + 1,
    expanded: false,
    expandable: false,
    ops: left,
    flops: 0,
    bytes: 0,
    axes: [],
    collectives: NO_COLLECTIVES,
    conflicts: 0,
    match: false,
  };
}

/** Where an op is drawn: itself, its group's summary node, or its nearest drawn ancestor group. */
function drawnAt(b: Build, i: number): number {
  if (b.opNode[i] >= 0) return b.opNode[i];
  const { tree } = b;
  for (let g = tree.opGroup[i]; g > 0; g = tree.groups[g].parent) {
    const n = b.groupNode[g];
    if (n >= 0) {
      // remember it for the op's other edges (groups are closed: every op of g lands here)
      b.opNode[i] = n;
      return n;
    }
  }
  return -1;
}

/** Edges between drawn nodes: per (source, target) the distinct values crossing and their bytes. */
function visibleEdges(b: Build): GraphEdge[] {
  const { tree, nodes } = b;
  const n = nodes.length;
  const acc = new Map<number, { bytes: number; values: number; value: number }>();
  const seen: number[] = [];
  const nv = tree.valueDef.length;
  for (let v = 0; v < nv; v++) {
    const d = tree.valueDef[v];
    if (d < 0) continue;
    const start = tree.useStart[v];
    const end = tree.useStart[v + 1];
    if (start === end) continue;
    const s = drawnAt(b, d);
    if (s < 0) continue;
    seen.length = 0;
    for (let u = start; u < end; u++) {
      const t = drawnAt(b, tree.useOps[u]);
      if (t < 0 || t === s || seen.includes(t)) continue;
      seen.push(t);
      const key = s * n + t;
      const e = acc.get(key);
      if (e) {
        e.bytes += tree.valueBytes[v];
        e.values++;
      } else acc.set(key, { bytes: tree.valueBytes[v], values: 1, value: v });
    }
  }
  const out: GraphEdge[] = [];
  for (const [key, e] of acc) {
    const s = Math.floor(key / n);
    const t = key % n;
    out.push({
      id: `e:${nodes[s].id}>${nodes[t].id}`,
      source: nodes[s].id,
      target: nodes[t].id,
      bytes: e.bytes,
      values: e.values,
      value: e.value,
    });
  }
  return out;
}
