import { isElementwiseKind, OP_KINDS, type OpKind } from '../ir/ops.ts';
import type { Op, Program } from '../ir/program.ts';
import { opFlops } from '../ir/stats.ts';
import type { TensorType } from '../ir/shape.ts';
import { peakFlopsFor, type Hardware } from '../mesh/hardware.ts';
import { valueSizes, type ValueSizes } from './value-sizes.ts';

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
  let k = 1;
  let m = 1;
  for (let i = 0; i < lhs.length; i++) {
    if (a.lhsContract.includes(i)) k *= lhs[i];
    else if (!a.lhsBatch.includes(i)) m *= lhs[i];
  }
  let n = 1;
  for (let i = 0; i < rhs.length; i++)
    if (!a.rhsContract.includes(i) && !a.rhsBatch.includes(i)) n *= rhs[i];
  return { m, n, k };
}

/** How the cost model treats each op kind. */
const Cls = {
  /** Bitcasts, scalars folded into consumers, device coordinates, control flow (walked). */
  Free: 0,
  /** Elementwise, broadcast: folded into neighbouring loop fusions. */
  Fusible: 1,
  /** Reductions: read fused producers (input fusion), write their result. */
  Reduce: 2,
  /** Reads and writes a window: twice the output. */
  Window: 3,
  /** Writes an update in place: twice the update. */
  Update: 4,
  Other: 5,
} as const;
type Cls = (typeof Cls)[keyof typeof Cls];

const CLS = new Map<OpKind, Cls>();
for (const k of OP_KINDS) CLS.set(k, isElementwiseKind(k) ? Cls.Fusible : Cls.Other);
for (const k of ['reshape', 'constant', 'iota', 'axis_index', 'while', 'case', 'call'] as const)
  CLS.set(k, Cls.Free);
CLS.set('broadcast_in_dim', Cls.Fusible);
CLS.set('reduce', Cls.Reduce);
for (const k of ['slice', 'dynamic_slice', 'shard_slice', 'gather', 'concatenate'] as const)
  CLS.set(k, Cls.Window);
CLS.set('dynamic_update_slice', Cls.Update);

/**
 * Facts about a whole program the per-op cost (and the memory model) needs: each value's bytes,
 * and which values never reach HBM. A fusible op's result stays on chip when every consumer is
 * fusible or a reduction: XLA folds the producer into each consumer's fusion (recomputing it
 * there if it has several), so only fusion inputs (matmul results, parameters, reductions…) and
 * outputs touch memory. One exception: a value a reduction reads that has other users too is
 * written once by a multi-output reduction fusion (a LayerNorm's input, the residual stream)
 * rather than recomputed by every user.
 */
export interface FusionInfo {
  readonly bytes: Float64Array;
  /** Elements of each value (elementwise FLOPs without another look at the types). */
  readonly numel: Float64Array;
  readonly onChip: Uint8Array;
  /** One more than the largest op id (arrays by op id have this length). */
  readonly opIdBound: number;
}

export function fusionInfo(p: Program, sizes: ValueSizes = valueSizes(p)): FusionInfo {
  const n = p.values.length;
  // set where a fusible op defines a value, cleared at any consumer that would read it from HBM
  // (SSA: a value's definition comes before its uses, so one pass in program order suffices)
  const onChip = new Uint8Array(n);
  const uses = new Uint32Array(n);
  for (const f of p.funcs.values()) countUses(f.ops, uses);
  countUses(p.main.ops, uses);
  let maxOp = -1;
  for (const f of p.funcs.values()) {
    maxOp = Math.max(maxOp, visitFusion(f.ops, onChip, uses));
    for (const v of f.results) onChip[v] = 0;
  }
  maxOp = Math.max(maxOp, visitFusion(p.main.ops, onChip, uses));
  for (const o of p.outputs) onChip[o.value] = 0;
  return { bytes: sizes.bytes, numel: sizes.numel, onChip, opIdBound: maxOp + 1 };
}

/** How many ops read each value (an op reading it twice counts once), regions included. */
function countUses(ops: readonly Op[], uses: Uint32Array): void {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const operands = op.operands;
    for (let k = 0; k < operands.length; k++)
      if (operands.indexOf(operands[k]) === k) uses[operands[k]]++;
    const regions = op.regions;
    for (let k = 0; k < regions.length; k++) countUses(regions[k].ops, uses);
  }
}

/** Returns the largest op id met. */
function visitFusion(ops: readonly Op[], onChip: Uint8Array, uses: Uint32Array): number {
  let maxOp = -1;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op.id > maxOp) maxOp = op.id;
    const c = CLS.get(op.kind)!;
    const operands = op.operands;
    if (c !== Cls.Fusible && c !== Cls.Reduce)
      for (let k = 0; k < operands.length; k++) onChip[operands[k]] = 0;
    else if (c === Cls.Reduce)
      for (let k = 0; k < operands.length; k++) if (uses[operands[k]] > 1) onChip[operands[k]] = 0;
    const regions = op.regions;
    for (let k = 0; k < regions.length; k++) {
      const r = regions[k];
      const m = visitFusion(r.ops, onChip, uses);
      if (m > maxOp) maxOp = m;
      const yields = r.yields;
      for (let j = 0; j < yields.length; j++) onChip[yields[j]] = 0;
    }
    // an iota costs nothing and is generated inside each fusion that reads it
    if (c === Cls.Fusible || op.kind === 'iota') {
      const results = op.results;
      for (let k = 0; k < results.length; k++) onChip[results[k]] = 1;
    }
  }
  return maxOp;
}

