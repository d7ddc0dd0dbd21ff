import type { Program, ValueId } from '../ir/program.ts';
import type { AxisOrigin } from './provenance.ts';
import type { Sharding } from './sharding.ts';

/** One value's sharding while a schedule is applied; owned by the state that last wrote it. */
interface Rec {
  readonly dims: string[][];
  readonly partial: string[];
  readonly replicated: string[];
  readonly origins: Map<string, AxisOrigin>;
  owner: ShardingState;
}

const EMPTY: readonly string[] = Object.freeze([]);
const emptyDims: (readonly (readonly string[])[])[] = [];
const NO_ORIGINS: ReadonlyMap<string, AxisOrigin> = new Map();

function emptyDimsOf(rank: number): readonly (readonly string[])[] {
  while (emptyDims.length <= rank) emptyDims.push(Object.freeze(Array.from({ length: emptyDims.length }, () => EMPTY)));
  return emptyDims[rank];
}

/**
 * The sharding of every value of a program while a schedule is applied. It only grows: axes are
 * appended (minor side) or marked partial/replicated, never removed, which is how "a later tactic
 * never overrides an earlier one" holds by construction. Values nobody sharded share one empty
 * record, and a clone shares every record until it writes one (copy on write), so the snapshot
 * kept after each tactic costs one pointer per value.
 */
export class ShardingState {
  private readonly recs: (Rec | undefined)[];
  private readonly ranks: Uint8Array;

  constructor(program: Program, from?: ShardingState) {
    if (from) {
      this.recs = from.recs.slice();
      this.ranks = from.ranks;
      return;
    }
    const n = program.values.length;
    this.recs = new Array(n);
    this.ranks = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.ranks[i] = program.values[i].type.shape.length;
  }

  clone(program: Program): ShardingState {
    return new ShardingState(program, this);
  }

  get size(): number {
    return this.ranks.length;
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

  originsOf(v: ValueId): ReadonlyMap<string, AxisOrigin> {
    return this.recs[v]?.origins ?? NO_ORIGINS;
  }

  /** True when nothing splits, sums or pins the value. */
  isClear(v: ValueId): boolean {
    return this.recs[v] === undefined;
  }

  /** True if the axis already plays a part in the value (tiles a dim, partial or explicitly replicated). */
  uses(v: ValueId, axis: string): boolean {
    const r = this.recs[v];
    return r !== undefined && (r.origins.has(axis) || r.replicated.includes(axis));
  }

  sharding(v: ValueId): Sharding {
    return { dims: this.dimsOf(v), partial: this.partialOf(v), replicated: this.replicatedOf(v) };
  }

  addDimAxis(v: ValueId, d: number, axis: string, origin: AxisOrigin): void {
    const r = this.writable(v);
    r.dims[d].push(axis);
    r.origins.set(axis, origin);
  }

  addPartial(v: ValueId, axis: string, origin: AxisOrigin): void {
    const r = this.writable(v);
    r.partial.push(axis);
    r.origins.set(axis, origin);
  }

  addReplicated(v: ValueId, axis: string, origin: AxisOrigin): void {
    const r = this.writable(v);
    r.replicated.push(axis);
    r.origins.set(axis, origin);
  }

  /** Tactics that contributed an axis of the value, for conflict reports. */
  tacticsOf(v: ValueId, axes: readonly string[]): number[] {
    const out = new Set<number>();
    const origins = this.originsOf(v);
    for (const a of axes) {
      const o = origins.get(a);
      if (o) out.add(o.tactic);
    }
    return [...out].sort((a, b) => a - b);
  }

  private writable(v: ValueId): Rec {
    const r = this.recs[v];
    if (r && r.owner === this) return r;
    const copy: Rec = r
      ? { dims: r.dims.map((axes) => axes.slice()), partial: r.partial.slice(), replicated: r.replicated.slice(), origins: new Map(r.origins), owner: this }
      : { dims: Array.from({ length: this.ranks[v] }, () => []), partial: [], replicated: [], origins: new Map(), owner: this };
    this.recs[v] = copy;
    return copy;
  }
}
