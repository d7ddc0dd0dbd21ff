import type { DType } from './dtype.ts';

/**
 * The op set, named as StableHLO names them (without the `stablehlo.` prefix).
 * Every kind has one attribute record in `OpAttrs`; ops that need bodies carry regions:
 * reduce / reduce_window / scatter / select_and_scatter (a scalar combiner), sort (a comparator),
 * while (cond, body), case (one region per branch). Regions are closed: they see only their
 * parameters, never values of the enclosing function (an importer threads captures explicitly).
 */
export const UNARY_KINDS = [
  'abs',
  'ceil',
  'cosine',
  'erf',
  'exponential',
  'exponential_minus_one',
  'floor',
  'is_finite',
  'log',
  'log_plus_one',
  'logistic',
  'negate',
  'not',
  'round_nearest_even',
  'rsqrt',
  'sign',
  'sine',
  'sqrt',
  'tanh',
] as const;
export type UnaryKind = (typeof UNARY_KINDS)[number];

export const BINARY_KINDS = [
  'add',
  'and',
  'atan2',
  'divide',
  'maximum',
  'minimum',
  'multiply',
  'or',
  'power',
  'remainder',
  'subtract',
  'xor',
] as const;
export type BinaryKind = (typeof BINARY_KINDS)[number];

export const COMPARE_DIRECTIONS = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE'] as const;
export type CompareDirection = (typeof COMPARE_DIRECTIONS)[number];

/** Padding per spatial/window dimension: [low, high]. */
export type Padding = readonly (readonly [number, number])[];

export interface DotGeneralAttrs {
  readonly lhsBatch: readonly number[];
  readonly rhsBatch: readonly number[];
  readonly lhsContract: readonly number[];
  readonly rhsContract: readonly number[];
  /** Result element type; defaults to the lhs element type. */
  readonly resultDtype?: DType;
}

/** StableHLO convolution dimension numbers and window, spelled out. */
export interface ConvolutionAttrs {
  readonly inputBatchDim: number;
  readonly inputFeatureDim: number;
  readonly inputSpatialDims: readonly number[];
  readonly kernelInputFeatureDim: number;
  readonly kernelOutputFeatureDim: number;
  readonly kernelSpatialDims: readonly number[];
  readonly outputBatchDim: number;
  readonly outputFeatureDim: number;
  readonly outputSpatialDims: readonly number[];
  readonly windowStrides: readonly number[];
  readonly padding: Padding;
  readonly lhsDilation: readonly number[];
  readonly rhsDilation: readonly number[];
  readonly featureGroupCount: number;
  readonly batchGroupCount: number;
  readonly resultDtype?: DType;
}

export interface GatherAttrs {
  readonly offsetDims: readonly number[];
  readonly collapsedSliceDims: readonly number[];
  readonly startIndexMap: readonly number[];
  readonly indexVectorDim: number;
  readonly sliceSizes: readonly number[];
}

export interface ScatterAttrs {
  readonly updateWindowDims: readonly number[];
  readonly insertedWindowDims: readonly number[];
  readonly scatterDimsToOperandDims: readonly number[];
  readonly indexVectorDim: number;
}

export interface ReduceWindowAttrs {
  readonly windowDimensions: readonly number[];
  readonly windowStrides: readonly number[];
  readonly padding: Padding;
  readonly baseDilations: readonly number[];
  readonly windowDilations: readonly number[];
}

type NoAttrs = Readonly<Record<string, never>>;

/** Reductions a collective can apply across devices. */
export type CollectiveReduction = 'sum' | 'max' | 'min';

/**
 * Attributes of the SPMD collectives. They appear only in per-device programs made by the
 * lowering (src/core/spmd): `axes` are mesh axes, major to minor; a device's rank in the group is
 * its coordinate over those axes in that order.
 */
export interface CollectiveAttrs {
  readonly axes: readonly string[];
}

/** Attributes of each op kind. Result types are inferred from operands and attributes
 *  except where a kind's attributes say otherwise (`shape`, `dtype`, `resultTypes`). */
