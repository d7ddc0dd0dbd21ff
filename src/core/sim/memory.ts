import type { Op, Program, Region, ValueId } from '../ir/program.ts';
import type { Mesh } from '../mesh/mesh.ts';
import { meshDeviceCount } from '../mesh/mesh.ts';
import type { SpmdProgram } from '../spmd/lower.ts';
import { fusionInfo, type FusionInfo } from './compute-cost.ts';

/** Bytes by what they hold, at one point of the program. */
export interface MemoryBreakdown {
  readonly params: number;
  readonly grads: number;
  readonly optState: number;
  readonly activations: number;
  readonly temp: number;
}

export interface MemoryProfile {
  /** Peak live bytes, max over devices. */
  readonly peakBytes: number;
  /** What is live at the peak. */
  readonly breakdown: MemoryBreakdown;
  /** Peak per device (all equal while shardings are even). */
  readonly perDevice: readonly number[];
  /** Live bytes after each op of the per-device main function, in program order (for the timeline's memory counter). */
  readonly timeline: Float64Array;
  /** Index in main's ops of the op at which the peak occurs (-1 for a program without ops). */
  readonly peakOpIndex: number;
}

export type MemoryCategory = keyof MemoryBreakdown;

/** Category codes, the order of `memoryCategories`' entries. */
export const MEMORY_CATEGORIES: readonly MemoryCategory[] = [
  'params',
  'grads',
  'optState',
  'activations',
  'temp',
];
const PARAMS = 0;
const GRADS = 1;
const OPT = 2;
const ACT = 3;
const TEMP = 4;
const NCAT = 5;

/** Ops that make a copy of their single operand (a parameter's cast or reshard stays a parameter copy). */
const COPY_KINDS = new Set([
  'convert',
  'all_gather',
  'all_to_all',
  'collective_permute',
  'shard_slice',
  'reshape',
  'transpose',
]);

/**
 * The category of every value of the per-device program (an array indexed by local value id, holding
 * indices into MEMORY_CATEGORIES), derived from the global value each local value stands for:
 *
 * - main inputs by role: param → params, optState → optState, data → activations (the batch is
 *   per-step data that scales with the batch like activations, and the embedding backward reads it);
 * - the optimizer's results (kind 'update' tagged `of` an input) → the category of that input, so a
 *   new parameter counts as a parameter;
 * - parameter gradients (kind 'gradient' tagged `of` a parameter, in any of their local versions:
 *   partial sums, all-reduced or reduce-scattered) and gradient accumulators (kind 'gradient' carried
 *   through a while) → grads;
 * - forward values (not rematerialised) that a backward or optimizer op reads → activations
 *   (saved for the backward), except working copies of parameters (casts and reshards of them);
 * - everything else → temp: short-lived forward intermediates, backward intermediates, the
 *   optimizer's intermediates, reshard copies of inputs, collective helpers (axis_index, select).
 */
export function memoryCategories(spmd: SpmdProgram, global: Program): Uint8Array {
  return analyse(spmd, global).cat;
}

/** One pass over every block: categories, and each value's last use in the block defining it. */
interface Analysis {
  readonly cat: Uint8Array;
  /** Bytes of each value (its local type). */
  readonly bytes: Float64Array;
  /** Index (in its block) of the last op using each value; NEVER if unused, END if yielded. */
  readonly lastUse: Int32Array;
  /** Index in main's ops of each value's defining op; -1 elsewhere. */
  readonly mainIndex: Int32Array;
}

const NEVER = -1;
const END = 0x7fffffff;