/**
 * HBM bytes an op moves once fused: operands and results that stay on chip are free. Windows
 * (slices, gathers, concatenation) move twice their output and in-place updates twice the
 * update, as XLA's cost analysis counts them.
 */
export function fusedBytes(op: Op, f: FusionInfo): number {
  return fusedBytesOf(op, CLS.get(op.kind)!, f);
}

function fusedBytesOf(op: Op, cls: Cls, f: FusionInfo): number {
  switch (cls) {
    case Cls.Free:
      return 0;
    case Cls.Window:
      return 2 * f.bytes[op.results[0]];
    case Cls.Update:
      return 2 * f.bytes[op.operands[1]];
    default: {
      const { bytes, onChip } = f;
      let b = 0;
      const operands = op.operands;
      for (let k = 0; k < operands.length; k++) {
        const v = operands[k];
        if (!onChip[v]) b += bytes[v];
      }
      const results = op.results;
      for (let k = 0; k < results.length; k++) {
        const v = results[k];
        if (!onChip[v]) b += bytes[v];
      }
      return b;
    }
  }
}

/** One execution of one op (regions and callees excluded: the scheduler walks them). */
export function opComputeCost(
  op: Op,
  types: (id: number) => TensorType,
  model: ComputeModel,
  fusion: FusionInfo,
): OpCost {
  const timeS = costOf(op, types, model, fusion);
  if (scratchBound === 'free') return FREE;
  return { timeS, flops: scratchFlops, bytes: scratchBytes, bound: scratchBound };
}

/** Compute time and FLOPs of one execution of every op of a program (regions and functions
 *  included), by op id: `opComputeCost` without an object per op. */
export interface ComputeCosts {
  readonly timeS: Float64Array;
  readonly flops: Float64Array;
  /** Ids of the matmuls and convolutions, in program order. */
  readonly matmuls: number[];
}

export function computeCosts(
  p: Program,
  types: (id: number) => TensorType,
  model: ComputeModel,
  fusion: FusionInfo,
): ComputeCosts {
  const out: ComputeCosts = {
    timeS: new Float64Array(fusion.opIdBound),
    flops: new Float64Array(fusion.opIdBound),
    matmuls: [],
  };
  fillCosts(p.main.ops, types, model, fusion, out);
  for (const f of p.funcs.values()) fillCosts(f.ops, types, model, fusion, out);
  return out;
}

function fillCosts(
  ops: readonly Op[],
  types: (id: number) => TensorType,
  model: ComputeModel,
  fusion: FusionInfo,
  out: ComputeCosts,
): void {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const t = costOf(op, types, model, fusion);
    out.timeS[op.id] = t;
    out.flops[op.id] = scratchFlops;
    if (op.kind === 'dot_general' || op.kind === 'convolution') out.matmuls.push(op.id);
    const regions = op.regions;
    for (let k = 0; k < regions.length; k++) fillCosts(regions[k].ops, types, model, fusion, out);
  }
}

// what costOf found besides the time (no object per op)
let scratchFlops = 0;
let scratchBytes = 0;
let scratchBound: Bound = 'free';

function costOf(
  op: Op,
  types: (id: number) => TensorType,
  model: ComputeModel,
  fusion: FusionInfo,
): number {
  const cls = CLS.get(op.kind)!;
  scratchFlops = 0;
  scratchBytes = 0;
  scratchBound = 'free';
  if (cls === Cls.Free) return 0;
  const hw = model.hardware;
  // elementwise ops and reductions: one FLOP per output / input element (as opFlops counts them)
  const flops =
    cls === Cls.Fusible
      ? op.kind === 'convert' || op.kind === 'broadcast_in_dim'
        ? 0
        : fusion.numel[op.results[0]]
      : cls === Cls.Reduce
        ? fusion.numel[op.operands[0]]
        : opFlops(op, types);
  const bytes = fusedBytesOf(op, cls, fusion);
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
    // vector units: a fixed fraction of the bf16 matmul peak, whatever the dtype
    flopsPerS = hw.peakFlops.bf16 * model.vectorFraction;
  }
  const bytesPerS = hw.hbmBandwidth * model.memEff;
  const tFlops = flops / flopsPerS;
  const tBytes = bytes / bytesPerS;
  // a kernel ends (and launches) at every op whose result is materialised
  const launch = cls === Cls.Fusible && fusion.onChip[op.results[0]] ? 0 : model.launchS;
  if (tFlops === 0 && tBytes === 0 && launch === 0) return 0;
  scratchFlops = flops;
  scratchBytes = bytes;
  scratchBound = tFlops >= tBytes ? 'compute' : 'memory';
  return launch + Math.max(tFlops, tBytes);
}
