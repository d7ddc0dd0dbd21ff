import type { OpAttrs, OpKind } from './ops.ts';
import type { TensorType } from './shape.ts';

export type ValueId = number;
export type OpId = number;

/** What a program input is, so tactics can select by role. */
export type InputRole = 'data' | 'param' | 'optState';

/** What a value is for: inputs come in; activations are forward intermediates; gradients are
 *  d(loss)/d(something); updates are the optimizer's new parameters and state. */
export type ValueKind = 'input' | 'activation' | 'gradient' | 'update';

/** Which part of a training step an op belongs to. */
export type Phase = 'forward' | 'backward' | 'optimizer';

export interface Value {
  readonly id: ValueId;
  readonly type: TensorType;
  /** A readable name: the full path for inputs (`layers/3/attn/wq`), or a hint for intermediates. */
  readonly name: string;
  /** Hierarchical scope, `/`-separated (`layers/3/attn`); '' is the top. */
  readonly scope: string;
  readonly kind: ValueKind;
  /** Only for inputs of the main function. */
  readonly role?: InputRole;
  /** For gradients and updates: the input value they belong to. */
  readonly of?: ValueId;
  /** The op that defines it; undefined for function and region parameters. */
  readonly def?: OpId;
}

/** A closed block: it sees only its parameters and yields its results. */
export interface Region {
  readonly params: readonly ValueId[];
  readonly ops: readonly Op[];
  readonly yields: readonly ValueId[];
}

export interface Op<K extends OpKind = OpKind> {
  readonly id: OpId;
  readonly kind: K;
  readonly operands: readonly ValueId[];
  readonly results: readonly ValueId[];
  readonly attrs: OpAttrs[K];
  readonly regions: readonly Region[];
  readonly scope: string;
  readonly phase: Phase;
  /** True for ops re-emitted by a remat policy (recomputed forward work in the backward pass). */
  readonly remat?: boolean;
}

export interface Func {
  readonly name: string;
  readonly params: readonly ValueId[];
  readonly ops: readonly Op[];
  readonly results: readonly ValueId[];
}

export interface ProgramOutput {
  readonly name: string;
  readonly value: ValueId;
  /** Index into main's params of the input this output replaces (donated buffer). */
  readonly aliases?: number;
}

/**
 * A program: one table of values (ids are indices, unique program-wide, regions included),
 * a main function whose params are the program inputs, helper functions reachable by `call`,
 * and named outputs (a training step's new parameters alias the old).
 */
export interface Program {
  readonly name: string;
  readonly values: readonly Value[];
  readonly main: Func;
  readonly funcs: ReadonlyMap<string, Func>;
  readonly outputs: readonly ProgramOutput[];
  /** Free-form facts the builder knew (model family, tokens per step, micro-batches…). */
  readonly meta: ProgramMeta;
}

export interface ProgramMeta {
  readonly family?: string;
  /** Tokens (or examples) processed by one call of the program. */
  readonly tokensPerStep?: number;
  readonly training?: boolean;
  readonly microBatches?: number;
  readonly remat?: 'none' | 'full' | 'selective';
  /** Set on per-device SPMD programs: the mesh their collectives run on. */
  readonly mesh?: { readonly axes: readonly { readonly name: string; readonly size: number }[] };
  readonly [key: string]: unknown;
}

export function programInputs(p: Program): readonly Value[] {
  return p.main.params.map((id) => p.values[id]);
}

/** Visits every op, nested regions and called functions' bodies excluded. */
export function forEachOp(ops: readonly Op[], fn: (op: Op) => void): void {
  for (const op of ops) fn(op);
}

/** Visits every op including those nested in regions, depth first, parents before children. */
export function forEachOpDeep(
  ops: readonly Op[],
  fn: (op: Op, depth: number) => void,
  depth = 0,
): void {
  for (const op of ops) {
    fn(op, depth);
    for (const r of op.regions) forEachOpDeep(r.ops, fn, depth + 1);
  }
}

export function opAs<K extends OpKind>(op: Op, kind: K): Op<K> | undefined {
  return op.kind === kind ? (op as Op<K>) : undefined;
}
