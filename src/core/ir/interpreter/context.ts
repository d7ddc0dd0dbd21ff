import { hostTensor, type HostTensor } from '../host-tensor.ts';
import type { OpKind } from '../ops.ts';
import type { Op, Program, Region } from '../program.ts';
import type { TensorType } from '../shape.ts';

/**
 * A failed evaluation: the message names the op (`op #id kind @scope`) and the rule broken.
 * `where` is set once the error has been attributed to an op, so outer ops (a while around
 * the failing body) add themselves to the trail instead of claiming the error.
 */
export class EvalError extends Error {
  constructor(
    message: string,
    readonly where?: { readonly opId: number; readonly kind: OpKind; readonly scope: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EvalError';
  }
}

/** Runs one op on concrete arguments (in operand order) and returns its results in order. */
export type OpEvaluator = (op: Op, args: readonly HostTensor[], ctx: EvalContext) => HostTensor[];

/**
 * What an evaluator may use besides its arguments. Extensions (the SPMD interpreter's device
 * and communicator) travel as extra fields of a subtype; every nested region sees the same
 * context object.
 */
export interface EvalContext {
  readonly program: Program;
  /** Runs a closed region (or a function's body) on its parameters; returns what it yields. */
  runRegion(r: Region, args: readonly HostTensor[]): HostTensor[];
  /** custom_call targets the interpreter may run (KNOWN_CUSTOM_CALLS when absent); any other
   *  target is opaque. */
  readonly customCalls?: Readonly<Record<string, OpEvaluator>>;
  /** Sees every op after it ran (tracing, comparing intermediates); must not mutate tensors. */
  readonly onOp?: (op: Op, args: readonly HostTensor[], results: readonly HostTensor[]) => void;
}

/** `op #12 dot_general @layers/0/mlp`, the way every interpreter message names an op. */
export function opLabel(op: Op): string {
  return `op #${op.id} ${op.kind}${op.scope ? ` @${op.scope}` : ''}`;
}

export function opError(op: Op, why: string): EvalError {
  return new EvalError(`${opLabel(op)}: ${why}`, { opId: op.id, kind: op.kind, scope: op.scope });
}

export function fail(op: Op, why: string): never {
  throw opError(op, why);
}

export function expectArgCount(op: Op, args: readonly HostTensor[], n: number): void {
  if (args.length !== n) fail(op, `expects ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
}

/** The declared type of an op's i-th result, read from the program's value table. */
export function resultType(op: Op, ctx: EvalContext, i = 0): TensorType {
  const id = op.results[i];
  const v = ctx.program.values[id];
  if (!v) fail(op, `result ${i} (%${id}) is missing from the program's value table`);
  return v.type;
}

/** A zero-filled tensor of the op's i-th declared result type. */
export function allocResult(op: Op, ctx: EvalContext, i = 0): HostTensor {
  const t = resultType(op, ctx, i);
  return hostTensor(t.shape, t.dtype);
}

/** A scalar as a rank-0 tensor, for calling scalar regions. */
export function scalarTensor(x: number, like: TensorType | HostTensor): HostTensor {
  return { shape: [], dtype: like.dtype, data: Float64Array.of(x) };
}
