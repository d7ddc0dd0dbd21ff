import { BINARY_KINDS, UNARY_KINDS, type OpKind } from '../ops.ts';
import { fail, type OpEvaluator } from './context.ts';
import { evalCall, evalCase, evalCustomCall, evalWhile } from './control.ts';
import { evalConvolution } from './convolution.ts';
import { evalDotGeneral } from './dot.ts';
import {
  binaryEvaluator,
  evalClamp,
  evalCompare,
  evalConvert,
  evalSelect,
  unaryEvaluator,
} from './elementwise.ts';
import { evalGather, evalScatter } from './gather-scatter.ts';
import { evalReduce, evalReduceWindow, evalSelectAndScatter } from './reduce.ts';
import { evalSort } from './sort.ts';
import {
  evalBroadcastInDim,
  evalConcatenate,
  evalConstant,
  evalDynamicSlice,
  evalDynamicUpdateSlice,
  evalIota,
  evalPad,
  evalReshape,
  evalReverse,
  evalSlice,
  evalTranspose,
} from './structural.ts';

const elementwise = Object.fromEntries([
  ...UNARY_KINDS.map((k) => [k, unaryEvaluator(k)] as const),
  ...BINARY_KINDS.map((k) => [k, binaryEvaluator(k)] as const),
]) as Record<(typeof UNARY_KINDS)[number] | (typeof BINARY_KINDS)[number], OpEvaluator>;

/** SPMD collectives exist only in per-device programs, which src/core/spmd/execute.ts runs in
 *  lockstep on every device; on their own (one device, no mesh) they have no meaning. */
const needsSpmd: OpEvaluator = (op) =>
  fail(
    op,
    'is an SPMD op: it needs the SPMD interpreter (evaluateSpmd in src/core/spmd/execute.ts)',
  );

/** One evaluator per op kind; the type makes a missing kind a compile error. Others, in
 *  alphabetical order. */
export const OP_EVALUATORS: Readonly<Record<OpKind, OpEvaluator>> = Object.freeze({
  ...elementwise,
  all_gather: needsSpmd,
  collective_permute: needsSpmd,
  all_reduce: needsSpmd,
  all_to_all: needsSpmd,
  axis_index: needsSpmd,
  broadcast_in_dim: evalBroadcastInDim,
  call: evalCall,
  case: evalCase,
  clamp: evalClamp,
  compare: evalCompare,
  concatenate: evalConcatenate,
  constant: evalConstant,
  convert: evalConvert,
  convolution: evalConvolution,
  custom_call: evalCustomCall,
  dot_general: evalDotGeneral,
  dynamic_slice: evalDynamicSlice,
  dynamic_update_slice: evalDynamicUpdateSlice,
  gather: evalGather,
  iota: evalIota,
  pad: evalPad,
  reduce: evalReduce,
  reduce_scatter: needsSpmd,
  reduce_window: evalReduceWindow,
  reshape: evalReshape,
  reverse: evalReverse,
  scatter: evalScatter,
  select: evalSelect,
  select_and_scatter: evalSelectAndScatter,
  shard_slice: needsSpmd,
  slice: evalSlice,
  sort: evalSort,
  transpose: evalTranspose,
  while: evalWhile,
});
