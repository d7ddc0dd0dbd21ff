import type { Op } from '../program.ts';
import { regionCombiner } from './emit.ts';

/**
 * Which forward values each kind's VJP rule reads: its residuals. Remat keeps or recomputes
 * exactly these, so the table must match the rules; `VjpContext.x`/`y` enforce it at run time
 * (a rule reading an unlisted operand is a bug, reported loudly). A rule that needs only an
 * operand's type reads `xType`, which is not a residual.
 */

const NONE: readonly number[] = [];
const FIRST: readonly number[] = [0];
const SECOND: readonly number[] = [1];

function from(op: Op, start: number): number[] {
  return op.operands.map((_, i) => i).slice(start);
}

/** Operand indices the rule of this op reads. */
export function residualOperands(op: Op): readonly number[] {
  switch (op.kind) {
    case 'add':
    case 'broadcast_in_dim':
    case 'concatenate':
    case 'convert':
    case 'exponential':
    case 'exponential_minus_one':
    case 'logistic':
    case 'negate':
    case 'pad':
    case 'reshape':
    case 'reverse':
    case 'slice':
    case 'sqrt':
    case 'subtract':
    case 'tanh':
    case 'transpose':
      return NONE;
    case 'divide':
    case 'gather':
    case 'scatter':
      return SECOND;
    case 'rsqrt':
    case 'select':
      return FIRST;
    case 'dynamic_slice':
      return from(op, 1);
    case 'dynamic_update_slice':
      return from(op, 2);
    case 'reduce':
    case 'reduce_window':
      return regionCombiner(op.regions[0]) === 'add' ? NONE : FIRST;
    default:
      return op.operands.map((_, i) => i);
  }
}

/** Whether the rule of this op reads its forward results. */
export function readsResults(op: Op): boolean {
  switch (op.kind) {
    case 'divide':
    case 'exponential':
    case 'exponential_minus_one':
    case 'logistic':
    case 'power':
    case 'rsqrt':
    case 'sqrt':
    case 'tanh':
      return true;
    case 'reduce':
      return regionCombiner(op.regions[0]) !== 'add';
    default:
      return false;
  }
}
