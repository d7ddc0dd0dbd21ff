import { dtypeBytes } from './dtype.ts';
import { isElementwiseKind, type OpAttrs } from './ops.ts';
import type { Op, Program } from './program.ts';
import { shapeNumel, tensorBytes, type TensorType } from './shape.ts';

/** Floating-point operations of one execution of an op (regions and callees excluded:
 *  `programStats` multiplies bodies by their trip counts). A multiply-add counts as 2. */
export function opFlops(op: Op, types: (id: number) => TensorType): number {
  const out = op.results.length ? types(op.results[0]) : undefined;
  switch (op.kind) {
    case 'dot_general': {
      const a = op.attrs as OpAttrs['dot_general'];
      const lhs = types(op.operands[0]);
      const k = a.lhsContract.reduce((n, d) => n * lhs.shape[d], 1);
      return 2 * shapeNumel(out!.shape) * k;
    }
    case 'convolution': {
      const a = op.attrs as OpAttrs['convolution'];
      const kernel = types(op.operands[1]);
      const window = a.kernelSpatialDims.reduce((n, d) => n * kernel.shape[d], 1);
      const inPerGroup = kernel.shape[a.kernelInputFeatureDim];
      return 2 * shapeNumel(out!.shape) * window * inPerGroup;
    }
    case 'reduce':
    case 'reduce_window':
    case 'select_and_scatter':
      return shapeNumel(types(op.operands[0]).shape);
    case 'scatter':
      return shapeNumel(types(op.operands[2]).shape);
    case 'sort': {
      const x = types(op.operands[0]);
      const n = x.shape[(op.attrs as OpAttrs['sort']).dimension];
      return shapeNumel(x.shape) * Math.max(1, Math.ceil(Math.log2(Math.max(n, 2))));
    }
    default:
      if (isElementwiseKind(op.kind) && op.kind !== 'convert') return shapeNumel(out!.shape);
      return 0;
  }
}

/** Bytes an op reads and writes (operands + results), the roofline's memory traffic. */
export function opBytes(op: Op, types: (id: number) => TensorType): number {
  if (op.kind === 'while' || op.kind === 'case' || op.kind === 'call') return 0;
  let b = 0;
  for (const v of op.operands) b += tensorBytes(types(v));
  for (const v of op.results) b += tensorBytes(types(v));
  return b;
}

export interface ProgramStats {
  /** Elements of all parameter inputs. */
  readonly params: number;
  readonly paramBytes: number;
  readonly optStateBytes: number;
  readonly dataBytes: number;
  /** Executed op count (bodies once, not per trip) and static op count including regions. */
  readonly ops: number;
  readonly flops: number;
  readonly matmulFlops: number;
  readonly bytes: number;
  readonly flopsByPhase: {
    readonly forward: number;
    readonly backward: number;
    readonly optimizer: number;
  };
}

/** Totals over one execution of the program: while bodies count tripCount times, calls once per call. */
export function programStats(p: Program): ProgramStats {
  const types = (id: number) => p.values[id].type;
  let ops = 0;
  let flops = 0;
  let matmulFlops = 0;
  let bytes = 0;
  const byPhase = { forward: 0, backward: 0, optimizer: 0 };
  const walk = (list: readonly Op[], mult: number, depth: number) => {
    if (depth > 64)
      throw new Error('programStats: call nesting deeper than 64 (recursive functions?)');
    for (const op of list) {
      ops++;
      const f = opFlops(op, types) * mult;
      flops += f;
      byPhase[op.phase] += f;
      if (op.kind === 'dot_general' || op.kind === 'convolution') matmulFlops += f;
      bytes += opBytes(op, types) * mult;
      if (op.kind === 'while') {
        const trips = (op.attrs as OpAttrs['while']).tripCount;
        walk(op.regions[1].ops, mult * trips, depth + 1);
        walk(op.regions[0].ops, mult * (trips + 1), depth + 1);
      } else if (op.kind === 'case') {
        // the most expensive branch bounds the cost
        let worst: readonly Op[] = [];
        let worstF = -1;
        for (const r of op.regions) {
          const f2 = r.ops.reduce((s, o) => s + opFlops(o, types), 0);
          if (f2 > worstF) [worst, worstF] = [r.ops, f2];
        }
        walk(worst, mult, depth + 1);
      } else if (op.kind === 'call') {
        const f2 = p.funcs.get((op.attrs as OpAttrs['call']).callee);
        if (f2) walk(f2.ops, mult, depth + 1);
      }
    }
  };
  walk(p.main.ops, 1, 0);
  let params = 0;
  let paramBytes = 0;
  let optStateBytes = 0;
  let dataBytes = 0;
  for (const id of p.main.params) {
    const v = p.values[id];
    const n = shapeNumel(v.type.shape);
    if (v.role === 'param') {
      params += n;
      paramBytes += n * dtypeBytes(v.type.dtype);
    } else if (v.role === 'optState') optStateBytes += n * dtypeBytes(v.type.dtype);
    else dataBytes += n * dtypeBytes(v.type.dtype);
  }
  return {
    params,
    paramBytes,
    optStateBytes,
    dataBytes,
    ops,
    flops,
    matmulFlops,
    bytes,
    flopsByPhase: byPhase,
  };
}
