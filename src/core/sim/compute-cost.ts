import type { DType } from '../ir/dtype.ts';
import { isElementwiseKind, type OpKind } from '../ir/ops.ts';
import type { Op, Program } from '../ir/program.ts';
import { opFlops } from '../ir/stats.ts';
import { tensorBytes, type TensorType } from '../ir/shape.ts';
import { peakFlopsFor, type Hardware } from '../mesh/hardware.ts';

/**
 * Time of one op of the per-device program on one chip: a roofline
 *
 *   t = launch + max(flops / (peak · eff_flops), bytes / (hbm_bw · eff_mem))
 *
 * with four constants per chip family, each standing for one physical effect (docs/simulator.md
 * gives the sources):
 * - `matmulEff`: the sustained fraction of dense peak a large matmul reaches (MXU / tensor cores
 *   are never fed every cycle: pipeline fill, epilogues, clock throttling);
 * - `tile`: the systolic-array / tensor-core tile edge; a matmul dimension d only fills
 *   d / (⌈d/tile⌉·tile) of the tiles it occupies (tile quantisation), so small matmuls run slower;
 * - `memEff`: the fraction of HBM bandwidth a streaming kernel sustains;
 * - `launchS`: a fixed cost per kernel (launch, synchronisation), which dominates tiny ops.
 * Non-matmul arithmetic runs on the vector units at `vectorFraction` of the matmul peak.
 *
 * HBM traffic assumes the compiler fuses chains of elementwise ops (see `fusedBytes`).
 */
export interface ComputeModel {
  readonly hardware: Hardware;
  readonly matmulEff: number;
  readonly tile: number;
  readonly memEff: number;
  readonly launchS: number;
  readonly vectorFraction: number;
}

/** Efficiencies per chip family (GPU vs TPU); see docs/simulator.md for where they come from. */
export function computeModelFor(hw: Hardware): ComputeModel {
  const gpu = hw.vendor === 'nvidia' || (hw.vendor === 'custom' && !!hw.links.nvlink);
  return gpu
    ? {
        hardware: hw,
        matmulEff: 0.8,
        tile: 128,
        memEff: 0.92,
        launchS: 1.3e-6,
        vectorFraction: 1 / 16,
      }
    : {
        hardware: hw,
        matmulEff: 0.85,
        tile: /v6e/i.test(hw.name) ? 256 : 128,
        memEff: 0.9,
        launchS: 0.5e-6,
        vectorFraction: 1 / 16,
      };
}

export type Bound = 'compute' | 'memory' | 'free';

export interface OpCost {
  readonly timeS: number;
  readonly flops: number;
  readonly bytes: number;
  readonly bound: Bound;
}

const FREE: OpCost = { timeS: 0, flops: 0, bytes: 0, bound: 'free' };

/** The plain roofline: the slower of arithmetic and memory traffic (perfect overlap of both). */
export function rooflineTimeS(
  flops: number,
  bytes: number,
  flopsPerS: number,
  bytesPerS: number,
): number {
  return Math.max(flops / flopsPerS, bytes / bytesPerS);
}

/** Fraction of the tiles a dimension of size d occupies that it fills. */
export function tileUtilisation(d: number, tile: number): number {
  if (d <= 0) return 1;
  return d / (Math.ceil(d / tile) * tile);
}

/** M, N, K of a dot_general (batch dims excluded: they repeat the same matmul). */
export function matmulDims(op: Op<'dot_general'>, types: (id: number) => TensorType) {
  const a = op.attrs;
  const lhs = types(op.operands[0]).shape;
  const rhs = types(op.operands[1]).shape;
  const prod = (s: readonly number[], keep: (i: number) => boolean) =>
    s.reduce((n, d, i) => (keep(i) ? n * d : n), 1);
  const k = prod(lhs, (i) => a.lhsContract.includes(i));
  const m = prod(lhs, (i) => !a.lhsContract.includes(i) && !a.lhsBatch.includes(i));
  const n = prod(rhs, (i) => !a.rhsContract.includes(i) && !a.rhsBatch.includes(i));
  return { m, n, k };
}

/** Ops XLA folds into their neighbours' loop fusions. */
const FUSIBLE = (kind: OpKind) =>
  isElementwiseKind(kind) || kind === 'broadcast_in_dim' || kind === 'reshape';
/** Ops that read a fused producer's result from registers (loop and input fusion). */
const ABSORBS = (kind: OpKind) => FUSIBLE(kind) || kind === 'reduce';
/** Ops that cost nothing: bitcasts, scalars folded into consumers, device coordinates. */
const FREE_KINDS = new Set<OpKind>([
  'reshape',
  'constant',
  'iota',
  'axis_index',
  'while',
  'case',
  'call',
]);

/**
 * Facts about a whole program the per-op cost needs: uses per value and the op defining each
 * value, to decide which intermediates never reach HBM (producer–consumer fusion).
 */
