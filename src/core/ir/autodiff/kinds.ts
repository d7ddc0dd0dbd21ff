import type { OpKind } from '../ops.ts';

/**
 * Which op kinds carry cotangents. Every kind of ops.ts is in exactly one of: the VJP registry
 * (vjp-rules.ts), NON_DIFFERENTIABLE_KINDS, or UNSUPPORTED_KINDS; the registry's type checks it.
 */

/** Kinds whose results are piecewise constant, boolean or integer: no cotangent flows through. */
export const NON_DIFFERENTIABLE_KINDS = [
  'and',
  'ceil',
  'compare',
  'constant',
  'floor',
  'iota',
  'is_finite',
  'not',
  'or',
  'round_nearest_even',
  'sign',
  'xor',
] as const satisfies readonly OpKind[];
export type NonDifferentiableKind = (typeof NON_DIFFERENTIABLE_KINDS)[number];

const SPMD_ONLY =
  'collectives exist only in per-device SPMD programs; differentiate the global program, then lower it';

/** Kinds with no rule, and why. */
export const UNSUPPORTED_KINDS = {
  all_gather: SPMD_ONLY,
  collective_permute: SPMD_ONLY,
  all_reduce: SPMD_ONLY,
  all_to_all: SPMD_ONLY,
  axis_index: SPMD_ONLY,
  custom_call:
    'custom_call is opaque to autodiff; give the target a gradient by expressing it in IR ops',
  reduce_scatter: SPMD_ONLY,
  select_and_scatter:
    'select_and_scatter (a pooling gradient) has no VJP here; second-order pooling is not supported',
  shard_slice: SPMD_ONLY,
} as const satisfies Partial<Record<OpKind, string>>;
export type UnsupportedKind = keyof typeof UNSUPPORTED_KINDS;

export type DifferentiableKind = Exclude<OpKind, NonDifferentiableKind | UnsupportedKind>;

const NON_DIFF_SET: ReadonlySet<string> = new Set(NON_DIFFERENTIABLE_KINDS);

export function isNonDifferentiableKind(kind: OpKind): boolean {
  return NON_DIFF_SET.has(kind);
}