function analyse(
  spmd: SpmdProgram,
  global: Program,
  fusion: FusionInfo = fusionInfo(spmd.program),
): Analysis {
  const p = spmd.program;
  const pv = p.values;
  const n = pv.length;
  const { onChip, bytes: valueBytes } = fusion;
  const producer: (Op | undefined)[] = new Array(n);
  const sourcesOf = fusedSources(onChip, producer);
  const cat = new Uint8Array(n).fill(TEMP);
  const lastUse = new Int32Array(n).fill(NEVER);
  const mainIndex = new Int32Array(n).fill(-1);
  const globalOf = new Int32Array(n).fill(-1);
  spmd.localOf.forEach((l, g) => {
    if (globalOf[l] < 0) globalOf[l] = g;
  });
  // the global value a collective's result stands for, by the collective's op id
  const collectiveValue = new Map<number, ValueId>();
  for (let i = 0; i < spmd.collectives.length; i++) {
    const c = spmd.collectives[i];
    collectiveValue.set(c.opId, c.value);
  }

  // per value: read by a backward/optimizer op, carried by a while, a parameter copy, made by a forward op
  const FLAG_READ_LATER = 1;
  const FLAG_CARRIED = 2;
  const FLAG_PARAM_COPY = 4;
  const FLAG_FORWARD = 8;
  const flags = new Uint8Array(n);
  const defOp = new Int32Array(n).fill(-1);
  for (const id of p.main.params) if (pv[id].role === 'param') flags[id] |= FLAG_PARAM_COPY;
  const visit = (ops: readonly Op[], yields: readonly ValueId[], isMain: boolean): void => {
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const { operands, results } = op;
      const later = op.phase !== 'forward';
      for (let k = 0; k < operands.length; k++) {
        const o = operands[k];
        lastUse[o] = i;
        if (later) flags[o] |= FLAG_READ_LATER;
        if (onChip[o])
          for (const s of sourcesOf(o)) {
            lastUse[s] = i;
            if (later) flags[s] |= FLAG_READ_LATER;
          }
      }
      const rflags =
        (op.phase === 'forward' && !op.remat ? FLAG_FORWARD : 0) |
        (operands.length === 1 && flags[operands[0]] & FLAG_PARAM_COPY && COPY_KINDS.has(op.kind)
          ? FLAG_PARAM_COPY
          : 0) |
        (op.kind === 'while' ? FLAG_CARRIED : 0);
      for (let k = 0; k < results.length; k++) {
        const r = results[k];
        flags[r] |= rflags;
        defOp[r] = op.id;
        producer[r] = op;
        if (isMain) mainIndex[r] = i;
      }
      const regions = op.regions;
      for (let k = 0; k < regions.length; k++) {
        const region = regions[k];
        if (op.kind === 'while') {
          for (const v of region.params) flags[v] |= FLAG_CARRIED;
          if (k === 1) for (const v of region.yields) flags[v] |= FLAG_CARRIED;
        }
        visit(region.ops, region.yields, false);
      }
    }
    for (const y of yields) lastUse[y] = END;
  };
  visit(
    p.main.ops,
    p.outputs.map((o) => o.value),
    true,
  );
  for (const f of p.funcs.values()) visit(f.ops, f.results, false);

  const gv = global.values;
  // a fused value never occupies a buffer of its own: its sources pay for it (above)
  const bytes = Float64Array.from(valueBytes, (b, v) => (onChip[v] ? 0 : b));
  for (let l = 0; l < n; l++) {
    const v = pv[l];
    if (v.role !== undefined) {
      cat[l] = v.role === 'param' ? PARAMS : v.role === 'optState' ? OPT : ACT;
      continue;
    }
    let g = globalOf[l];
    if (g < 0 && defOp[l] >= 0) g = collectiveValue.get(defOp[l]) ?? -1;
    if (g < 0) continue; // collective helpers, lowering glue
    const gval = gv[g];
    if (gval.role !== undefined) continue; // a reshard copy of an input
    if (gval.of !== undefined && gval.kind === 'update') {
      const role = gv[gval.of].role;
      cat[l] = role === 'param' ? PARAMS : role === 'optState' ? OPT : TEMP;
      continue;
    }
    if (
      gval.kind === 'gradient' &&
      ((gval.of !== undefined && gv[gval.of].role === 'param') || flags[l] & FLAG_CARRIED)
    ) {
      cat[l] = GRADS;
      continue;
    }
    const f = flags[l];
    if (f & FLAG_PARAM_COPY) continue;
    if (f & FLAG_FORWARD && f & FLAG_READ_LATER) cat[l] = ACT;
  }
  return { cat, bytes, lastUse, mainIndex };
}

/**
 * The buffers a fused value is recomputed from: XLA recomputes an elementwise value inside each
 * consumer's fusion (compute-cost.ts `fusionInfo`), so reading it keeps alive, instead, the
 * materialised values its fused producers read (a GeLU's backward keeps the matmul result the
 * GeLU started from, not tanh(·) and the other intermediates). Memoised per value.
 */