export interface FusionInfo {
  readonly uses: Int32Array;
  /** The single consumer's kind of each value with exactly one use. */
  readonly soleConsumer: (OpKind | undefined)[];
  readonly defKind: (OpKind | undefined)[];
}

export function fusionInfo(p: Program): FusionInfo {
  const n = p.values.length;
  const uses = new Int32Array(n);
  const soleConsumer: (OpKind | undefined)[] = new Array<OpKind | undefined>(n);
  const defKind: (OpKind | undefined)[] = new Array<OpKind | undefined>(n);
  const visit = (ops: readonly Op[]) => {
    for (const op of ops) {
      for (const v of op.operands) {
        uses[v]++;
        soleConsumer[v] = op.kind;
      }
      for (const v of op.results) defKind[v] = op.kind;
      for (const r of op.regions) {
        visit(r.ops);
        for (const v of r.yields) uses[v]++;
      }
    }
  };
  visit(p.main.ops);
  for (const f of p.funcs.values()) {
    visit(f.ops);
    for (const v of f.results) uses[v]++;
  }
  for (const o of p.outputs) uses[o.value]++;
  return { uses, soleConsumer, defKind };
}

/**
 * HBM bytes an op moves once fused: an elementwise result with a single elementwise (or reduce)
 * consumer stays on chip, so neither its write nor its read is charged. Slices move twice their
 * output (read + write of the window), as XLA's cost analysis counts them.
 */
export function fusedBytes(op: Op, types: (id: number) => TensorType, f: FusionInfo): number {
  if (FREE_KINDS.has(op.kind)) return 0;
  switch (op.kind) {
    case 'slice':
    case 'dynamic_slice':
    case 'shard_slice':
    case 'gather':
    case 'concatenate':
      return 2 * tensorBytes(types(op.results[0]));
    case 'dynamic_update_slice':
      return 2 * tensorBytes(types(op.operands[1]));
    default:
      break;
  }
  let bytes = 0;
  const absorbs = ABSORBS(op.kind);
  for (const v of op.operands) {
    const dk = f.defKind[v];
    const fusedIn = absorbs && dk !== undefined && FUSIBLE(dk) && f.uses[v] === 1;
    if (!fusedIn) bytes += tensorBytes(types(v));
  }
  if (FUSIBLE(op.kind)) {
    for (const v of op.results) {
      const c = f.soleConsumer[v];
      const fusedOut = f.uses[v] === 1 && c !== undefined && ABSORBS(c);
      if (!fusedOut) bytes += tensorBytes(types(v));
    }
  } else for (const v of op.results) bytes += tensorBytes(types(v));
  return bytes;
}

/** Whether an op ends a kernel (and pays a launch): not fused into its sole consumer. */
function launches(op: Op, f: FusionInfo): boolean {
  if (FREE_KINDS.has(op.kind)) return false;
  if (!FUSIBLE(op.kind)) return true;
  const v = op.results[0];
  const c = f.soleConsumer[v];
  return !(f.uses[v] === 1 && c !== undefined && ABSORBS(c));
}

/** One execution of one op (regions and callees excluded: the scheduler walks them). */
export function opComputeCost(
  op: Op,
  types: (id: number) => TensorType,
  model: ComputeModel,
  fusion: FusionInfo,
): OpCost {
  if (FREE_KINDS.has(op.kind)) return FREE;
  const hw = model.hardware;
  const flops = opFlops(op, types);
  const bytes = fusedBytes(op, types, fusion);
  let flopsPerS: number;
  if (op.kind === 'dot_general') {
    const dtype = types(op.operands[0]).dtype;
    const { m, n, k } = matmulDims(op as Op<'dot_general'>, types);
    const t = model.tile;
    const util = tileUtilisation(m, t) * tileUtilisation(n, t) * tileUtilisation(k, t);
    flopsPerS = peakFlopsFor(hw, dtype) * model.matmulEff * util;
  } else if (op.kind === 'convolution') {
    flopsPerS = peakFlopsFor(hw, types(op.operands[0]).dtype) * model.matmulEff;
  } else {
    const dtype: DType = op.results.length ? types(op.results[0]).dtype : 'f32';
    flopsPerS = peakFlopsFor(hw, dtype) * model.vectorFraction;
  }
  const bytesPerS = hw.hbmBandwidth * model.memEff;
  const tFlops = flops / flopsPerS;
  const tBytes = bytes / bytesPerS;
  const launch = launches(op, fusion) ? model.launchS : 0;
  if (tFlops === 0 && tBytes === 0 && launch === 0) return FREE;
  return {
    timeS: launch + Math.max(tFlops, tBytes),
    flops,
    bytes,
    bound: tFlops >= tBytes ? 'compute' : 'memory',
  };
}
