import type { DType } from '../ir/dtype.ts';
import type { OpId, Phase, ValueId } from '../ir/program.ts';

export type CollectiveKind =
  'all-reduce' | 'all-gather' | 'reduce-scatter' | 'all-to-all' | 'collective-permute' | 'slice';

/**
 * One collective of the per-device program, as the report and the simulator see it: what moves
 * over which mesh axes, the per-device result shape, where it sits and why it exists.
 */
export interface CollectiveRecord {
  /** The op in the SPMD program. */
  readonly opId: OpId;
  readonly kind: CollectiveKind;
  readonly axes: readonly string[];
  /** Per-device shape of the collective's result (and of its operand, for slices/all-to-all). */
  readonly shape: readonly number[];
  readonly operandShape: readonly number[];
  readonly dtype: DType;
  readonly scope: string;
  readonly phase: Phase;
  /** The global value being resharded. */
  readonly value: ValueId;
  /** Which consumer needed which sharding. */
  readonly reason: string;
  /** Executions per program run: the product of the trip counts of the loops around it. */
  readonly tripCount: number;
}