export type OpAttrs = { readonly [K in UnaryKind]: NoAttrs } & {
  readonly [K in BinaryKind]: NoAttrs;
} & {
  all_gather: CollectiveAttrs & { readonly dim: number };
  all_reduce: CollectiveAttrs & { readonly reduction: CollectiveReduction };
  all_to_all: CollectiveAttrs & { readonly splitDim: number; readonly concatDim: number };
  /** The device's coordinate along the axes (major to minor, linearised): an i32 scalar. */
  axis_index: CollectiveAttrs;
  /**
   * Reorders how dim is split over the same axes: `axes` is the order before (major to minor),
   * `to` the order after; each device receives the chunk it holds under the new order from the
   * device that holds it under the old one.
   */
  collective_permute: CollectiveAttrs & { readonly dim: number; readonly to: readonly string[] };
  broadcast_in_dim: { readonly shape: readonly number[]; readonly dims: readonly number[] };
  call: { readonly callee: string };
  case: NoAttrs;
  clamp: NoAttrs;
  compare: { readonly direction: CompareDirection };
  concatenate: { readonly dimension: number };
  constant: {
    readonly shape: readonly number[];
    readonly dtype: DType;
    /** A splat value, or the elements in row-major order. */
    readonly value: number | readonly number[];
  };
  convert: { readonly dtype: DType };
  convolution: ConvolutionAttrs;
  custom_call: {
    readonly callTarget: string;
    readonly resultTypes: readonly { readonly shape: readonly number[]; readonly dtype: DType }[];
    readonly backendConfig?: string;
  };
  dot_general: DotGeneralAttrs;
  dynamic_slice: { readonly sliceSizes: readonly number[] };
  dynamic_update_slice: NoAttrs;
  gather: GatherAttrs;
  iota: { readonly shape: readonly number[]; readonly dtype: DType; readonly dimension: number };
  pad: {
    readonly low: readonly number[];
    readonly high: readonly number[];
    readonly interior: readonly number[];
  };
  reduce: { readonly dims: readonly number[] };
  reduce_scatter: CollectiveAttrs & {
    readonly dim: number;
    readonly reduction: CollectiveReduction;
  };
  reduce_window: ReduceWindowAttrs;
  reshape: { readonly shape: readonly number[] };
  reverse: { readonly dims: readonly number[] };
  scatter: ScatterAttrs;
  select: NoAttrs;
  /** The free local slice: keep this device's chunk of dim along the axes (no communication). */
  shard_slice: CollectiveAttrs & { readonly dim: number };
  select_and_scatter: {
    readonly windowDimensions: readonly number[];
    readonly windowStrides: readonly number[];
    readonly padding: Padding;
  };
  slice: {
    readonly start: readonly number[];
    readonly limit: readonly number[];
    readonly strides: readonly number[];
  };
  sort: { readonly dimension: number; readonly isStable: boolean };
  transpose: { readonly permutation: readonly number[] };
  while: { readonly tripCount: number };
};

export type OpKind = keyof OpAttrs;

const OTHER_KINDS = [
  'all_gather',
  'all_reduce',
  'all_to_all',
  'axis_index',
  'broadcast_in_dim',
  'call',
  'case',
  'clamp',
  'collective_permute',
  'compare',
  'concatenate',
  'constant',
  'convert',
  'convolution',
  'custom_call',
  'dot_general',
  'dynamic_slice',
  'dynamic_update_slice',
  'gather',
  'iota',
  'pad',
  'reduce',
  'reduce_scatter',
  'reduce_window',
  'reshape',
  'reverse',
  'scatter',
  'select',
  'select_and_scatter',
  'shard_slice',
  'slice',
  'sort',
  'transpose',
  'while',
] as const satisfies readonly OpKind[];

/** Every op kind the IR can hold, alphabetically. */
export const OP_KINDS: readonly OpKind[] = [...UNARY_KINDS, ...BINARY_KINDS, ...OTHER_KINDS].sort();

const UNARY_SET: ReadonlySet<string> = new Set(UNARY_KINDS);
const BINARY_SET: ReadonlySet<string> = new Set(BINARY_KINDS);

export function isUnaryKind(kind: OpKind): kind is UnaryKind {
  return UNARY_SET.has(kind);
}

export function isBinaryKind(kind: OpKind): kind is BinaryKind {
  return BINARY_SET.has(kind);
}

/** Ops that map elements one to one (same shape in, same shape out). */
export function isElementwiseKind(kind: OpKind): boolean {
  return (
    UNARY_SET.has(kind) ||
    BINARY_SET.has(kind) ||
    kind === 'compare' ||
    kind === 'select' ||
    kind === 'clamp' ||
    kind === 'convert'
  );
}

export function isOpKind(s: string): s is OpKind {
  return (OP_KINDS as readonly string[]).includes(s);
}

/** Ops that exist only in per-device SPMD programs. */
export const SPMD_KINDS: readonly OpKind[] = [
  'all_gather',
  'all_reduce',
  'all_to_all',
  'axis_index',
  'collective_permute',
  'reduce_scatter',
  'shard_slice',
];

export function isSpmdKind(kind: OpKind): boolean {
  return (SPMD_KINDS as readonly string[]).includes(kind);
}
