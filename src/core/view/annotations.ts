import type { Conflict } from '../sharding/conflict.ts';
import type { ShardingState } from '../sharding/state.ts';
import type { SpmdProgram } from '../spmd/lower.ts';
import type { ScopeTree } from './scope-tree.ts';

/**
 * What the sharding run adds to the scope tree, computed once per state / SPMD program / list of
 * conflicts and cached with it: which mesh axes each op and group uses (a bit mask over the mesh
 * axes, as the state's layouts keep it), where collectives were inserted, where propagation
 * stopped.
 */
export interface AxisMasks {
  readonly op: Uint32Array;
  readonly group: Uint32Array;
}

const maskCache = new WeakMap<ShardingState, WeakMap<ScopeTree, AxisMasks>>();

export function axisMasks(tree: ScopeTree, state: ShardingState): AxisMasks {
  let byTree = maskCache.get(state);
  if (!byTree) maskCache.set(state, (byTree = new WeakMap()));
  let m = byTree.get(tree);
  if (!m) byTree.set(tree, (m = computeMasks(tree, state)));
  return m;
}

function computeMasks(tree: ScopeTree, state: ShardingState): AxisMasks {
  const ops = tree.program.main.ops;
  const op = new Uint32Array(ops.length);
  const group = new Uint32Array(tree.groups.length);
  for (let i = 0; i < ops.length; i++) {
    let m = 0;
    for (const r of ops[i].results) if (!state.isClear(r)) m |= state.layoutOf(r).mask;
    op[i] = m;
    group[tree.opGroup[i]] |= m;
  }
  for (let g = tree.groups.length - 1; g > 0; g--) group[tree.groups[g].parent] |= group[g];
  return { op, group };
}

export function maskAxes(mask: number, axes: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < axes.length; i++) if (mask & (1 << i)) out.push(axes[i]);
  return out;
}

/** Collectives (indices into spmd.collectives) per op and per group (inclusive of descendants). */
export interface CollectivePlaces {
  /** By main-op index: the collectives reading one of its operands for it. */
  readonly op: ReadonlyMap<number, number[]>;
  /** By group index: counts by kind, descendants included. */
  readonly group: readonly Record<string, number>[];
  /** By group index: the collectives attached directly to it (its own scope). */
  readonly own: ReadonlyMap<number, number[]>;
}

const collCache = new WeakMap<SpmdProgram, WeakMap<ScopeTree, CollectivePlaces>>();

export function collectivePlaces(tree: ScopeTree, spmd: SpmdProgram): CollectivePlaces {
  let byTree = collCache.get(spmd);
  if (!byTree) collCache.set(spmd, (byTree = new WeakMap()));
  let c = byTree.get(tree);
  if (!c) byTree.set(tree, (c = placeCollectives(tree, spmd)));
  return c;
}

/** The group of a scope in a phase, or its nearest existing ancestor. */
export function nearestGroup(tree: ScopeTree, phase: string, scope: string): number {
  let s = scope;
  for (;;) {
    const g = tree.byId.get(`g:${phase}:${s}`);
    if (g !== undefined) return g;
    if (!s) return 0;
    const cut = s.lastIndexOf('/');
    s = cut < 0 ? '' : s.slice(0, cut);
  }
}

function placeCollectives(tree: ScopeTree, spmd: SpmdProgram): CollectivePlaces {
  const ops = tree.program.main.ops;
  const op = new Map<number, number[]>();
  const own = new Map<number, number[]>();
  const group: Record<string, number>[] = tree.groups.map(() => ({}));
  spmd.collectives.forEach((c, index) => {
    if (c.kind === 'slice') return; // local slices move nothing
    const g = nearestGroup(tree, c.phase, c.scope);
    let list = own.get(g);
    if (!list) own.set(g, (list = []));
    list.push(index);
    for (let i = g; i >= 0; i = tree.groups[i].parent)
      group[i][c.kind] = (group[i][c.kind] ?? 0) + 1;
    // the consumer: an op of the same scope and phase that reads the resharded value
    const v = c.value;
    if (v < 0 || v + 1 >= tree.useStart.length) return;
    for (let u = tree.useStart[v]; u < tree.useStart[v + 1]; u++) {
      const o = ops[tree.useOps[u]];
      if (o.scope === c.scope && o.phase === c.phase) {
        let l = op.get(tree.useOps[u]);
        if (!l) op.set(tree.useOps[u], (l = []));
        l.push(index);
        break;
      }
    }
  });
  return { op, group, own };
}

/** Conflicts per op (main-op index) and per group (count, descendants included). */
export interface ConflictPlaces {
  readonly op: ReadonlyMap<number, Conflict[]>;
  readonly group: Int32Array;
}

const conflictCache = new WeakMap<readonly Conflict[], WeakMap<ScopeTree, ConflictPlaces>>();

export function conflictPlaces(tree: ScopeTree, conflicts: readonly Conflict[]): ConflictPlaces {
  let byTree = conflictCache.get(conflicts);
  if (!byTree) conflictCache.set(conflicts, (byTree = new WeakMap()));
  let c = byTree.get(tree);
  if (!c) {
    const op = new Map<number, Conflict[]>();
    const group = new Int32Array(tree.groups.length);
    for (const k of conflicts) {
      const i = k.opId < tree.opIndex.length ? tree.opIndex[k.opId] : -1;
      const g =
        i >= 0
          ? tree.opGroup[i]
          : nearestGroup(tree, tree.program.main.ops[0]?.phase ?? 'forward', k.scope);
      if (i >= 0) {
        let l = op.get(i);
        if (!l) op.set(i, (l = []));
        l.push(k);
      }
      for (let j = g; j >= 0; j = tree.groups[j].parent) group[j]++;
    }
    byTree.set(tree, (c = { op, group }));
  }
  return c;
}