function fusedSources(
  onChip: Uint8Array,
  producer: readonly (Op | undefined)[],
): (v: ValueId) => readonly ValueId[] {
  // by value id; lists are short (a handful of matmul results, inputs, statistics), so a linear
  // `includes` dedupes them faster than a Set would
  const memo: (readonly ValueId[] | undefined)[] = new Array(onChip.length);
  const sourcesOf = (v: ValueId): readonly ValueId[] => {
    const hit = memo[v];
    if (hit) return hit;
    const out: ValueId[] = [];
    const operands = producer[v]?.operands ?? [];
    for (let k = 0; k < operands.length; k++) {
      const o = operands[k];
      if (!onChip[o]) {
        if (!out.includes(o)) out.push(o);
      } else for (const s of sourcesOf(o)) if (!out.includes(s)) out.push(s);
    }
    memo[v] = out;
    return out;
  };
  return sourcesOf;
}

/** The category of one local value (see `memoryCategories`). */
export function memoryCategory(spmd: SpmdProgram, global: Program, local: ValueId): MemoryCategory {
  return MEMORY_CATEGORIES[memoryCategories(spmd, global)[local]];
}

/** Peak of a block above what is live around it, with its breakdown. */
interface BlockPeak {
  readonly peak: number;
  readonly cats: Float64Array;
}

/**
 * Peak memory from buffer liveness over the per-device program, ops in program order (the order the
 * simulator schedules them in; no reordering, no in-place reuse of elementwise operands), with the
 * fusion model of the compute cost (`fusionInfo`):
 *
 * - a value that stays on chip (an elementwise result whose consumers are all fusions) takes no
 *   buffer; each use of it keeps alive the materialised values it is recomputed from instead
 *   (`fusedSources`), which is what XLA's fusion keeps for the backward pass;
 * - program inputs are live throughout, except donated ones (an output `aliases` them): those live
 *   until their last use or until the output replacing them is made, whichever is later, and the
 *   output takes over their buffer when they die at its op (the new parameter replaces the old);
 * - a value is allocated when its op runs and freed after its last use (uses inside regions count
 *   at the region's op); unused values are freed right after their op; outputs live to the end;
 * - while an op runs, its operands and results are both live; a while/case/call adds the peak of
 *   its regions (computed recursively, once per region, not per trip) on top of the live set. The
 *   loop-carried values are counted once: as the while's operands outside, free inside the body
 *   (the body pays only for what it allocates, its yields included), and the while's results take
 *   over the carried buffers that die at the loop. The scalar bodies of reduce, sort, scatter and
 *   the like are not walked (scalars, fused in practice).
 *
 * Shardings are even today, so every device has the same program and the same peak. `fusion`
 * (`fusionInfo`, which also holds the values' sizes) may be passed when the caller has it already.
 */
