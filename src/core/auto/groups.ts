import type { Program, Value } from '../ir/program.ts';
import { dtypeBytes } from '../ir/dtype.ts';
import { graphIndexOf } from '../tactics/apply.ts';
import type { Tactic } from '../tactics/tactic.ts';

/**
 * A set of parameter dimensions that must be sharded together (TOAST's named dimensions,
 * Shardy's factors closed over the program): sharding one of them on an axis makes propagation
 * shard all of them, so one search decision covers the whole set. Repeated layers fold into one
 * group: members are named with the layer index replaced by `*`.
 */
export interface DimGroup {
  /** Short readable name, e.g. `layers/*\/mlp/wi:1 +3`. */
  readonly label: string;
  /** Members as `name:dim` with layer indices folded (`layers/*\/attn/wq:1`), sorted. */
  readonly members: readonly string[];
  /** Bytes of the parameters the group shards (all layers). */
  readonly paramBytes: number;
  /** The tile tactics that seed the group on an axis (one per distinct dim), axis left as `?`. */
  readonly tactics: readonly Tactic[];
}

const LAYER = /(^|\/)(layers|blocks)\/\d+(?=\/)/;

/** The name with its layer index folded: `layers/3/attn/wq` → `layers/*\/attn/wq`. */
export function foldLayers(name: string): string {
  return name.replace(LAYER, '$1$2/*');
}

/** Regex metacharacters as one-character classes: no backslashes, so the pattern reads the
 *  same in the schedule text, in JSON and in the regex. */
function escapeRegex(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, (c) => (c === '^' ? '\\^' : `[${c}]`));
}

/** A name pattern matching every layer's copy of the folded name. */
function unfoldPattern(folded: string): string {
  return folded.split('*').map(escapeRegex).join('[0-9]+');
}

/**
 * Whether a class may be named with folded layer indices: it lies inside one layer and every
 * layer has its copy (`repeats` classes share its folded members), or it holds every layer's copy of each of its names (a group
 * that runs through all layers, like the residual stream). A chain that links two layers only
 * (an MLP's hidden activation: one layer's output dim, the next one's input dim) keeps its names.
 */
function foldable(
  list: readonly { v: Value }[],
  copies: ReadonlyMap<string, number>,
  repeats: number,
): boolean {
  const layers = new Set<string>();
  const count = new Map<string, Set<string>>();
  for (const { v } of list) {
    const m = LAYER.exec(v.name);
    if (!m) continue;
    layers.add(m[0]);
    const f = foldLayers(v.name);
    let s = count.get(f);
    if (!s) count.set(f, (s = new Set()));
    s.add(v.name);
  }
  // inside one layer: a group only if every layer has its copy of the class
  if (layers.size <= 1) return [...count.keys()].every((f) => copies.get(f) === repeats);
  for (const [f, names] of count) if (names.size !== copies.get(f)) return false;
  return true;
}

class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/**
 * The dimension groups of a program's parameters, largest first. Two tensor dims are in one
 * class when an op's factor rule maps both to the same single pass-through or reduction factor
 * (the factors propagation follows); dims of merged factors (reshapes into compound dims) and
 * ops without a rule are left out, as propagation's conservative mode leaves them.
 */
export function dimGroups(program: Program): DimGroup[] {
  const offset = new Int32Array(program.values.length + 1);
  for (let v = 0; v < program.values.length; v++)
    offset[v + 1] = offset[v] + program.values[v].type.shape.length;
  const uf = new UnionFind(offset[program.values.length]);
  const index = graphIndexOf(program);
  for (const op of program.main.ops) {
    const rule = index.rule(op);
    if (!rule || rule.conservative) continue;
    const first = new Int32Array(rule.factorSizes.length).fill(-1);
    const visit = (value: number, mapping: readonly (readonly number[])[] | undefined) => {
      if (!mapping) return;
      for (let d = 0; d < mapping.length; d++) {
        if (mapping[d].length !== 1) continue;
        const f = mapping[d][0];
        const kind = rule.factorKinds[f];
        if (kind !== 'passThrough' && kind !== 'reduction') continue;
        const key = offset[value] + d;
        if (first[f] < 0) first[f] = key;
        else uf.union(first[f], key);
      }
    };
    op.operands.forEach((v, i) => visit(v, rule.operands[i]));
    op.results.forEach((v, i) => visit(v, rule.results[i]));
  }
  const params = program.main.params
    .map((id) => program.values[id])
    .filter((v) => v.role === 'param');
  const byRoot = new Map<number, { v: Value; d: number }[]>();
  for (const v of params)
    v.type.shape.forEach((n, d) => {
      if (n <= 1) return;
      const r = uf.find(offset[v.id] + d);
      let list = byRoot.get(r);
      if (!list) byRoot.set(r, (list = []));
      list.push({ v, d });
    });
  // how many layer copies each folded name has, to tell a class that covers every layer
  const copies = new Map<string, number>();
  for (const v of params) copies.set(foldLayers(v.name), (copies.get(foldLayers(v.name)) ?? 0) + 1);
  // classes with the same folded members are one layer-repeated group
  const groups = new Map<
    string,
    { members: string[]; bytes: number; byDim: Map<number, Set<string>> }
  >();
  const classes = [...byRoot.values()];
  const signature = (list: readonly { v: Value; d: number }[]) =>
    [...new Set(list.map(({ v, d }) => `${foldLayers(v.name)}:${d}`))].sort().join(' ');
  const repeats = new Map<string, number>();
  for (const list of classes) {
    const s = signature(list);
    repeats.set(s, (repeats.get(s) ?? 0) + 1);
  }
  for (const list of classes) {
    const fold = foldable(list, copies, repeats.get(signature(list))!);
    const nameOf = (v: Value) => (fold ? foldLayers(v.name) : v.name);
    const members = [...new Set(list.map(({ v, d }) => `${nameOf(v)}:${d}`))].sort();
    const key = members.join(' ');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { members, bytes: 0, byDim: new Map() }));
    for (const { v, d } of list) {
      g.bytes += v.type.shape.reduce((a, b) => a * b, 1) * dtypeBytes(v.type.dtype);
      let names = g.byDim.get(d);
      if (!names) g.byDim.set(d, (names = new Set()));
      names.add(nameOf(v));
    }
  }
  return [...groups.values()]
    .sort((a, b) => b.bytes - a.bytes || (a.members[0] < b.members[0] ? -1 : 1))
    .map((g) => ({
      label: g.members.length > 1 ? `${g.members[0]} +${g.members.length - 1}` : g.members[0],
      members: g.members,
      paramBytes: g.bytes,
      tactics: [...g.byDim.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([dim, names]) => ({
          tactic: 'tile' as const,
          axis: '?',
          dim,
          select: {
            name: `^(${[...names].sort().map(unfoldPattern).join('|')})$`,
            role: ['param' as const],
          },
        })),
    }));
}
