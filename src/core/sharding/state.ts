import type { Program, ValueId } from '../ir/program.ts';
import type { AxisOrigin } from './provenance.ts';
import type { Sharding } from './sharding.ts';

/**
 * One value's axes while a schedule is applied: an interned, immutable layout. Values with equal
 * axes share one Layout (equality is identity), and growing a value swaps its pointer for the
 * layout one axis bigger, found through a per-layout transition table — so a state write
 * allocates nothing once the few distinct layouts of a program exist, and a clone copies a
 * pointer array. `mask` has bit i set when mesh axis i (of the state's axis list) plays a part.
 */
export class Layout {
  readonly sharding: Sharding;
  /** Transitions by code (see LayoutTable): the layout with one more axis. */
  readonly next: (Layout | undefined)[] = [];

  constructor(
    readonly dims: readonly (readonly string[])[],
    readonly partial: readonly string[],
    readonly replicated: readonly string[],
    readonly mask: number,
    /** Index in its table's `byId`; never 0 (0 stands for "clear" in a state's id array). */
    readonly id: number,
  ) {
    this.sharding = Object.freeze({ dims, partial, replicated });
  }
}

const EMPTY: readonly string[] = Object.freeze([]);

/**
 * Every layout over one mesh axis list, interned by content. Transition codes: partial on axis
 * i is i, replicated is n + i, dim d is (d + 2) * n + i (n axes).
 */
class LayoutTable {
  private readonly byKey = new Map<string, Layout>();
  /** Layouts by id; slot 0 is unused. */
  readonly byId: Layout[] = [undefined as unknown as Layout];
  private readonly roots: Layout[] = [];

  constructor(readonly axes: readonly string[]) {}

  root(rank: number): Layout {
    while (this.roots.length <= rank) {
      const r = this.roots.length;
      const dims: (readonly string[])[] = new Array(r);
      for (let d = 0; d < r; d++) dims[d] = EMPTY;
      this.roots.push(this.intern(dims, EMPTY, EMPTY, 0));
    }
    return this.roots[rank];
  }

  /** The layout with axis i (`axis`) added to dim d (d >= 0), to partial (d = -2) or replicated (d = -1). */
  grow(from: Layout, d: number, i: number, axis: string): Layout {
    const n = this.axes.length;
    const code = (d + 2) * n + i;
    const hit = i >= 0 ? from.next[code] : undefined;
    if (hit) return hit;
    let dims = from.dims;
    let partial = from.partial;
    let replicated = from.replicated;
    if (d >= 0) {
      const copy: (readonly string[])[] = dims.slice();
      copy[d] = [...dims[d], axis];
      dims = copy;
    } else if (d === -2) partial = [...partial, axis];
    else replicated = [...replicated, axis];
    // an axis outside the list (never from a mesh-checked schedule) is not cached and sets no bit
    const made = this.intern(dims, partial, replicated, i >= 0 ? from.mask | (1 << i) : from.mask);
    if (i >= 0) from.next[code] = made;
    return made;
  }

  private intern(
    dims: readonly (readonly string[])[],
    partial: readonly string[],
    replicated: readonly string[],
    mask: number,
  ): Layout {
    let key = '';
    for (let d = 0; d < dims.length; d++) key += dims[d].join(',') + '|';
    key += ';' + partial.join(',') + ';' + replicated.join(',');
    let l = this.byKey.get(key);
    if (!l) {
      // share the frozen dim lists of an equal layout where possible (identity of equal dims)
      const fdims: (readonly string[])[] = new Array(dims.length);
      for (let d = 0; d < dims.length; d++)
        fdims[d] = dims[d].length === 0 ? EMPTY : Object.freeze(dims[d].slice());
      l = new Layout(
        Object.freeze(fdims),
        partial.length ? Object.freeze(partial.slice()) : EMPTY,
        replicated.length ? Object.freeze(replicated.slice()) : EMPTY,
        mask,
        this.byId.length,
      );
      this.byId.push(l);
      this.byKey.set(key, l);
    }
    return l;
  }
}

const tables = new Map<string, LayoutTable>();

function layoutTable(axes: readonly string[]): LayoutTable {
  const key = axes.join('\u0000');
  let t = tables.get(key);
  if (!t) tables.set(key, (t = new LayoutTable(axes)));
  return t;
}

/**
 * The sharding of every value of a program while a schedule is applied. It only grows: axes are
 * appended (minor side) or marked partial/replicated, never removed, which is how "a later tactic
 * never overrides an earlier one" holds by construction.
 *
 * Built for 100k-value training steps: a value's axes are a pointer to an interned Layout
 * (undefined while nobody sharded it), so a clone copies one pointer array and a write swaps a
 * pointer; provenance lives in typed arrays (one slot per value and mesh axis: tactic, seed, op
 * it came through) rather than in objects.
 */
export class ShardingState {
  /** Layout id per value (0 while clear); see LayoutTable.byId. */
  private readonly recs: Int32Array;
  private readonly ranks: Uint8Array;
  private readonly tactic: Int16Array;
  private readonly seed: Int32Array;
  private readonly via: Int32Array;
  /** 1 where this state wrote the value (see writtenHere). */
  private readonly own: Uint8Array;
  /** Seed descriptions, append-only and shared by every clone. */
  private readonly seeds: string[];
  private readonly table: LayoutTable;

