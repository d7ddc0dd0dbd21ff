import type { OpId, ValueId } from '../ir/program.ts';

/**
 * A place where propagation stopped rather than guess (PartIR's rule): two shardings disagree on
 * one factor of an op, or an axis cannot be added to a value because the value already uses it,
 * the factor would not divide, or the value is explicitly replicated on it.
 */
export interface Conflict {
  readonly opId: OpId;
  readonly opKind: string;
  readonly scope: string;
  /** The factor (einsum letter) and the tensor dims it covers. */
  readonly factor: string;
  readonly kind: 'disagree' | 'axisInUse' | 'indivisible' | 'replicated';
  /** Competing axis lists, one per tensor involved, with the tactics they came from. */
  readonly competing: readonly {
    readonly value: ValueId;
    readonly axes: readonly string[];
    readonly tactics: readonly number[];
  }[];
  /** The tactic whose propagation met the conflict. */
  readonly tactic: number;
  readonly message: string;
}