export function memoryProfile(
  spmd: SpmdProgram,
  global: Program,
  mesh: Mesh,
  fusion?: FusionInfo,
): MemoryProfile {
  const p = spmd.program;
  const n = p.values.length;
  const { cat, bytes, lastUse, mainIndex } = analyse(spmd, global, fusion);

  // donation: the input an output replaces, and the op of main that makes that output
  const donatedBy = new Int32Array(n).fill(-1); // input id → output value id
  const donorOf = new Int32Array(n).fill(-1); // output value id → input id
  for (const o of p.outputs)
    if (o.aliases !== undefined) {
      const input = p.main.params[o.aliases];
      if (input !== o.value) {
        donatedBy[input] = o.value;
        donorOf[o.value] = input;
      }
    }
  // free lists (one per block, threaded through this array: each value dies in one block)
  const nextFree = new Int32Array(n).fill(-1);
  const dieAt = new Int32Array(n).fill(-1);
  const funcPeaks = new Map<string, BlockPeak>();
  const regionPeaks = new Map<Region, BlockPeak>();

  const regionExtra = (op: Op): BlockPeak | undefined => {
    let best: BlockPeak | undefined;
    for (const r of op.regions) {
      let rp = regionPeaks.get(r);
      if (!rp) {
        rp = walk(r.ops, undefined).block;
        regionPeaks.set(r, rp);
      }
      if (!best || rp.peak > best.peak) best = rp;
    }
    if (op.kind === 'call') {
      const callee = (op.attrs as { callee: string }).callee;
      let fp = funcPeaks.get(callee);
      const f = p.funcs.get(callee);
      if (!fp && f) {
        funcPeaks.set(callee, { peak: 0, cats: new Float64Array(NCAT) }); // recursion guard
        fp = walk(f.ops, undefined).block;
        funcPeaks.set(callee, fp);
      }
      if (fp && (!best || fp.peak > best.peak)) best = fp;
    }
    return best;
  };

  interface MainState {
    readonly timeline: Float64Array;
    peakIndex: number;
  }

  /** Walks one block; `main` set for the main function (inputs live, timeline recorded). */
  function walk(ops: readonly Op[], main: MainState | undefined): { block: BlockPeak } {
    const live = new Float64Array(NCAT);
    let total = 0;
    const m = ops.length;
    // free lists: the values dying after op i, threaded through nextFree; dieAt[v] = that i
    const head = new Int32Array(m).fill(-1);
    const pushFree = (v: ValueId, i: number): void => {
      nextFree[v] = head[i];
      head[i] = v;
      dieAt[v] = i;
    };
    if (main) {
      for (const id of p.main.params) {
        live[cat[id]] += bytes[id];
        total += bytes[id];
        if (donatedBy[id] >= 0) {
          const at = Math.max(lastUse[id], mainIndex[donatedBy[id]]);
          if (at >= 0 && at < m) pushFree(id, at);
        }
      }
    }
    for (let i = 0; i < m; i++) {
      const results = ops[i].results;
      for (let k = 0; k < results.length; k++) {
        const r = results[k];
        const u = lastUse[r];
        if (u !== END) pushFree(r, u === NEVER || u < i ? i : u);
      }
    }

    let peak = main ? total : 0;
    const peakCats = Float64Array.from(live);
    let peakIndex = -1;
    for (let i = 0; i < m; i++) {
      const op = ops[i];
      const results = op.results;
      // buffers results take over: a donated input dying at the op making its replacement, and
      // (for while) a carried operand dying at the loop
      let reuse0 = -1;
      let reused: ValueId[] | undefined;
      let reusedBytes = 0;
      let resultBytes = 0;
      for (let k = 0; k < results.length; k++) {
        const r = results[k];
        resultBytes += bytes[r];
        let src = -1;
        if (main && donorOf[r] >= 0 && dieAt[donorOf[r]] === i) src = donorOf[r];
        else if (op.kind === 'while' && k < op.operands.length && dieAt[op.operands[k]] === i)
          src = op.operands[k];
        if (src < 0 || src === reuse0 || reused?.includes(src)) continue;
        if (reuse0 < 0) reuse0 = src;
        else (reused ??= []).push(src);
        reusedBytes += Math.min(bytes[src], bytes[r]);
      }
      const extra =
        op.kind === 'while' || op.kind === 'case' || op.kind === 'call'
          ? regionExtra(op)
          : undefined;
      const allocNet = resultBytes - reusedBytes;
      const during = total + Math.max(extra?.peak ?? 0, allocNet);
      if (during > peak) {
        peak = during;
        peakIndex = i;
        peakCats.set(live);
        if (extra && extra.peak > allocNet)
          for (let c = 0; c < NCAT; c++) peakCats[c] += extra.cats[c];
        else {
          if (reuse0 >= 0) peakCats[cat[reuse0]] -= bytes[reuse0];
          if (reused) for (const s of reused) peakCats[cat[s]] -= bytes[s];
          for (let k = 0; k < results.length; k++) peakCats[cat[results[k]]] += bytes[results[k]];
        }
      }
      for (let k = 0; k < results.length; k++) {
        const r = results[k];
        live[cat[r]] += bytes[r];
        total += bytes[r];
      }
      for (let v = head[i]; v >= 0; v = nextFree[v]) {
        live[cat[v]] -= bytes[v];
        total -= bytes[v];
      }
      if (main) main.timeline[i] = total;
    }
    if (main) main.peakIndex = peakIndex;
    return { block: { peak, cats: peakCats } };
  }

  const state: MainState = { timeline: new Float64Array(p.main.ops.length), peakIndex: -1 };
  const { block } = walk(p.main.ops, state);
  const devices = meshDeviceCount(mesh);
  const breakdown: MemoryBreakdown = {
    params: block.cats[PARAMS],
    grads: block.cats[GRADS],
    optState: block.cats[OPT],
    activations: block.cats[ACT],
    temp: block.cats[TEMP],
  };
  return {
    peakBytes: block.peak,
    breakdown,
    perDevice: Array.from({ length: devices }, () => block.peak),
    timeline: state.timeline,
    peakOpIndex: state.peakIndex,
  };
}
