import type { ScopeTree } from './scope-tree.ts';

/** What a search finds: groups and ops to highlight, and the groups to open to show them. */
export interface SearchHits {
  /** By group index: 1 when the group or something inside it matches. */
  readonly group: Uint8Array;
  /** Main-op indices that match. */
  readonly ops: ReadonlySet<number>;
  /** Group ids to expand, ancestors first. */
  readonly expand: readonly string[];
}

/** At most this many places are opened for one search, so a broad query cannot flood the graph. */
export const MAX_SEARCH_TARGETS = 24;

/**
 * Case-insensitive substring search over group scopes, op kinds and result names. A group
 * whose parent already matches is not a target of its own; an op is a target only when its
 * group does not match (searching `mlp` opens the MLP groups, not every op inside them).
 */
export function searchTree(tree: ScopeTree, text: string): SearchHits {
  const t = text.trim().toLowerCase();
  const group = new Uint8Array(tree.groups.length);
  const ops = new Set<number>();
  const expand: string[] = [];
  if (!t) return { group, ops, expand };
  const seen = new Set<string>();
  const open = (g: number, self: boolean) => {
    const chain: string[] = [];
    for (let i = self ? g : tree.groups[g].parent; i > 0; i = tree.groups[i].parent)
      chain.push(tree.groups[i].id);
    for (let k = chain.length - 1; k >= 0; k--)
      if (!seen.has(chain[k])) {
        seen.add(chain[k]);
        expand.push(chain[k]);
      }
  };
  const mark = (g: number) => {
    for (let i = g; i >= 0 && !group[i]; i = tree.groups[i].parent) group[i] = 1;
  };
  const own = new Uint8Array(tree.groups.length);
  let targets = 0;
  for (const g of tree.groups) {
    if (g.index === 0 || !g.scope.toLowerCase().includes(t)) continue;
    own[g.index] = 1;
    mark(g.index);
    if (!own[g.parent] && targets < MAX_SEARCH_TARGETS) {
      open(g.index, false);
      targets++;
    }
  }
  const prog = tree.program;
  const opsList = prog.main.ops;
  for (let i = 0; i < opsList.length; i++) {
    const op = opsList[i];
    let hit = op.kind.toLowerCase().includes(t);
    if (!hit)
      for (const r of op.results)
        if (prog.values[r].name.toLowerCase().includes(t)) {
          hit = true;
          break;
        }
    if (!hit) continue;
    ops.add(i);
    const g = tree.opGroup[i];
    mark(g);
    if (!own[g] && targets < MAX_SEARCH_TARGETS) {
      open(g, true);
      targets++;
    }
  }
  return { group, ops, expand };
}
