import type { OpId } from '../ir/program.ts';

/**
 * Why an axis sits on a value: the tactic (index in the schedule) and the seed that put it on
 * the program, and — when propagation carried it here — the op it came through. Following
 * `viaOp` back from value to value ends at the seed: the UI's "why is this sharded?".
 */
export interface AxisOrigin {
  readonly tactic: number;
  /** The tactic's own words for the seed, e.g. "MP: column-split layers/0/attn/wq". */
  readonly seed: string;
  /** The op propagation crossed to reach this value; undefined on the seeded value itself. */
  readonly viaOp?: OpId;
}

export function axisOriginToString(o: AxisOrigin): string {
  return `tactic ${o.tactic} (${o.seed})${o.viaOp !== undefined ? ` via op #${o.viaOp}` : ''}`;
}