  constructor(
    program: Program,
    readonly axes: readonly string[],
    from?: ShardingState,
  ) {
    if (from) {
      this.recs = from.recs.slice();
      this.ranks = from.ranks;
      this.tactic = from.tactic.slice();
      this.seed = from.seed.slice();
      this.via = from.via.slice();
      this.own = new Uint8Array(from.ranks.length);
      this.seeds = from.seeds;
      this.table = from.table;
      return;
    }
    const n = program.values.length;
    this.recs = new Int32Array(n);
    this.ranks = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.ranks[i] = program.values[i].type.shape.length;
    this.tactic = new Int16Array(n * axes.length).fill(-1);
    this.seed = new Int32Array(n * axes.length);
    this.via = new Int32Array(n * axes.length).fill(-1);
    this.own = new Uint8Array(n);
    this.seeds = [];
    this.table = layoutTable(axes);
  }

  clone(program: Program): ShardingState {
    return new ShardingState(program, this.axes, this);
  }

  /** The value's interned layout (the empty one of its rank when clear): equal layouts are identical. */
  layoutOf(v: ValueId): Layout {
    const id = this.recs[v];
    return id === 0 ? this.table.root(this.ranks[v]) : this.table.byId[id];
  }

  dimsOf(v: ValueId): readonly (readonly string[])[] {
    return this.layoutOf(v).dims;
  }

  partialOf(v: ValueId): readonly string[] {
    const id = this.recs[v];
    return id === 0 ? EMPTY : this.table.byId[id].partial;
  }

  replicatedOf(v: ValueId): readonly string[] {
    const id = this.recs[v];
    return id === 0 ? EMPTY : this.table.byId[id].replicated;
  }

  /** True when nothing splits, sums or pins the value. */
  isClear(v: ValueId): boolean {
    return this.recs[v] === 0;
  }

  /** True if the axis already plays a part in the value (tiles a dim, partial or explicitly replicated). */
  uses(v: ValueId, axis: string): boolean {
    return this.recs[v] !== 0 && this.tactic[this.slot(v, axis)] >= 0;
  }

  /** uses() by axis index (the position of the axis in `axes`). */
  usesIndex(v: ValueId, i: number): boolean {
    return this.recs[v] !== 0 && this.tactic[v * this.axes.length + i] >= 0;
  }

  /**
   * Whether this state (not the one it was cloned from) has written the value. Conflict reports
   * use it to list a dim's axes exactly as the earlier copy-on-write records showed them.
   */
  writtenHere(v: ValueId): boolean {
    return this.own[v] === 1;
  }

  /** A frozen object shared by every value with the same layout. */
  sharding(v: ValueId): Sharding {
    return this.layoutOf(v).sharding;
  }

  /** Why the axis is on the value: the tactic, its seed, the op propagation came through. */
  originOf(v: ValueId, axis: string): AxisOrigin | undefined {
    const s = this.slot(v, axis);
    if (s < 0 || this.tactic[s] < 0) return undefined;
    const via = this.via[s];
    return {
      tactic: this.tactic[s],
      seed: this.seeds[this.seed[s]],
      ...(via >= 0 ? { viaOp: via } : {}),
    };
  }

  /** The tactic that put the axis on the value, or -1. */
  originTactic(v: ValueId, axis: string): number {
    const s = this.slot(v, axis);
    return s < 0 ? -1 : this.tactic[s];
  }

  /** A tactic's seed: tile dim d of v on axis (kind 'dim') or pin it replicated on axis. */
  seedAxis(
    v: ValueId,
    kind: 'dim' | 'replicated',
    d: number,
    axis: string,
    tactic: number,
    why: string,
  ): void {
    const i = this.axes.indexOf(axis);
    this.own[v] = 1;
    this.recs[v] = this.table.grow(this.layoutOf(v), kind === 'dim' ? d : -1, i, axis).id;
    this.seeds.push(why);
    this.setOrigin(v, i, tactic, this.seeds.length - 1, -1);
  }

  /** Propagation: dim d of v takes axis, with the provenance it has on `from`, through op `via`. */
  growDim(v: ValueId, d: number, axis: string, from: ValueId, via: number): void {
    const i = this.axes.indexOf(axis);
    this.own[v] = 1;
    this.recs[v] = this.table.grow(this.layoutOf(v), d, i, axis).id;
    this.copyOrigin(v, i, from, via);
  }

  /** Propagation: v becomes a partial sum over axis, as `from` is split on it. */
  growPartial(v: ValueId, axis: string, from: ValueId, via: number): void {
    const i = this.axes.indexOf(axis);
    this.own[v] = 1;
    this.recs[v] = this.table.grow(this.layoutOf(v), -2, i, axis).id;
    this.copyOrigin(v, i, from, via);
  }

  /** Tactics that contributed an axis of the value, for conflict reports. */
  tacticsOf(v: ValueId, axes: readonly string[]): number[] {
    const out = new Set<number>();
    for (const a of axes) {
      const t = this.originTactic(v, a);
      if (t >= 0) out.add(t);
    }
    return [...out].sort((a, b) => a - b);
  }

  private slot(v: ValueId, axis: string): number {
    const i = this.axes.indexOf(axis);
    return i < 0 ? -1 : v * this.axes.length + i;
  }

  private copyOrigin(v: ValueId, i: number, from: ValueId, via: number): void {
    if (i < 0) return;
    const s = from * this.axes.length + i;
    this.setOrigin(v, i, this.tactic[s], this.seed[s], via);
  }

  private setOrigin(v: ValueId, i: number, tactic: number, seed: number, via: number): void {
    if (i < 0) return;
    const s = v * this.axes.length + i;
    this.tactic[s] = tactic;
    this.seed[s] = seed;
    this.via[s] = via;
  }
}
