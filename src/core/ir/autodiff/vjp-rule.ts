import type { ProgramBuilder } from '../builder.ts';
import { IRError } from '../errors.ts';
import type { Func, Op, Value, ValueId } from '../program.ts';
import type { TensorType } from '../shape.ts';
import type { SavedLoop } from './while-augment.ts';

/** A closed block of forward ops: a function body, a region, or a loop body. */
export interface Block {
  readonly params: readonly ValueId[];
  readonly ops: readonly Op[];
  readonly yields: readonly ValueId[];
}

/**
 * What a vector-Jacobian rule sees. The builder is already positioned: scope = the forward op's
 * scope, phase = 'backward', so a rule only emits ops. Forward values come through `x`/`y`
 * because remat may have recomputed them; a rule never reads `op.operands` ids directly.
 */
export interface VjpContext {
  readonly b: ProgramBuilder;
  readonly op: Op;
  /** The forward value of operand i (the recomputed one under remat); only residual operands (residuals.ts). */
  x(i: number): Value;
  /** The type of operand i, which any rule may read (it is not a residual). */
  xType(i: number): TensorType;
  /** The forward value of result i; only for kinds whose rules read results (residuals.ts). */
  y(i: number): Value;
  /** Cotangent of result i; undefined when none reaches it (a structural zero). */
  readonly cts: readonly (Value | undefined)[];
  /** Whether operand i needs a cotangent (it is differentiable and on a path to the loss). */
  readonly wants: readonly boolean[];
  /** A function of the program, for `call`. */
  func(name: string): Func;
  /**
   * Recomputes a closed block from `args` (undefined for params the backward does not need)
   * and runs its backward pass from the cotangents of its yields; returns the cotangents of its
   * params where `wants` asks for them. Used by call, case and while.
   */
  blockVjp(
    block: Block,
    args: readonly (Value | undefined)[],
    cts: readonly (Value | undefined)[],
    wants: readonly boolean[],
  ): (Value | undefined)[];
  /** A name for a new function, unique in the program, derived from `base`. */
  funcName(base: string): string;
  /** Memo shared by every rule of one `gradients` call (vjp functions per callee and mask). */
  readonly memo: Map<string, string>;
  /** For a while op whose forward loop was augmented to save its carries. */
  readonly savedLoop?: SavedLoop;
}

/** Returns one cotangent per operand (undefined: none, or not wanted). */
export type VjpRule = (cx: VjpContext) => readonly (Value | undefined)[];

/** An IRError that names the op being differentiated and the rule it breaks. */
export function vjpError(op: Op, message: string): IRError {
  const where = op.scope ? ` in ${op.scope}` : '';
  return new IRError(`cannot differentiate op #${op.id} ${op.kind}${where}: ${message}`, {
    opId: op.id,
    kind: op.kind,
    scope: op.scope,
  });
}
