import type { Program, ValueId } from '../ir/program.ts';
import type { AxisOrigin } from './provenance.ts';
import type { Sharding } from './sharding.ts';

/** One value's axes while a schedule is applied; owned by the state that last wrote it. */
interface Rec {
  readonly dims: string[][];
  readonly partial: string[];
  readonly replicated: string[];
  owner: ShardingState;
}

const EMPTY: readonly string[] = Object.freeze([]);
const emptyDims: (readonly (readonly string[])[])[] = [];

function emptyDimsOf(rank: number): readonly (readonly string[])[] {
  while (emptyDims.length <= rank)
    emptyDims.push(Object.freeze(Array.from({ length: emptyDims.length }, () => EMPTY)));
  return emptyDims[rank];
}

/**
 * The sharding of every value of a program while a schedule is applied. It only grows: axes are
 * appended (minor side) or marked partial/replicated, never removed, which is how "a later tactic
 * never overrides an earlier one" holds by construction.
 *
 * Built for 100k-value training steps: values nobody sharded share one empty record, a clone
 * shares every record until it writes one (copy on write), and provenance lives in typed arrays
 * (one slot per value and mesh axis: tactic, seed, op it came through) rather than in objects.
 */
export class ShardingState {
  private readonly recs: (Rec | undefined)[];
  private readonly ranks: Uint8Array;
  private readonly tactic: Int16Array;
  private readonly seed: Int32Array;
  private readonly via: Int32Array;
  /** Seed descriptions, append-only and shared by every clone. */
  private readonly seeds: string[];

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
      this.seeds = from.seeds;
      return;
    }
    const n = program.values.length;
    this.recs = new Array(n);
    this.ranks = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.ranks[i] = program.values[i].type.shape.length;
    this.tactic = new Int16Array(n * axes.length).fill(-1);
    this.seed = new Int32Array(n * axes.length);
    this.via = new Int32Array(n * axes.length).fill(-1);
    this.seeds = [];
  }

  clone(program: Program): ShardingState {
    return new ShardingState(program, this.axes, this);
  }

  dimsOf(v: ValueId): readonly (readonly string[])[] {
    return this.recs[v]?.dims ?? emptyDimsOf(this.ranks[v]);
  }

  partialOf(v: ValueId): readonly string[] {
    return this.recs[v]?.partial ?? EMPTY;
  }

  replicatedOf(v: ValueId): readonly string[] {
    return this.recs[v]?.replicated ?? EMPTY;
  }

  /** True when nothing splits, sums or pins the value. */
  isClear(v: ValueId): boolean {
    return this.recs[v] === undefined;
  }

  /** True if the axis already plays a part in the value (tiles a dim, partial or explicitly replicated). */
  uses(v: ValueId, axis: string): boolean {
    return this.recs[v] !== undefined && this.tactic[this.slot(v, axis)] >= 0;
  }

  sharding(v: ValueId): Sharding {
    return { dims: this.dimsOf(v), partial: this.partialOf(v), replicated: this.replicatedOf(v) };
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
    const r = this.writable(v);
    if (kind === 'dim') r.dims[d].push(axis);
    else r.replicated.push(axis);
    this.seeds.push(why);
    this.setOrigin(v, axis, tactic, this.seeds.length - 1, -1);
  }

  /** Propagation: dim d of v takes axis, with the provenance it has on `from`, through op `via`. */
  growDim(v: ValueId, d: number, axis: string, from: ValueId, via: number): void {
    this.writable(v).dims[d].push(axis);
    this.copyOrigin(v, axis, from, via);
  }

  /** Propagation: v becomes a partial sum over axis, as `from` is split on it. */
  growPartial(v: ValueId, axis: string, from: ValueId, via: number): void {
    this.writable(v).partial.push(axis);
    this.copyOrigin(v, axis, from, via);
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

  private copyOrigin(v: ValueId, axis: string, from: ValueId, via: number): void {
    const s = this.slot(from, axis);
    this.setOrigin(v, axis, this.tactic[s], this.seed[s], via);
  }

  private setOrigin(v: ValueId, axis: string, tactic: number, seed: number, via: number): void {
    const s = this.slot(v, axis);
    this.tactic[s] = tactic;
    this.seed[s] = seed;
    this.via[s] = via;
  }

  private writable(v: ValueId): Rec {
    const r = this.recs[v];
    if (r && r.owner === this) return r;
    // loops rather than map/Array.from: no closure per first write of a value in a state
    let copy: Rec;
    if (r) {
      const dims: string[][] = new Array(r.dims.length);
      for (let d = 0; d < dims.length; d++) dims[d] = r.dims[d].slice();
      copy = { dims, partial: r.partial.slice(), replicated: r.replicated.slice(), owner: this };
    } else {
      const dims: string[][] = new Array(this.ranks[v]);
      for (let d = 0; d < dims.length; d++) dims[d] = [];
      copy = { dims, partial: [], replicated: [], owner: this };
    }
    this.recs[v] = copy;
    return copy;
  }
}
