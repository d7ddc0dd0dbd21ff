import type { Program, ValueId } from '../ir/program.ts';
import type { AxisOrigin } from './provenance.ts';
import type { Sharding } from './sharding.ts';

/**
 * The mutable sharding of every value of a program while a schedule is applied. It only grows:
 * axes are appended (minor side) or marked partial/replicated, never removed, which is how
 * "a later tactic never overrides an earlier one" holds by construction.
 */
export class ShardingState {
  readonly dims: string[][][];
  readonly partial: string[][];
  readonly replicated: string[][];
  /** Per value: axis → where it came from. */
  readonly origins: Map<string, AxisOrigin>[];

  constructor(program: Program, from?: ShardingState) {
    const n = program.values.length;
    if (from) {
      this.dims = from.dims.map((d) => d.map((axes) => axes.slice()));
      this.partial = from.partial.map((p) => p.slice());
      this.replicated = from.replicated.map((r) => r.slice());
      this.origins = from.origins.map((o) => new Map(o));
      return;
    }
    this.dims = new Array(n);
    this.partial = new Array(n);
    this.replicated = new Array(n);
    this.origins = new Array(n);
    for (let i = 0; i < n; i++) {
      this.dims[i] = program.values[i].type.shape.map(() => []);
      this.partial[i] = [];
      this.replicated[i] = [];
      this.origins[i] = new Map();
    }
  }

  clone(program: Program): ShardingState {
    return new ShardingState(program, this);
  }

  uses(v: ValueId, axis: string): boolean {
    return this.origins[v].has(axis) || this.replicated[v].includes(axis);
  }

  sharding(v: ValueId): Sharding {
    return { dims: this.dims[v], partial: this.partial[v], replicated: this.replicated[v] };
  }

  /** Tactics that contributed an axis of the value, for conflict reports. */
  tacticsOf(v: ValueId, axes: readonly string[]): number[] {
    const out = new Set<number>();
    for (const a of axes) {
      const o = this.origins[v].get(a);
      if (o) out.add(o.tactic);
    }
    return [...out].sort((a, b) => a - b);
  }
}
