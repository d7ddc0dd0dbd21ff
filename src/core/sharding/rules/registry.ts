import type { OpAttrs, OpKind } from '../../ir/ops.ts';
import {
  forEachOpDeep,
  type Op,
  type Program,
  type Region,
  type ValueId,
} from '../../ir/program.ts';
import { shapeNumel, type Shape, type TensorType } from '../../ir/shape.ts';
import type { FactorKind, FactorRule } from '../factor-rule.ts';
import { conservativeFactorRule, NULL_DIM, RuleBuilder } from './rule-builder.ts';

/**
 * Op kinds deliberately without a rule: data-flow ops. Propagation goes through their bodies
 * with identity edges (operands ↔ region or callee params, yields ↔ results), not through a
 * factor rule.
 */
export const DATA_FLOW_KINDS: readonly OpKind[] = ['call', 'case', 'while'];

/**
 * The factor rule of one op (see factor-rule.ts), or undefined for a data-flow op.
 *
 * Conventions every case keeps (rule-builder.ts enforces the mechanical ones):
 * - factors are lettered result dims first, then factors only operands hold;
 * - a dim of size ≤ 1 has no factor; a dim no case maps gets a needReplication factor of its own;
 * - a factor only a result holds is passThrough where each device can make its own slice of the
 *   result directly (broadcast's new dims, iota, constant); elsewhere (a concatenation, a
 *   dynamic slice's window, a reshape where the dims diverge) it needs replication: the op makes
 *   that dim whole, and a consumer that wants it split slices it, which is free;
 * - the product of a dim's factor sizes is the dim size, except for an operand dim holding a
 *   permutation factor, which is sized by the result dim it re-tiles (pad, slice, windows).
 *
 * Called for every op of a program: no strings, no regexes; a case allocates the shape lists,
 * one builder and the rule (about 1 µs an op).
 */
export function opFactorRule(op: Op, types: (id: ValueId) => TensorType): FactorRule | undefined {
  const kind = op.kind;
  switch (kind) {
    // Pointwise: one passThrough factor per result dim, held by every operand and the result.
    // Scalar operands (select's predicate, clamp's bounds) are broadcast, and hold nothing.
    case 'abs':
    case 'add':
    case 'and':
    case 'atan2':
    case 'ceil':
    case 'clamp':
    case 'compare':
    case 'convert':
    case 'cosine':
    case 'divide':
    case 'erf':
    case 'exponential':
    case 'exponential_minus_one':
    case 'floor':
    case 'is_finite':
    case 'log':
    case 'log_plus_one':
    case 'logistic':
    case 'maximum':
    case 'minimum':
    case 'multiply':
    case 'negate':
    case 'not':
    case 'or':
    case 'power':
    case 'remainder':
    case 'round_nearest_even':
    case 'rsqrt':
    case 'select':
    case 'sign':
    case 'sine':
    case 'sqrt':
    case 'subtract':
    case 'tanh':
    case 'xor': {
      const outs = shapesOf(op.results, types);
      return new RuleBuilder(shapesOf(op.operands, types), outs).pointwise(outs[0]).build();
    }

    //===------------------------------------------------------------------===//
    // NOTE: keep the cases below in alphabetical order, one case per op kind.
    //===------------------------------------------------------------------===//

    case 'all_gather': {
      // Collectives exist only in per-device programs (src/core/spmd), which nothing propagates
      // over; their rules keep them sound anyway. The dim a collective gathers, scatters or
      // slices differs in size between operand and result: a needReplication factor each.
      const { dim } = attrsOf(op, 'all_gather');
      return collectiveRule(shapesOf(op.operands, types), shapesOf(op.results, types), dim, dim);
    }

    case 'all_reduce': {
      const outs = shapesOf(op.results, types);
      return new RuleBuilder(shapesOf(op.operands, types), outs).pointwise(outs[0]).build();
    }

    case 'all_to_all': {
      const { splitDim, concatDim } = attrsOf(op, 'all_to_all');
      return collectiveRule(
        shapesOf(op.operands, types),
        shapesOf(op.results, types),
        splitDim,
        concatDim,
      );
    }

    case 'axis_index':
      // A scalar result: nothing to shard.
      return new RuleBuilder([], shapesOf(op.results, types)).build();

    case 'collective_permute': {
      // Same shape in and out; the permuted dim changes hands between devices.
      const { dim } = attrsOf(op, 'collective_permute');
      const outs = shapesOf(op.results, types);
      return new RuleBuilder(shapesOf(op.operands, types), outs)
        .pointwise(outs[0], (d) => (d === dim ? 'permutation' : 'passThrough'))
        .build();
    }

    case 'broadcast_in_dim': {
      // Operand dim i lands on result dim dims[i]. Same size: one factor. An operand dim of size
      // 1 expanded to n has nothing to shard, and the result dim gets a result-only factor, as do
      // the new result dims.
      const { dims } = attrsOf(op, 'broadcast_in_dim');
      const [x] = shapesOf(op.operands, types);
      const [out] = shapesOf(op.results, types);
      const b = new RuleBuilder([x], [out]);
      for (let r = 0; r < out.length; r++) {
        const i = dims.indexOf(r);
        if (i >= 0 && x[i] === out[r]) b.factor([i], [r], out[r]);
        else b.factor([], [r], out[r]);
      }
      return b.build();
    }

    case 'concatenate': {
      // Other dims: one factor across all operands and the result. The concat dim: each operand
      // sits at its own offset of the result, so sharding it in an operand needs data movement
      // (needReplication, a factor per operand since their sizes differ, and one for the
      // result). Shardy uses one permutation factor for all; we keep factor sizes exact instead.
      const { dimension } = attrsOf(op, 'concatenate');
      const ins = shapesOf(op.operands, types);
      const [out] = shapesOf(op.results, types);
      const b = new RuleBuilder(ins, [out]);
      for (let d = 0; d < out.length; d++) {
        if (d === dimension) b.factor([], [d], out[d], 'needReplication');
        else b.sameDim(d, out[d]);
      }
      for (let k = 0; k < ins.length; k++)
        b.factor(onlyIn(k, dimension), [], ins[k][dimension], 'needReplication');
      return b.build();
    }

    case 'constant': {
      // Results only: each device materialises its own slice of the data.
      const outs = shapesOf(op.results, types);
      return new RuleBuilder([], outs).pointwise(outs[0]).build();
    }

    case 'convolution':
      return convolutionRule(
        attrsOf(op, 'convolution'),
        shapesOf(op.operands, types),
        shapesOf(op.results, types),
      );

    case 'custom_call':
      // Opaque: everything replicated, flagged so `conservativeOps` can report it.
      return conservativeFactorRule(shapesOf(op.operands, types), shapesOf(op.results, types));

    case 'dot_general': {
      // out[batch..., lhs free..., rhs free...]; contracting pairs are reductions.
      const { lhsBatch, rhsBatch, lhsContract, rhsContract } = attrsOf(op, 'dot_general');
      const [lhs, rhs] = shapesOf(op.operands, types);
      const [out] = shapesOf(op.results, types);
      const b = new RuleBuilder([lhs, rhs], [out]);
      let r = 0;
      for (let k = 0; k < lhsBatch.length; k++)
        b.factor([lhsBatch[k], rhsBatch[k]], [r++], lhs[lhsBatch[k]]);
      for (let d = 0; d < lhs.length; d++) {
        if (!lhsBatch.includes(d) && !lhsContract.includes(d))
          b.factor([d, NULL_DIM], [r++], lhs[d]);
      }
      for (let d = 0; d < rhs.length; d++) {
        if (!rhsBatch.includes(d) && !rhsContract.includes(d))
          b.factor([NULL_DIM, d], [r++], rhs[d]);
      }
      for (let k = 0; k < lhsContract.length; k++)
        b.factor([lhsContract[k], rhsContract[k]], [], lhs[lhsContract[k]], 'reduction');
      return b.build();
    }

    case 'dynamic_slice': {
      // Whole dims pass through. A sliced dim needs the operand dim whole (the window moves at
      // run time), and the window is made whole too. Start indices are scalars.
      const { sliceSizes } = attrsOf(op, 'dynamic_slice');
      const ins = shapesOf(op.operands, types);
      const [out] = shapesOf(op.results, types);
      const x = ins[0];
      const b = new RuleBuilder(ins, [out]);
      for (let d = 0; d < x.length; d++) {
        if (sliceSizes[d] === x[d]) b.factor([d], [d], x[d]);
        else b.factor([d], [], x[d], 'needReplication').factor([], [d], out[d], 'needReplication');
      }
      return b.build();
    }

    case 'dynamic_update_slice': {
      // A dim the update covers whole passes through operand, update and result. A dim it covers
      // in part is written at a run-time offset into the global dim, so operand and result keep
      // that dim whole (needReplication) and the update's part is a needReplication factor of
      // its own. Start indices are scalars.
      const ins = shapesOf(op.operands, types);
      const [x, u] = ins;
      const b = new RuleBuilder(ins, shapesOf(op.results, types));
      for (let d = 0; d < x.length; d++) {
        if (u[d] === x[d]) b.factor([d, d], [d], x[d]);
        else
          b.factor([d], [d], x[d], 'needReplication').factor(
            [NULL_DIM, d],
            [],
            u[d],
            'needReplication',
          );
      }
      return b.build();
    }

    case 'gather':
      return gatherRule(
        attrsOf(op, 'gather'),
        shapesOf(op.operands, types),
        shapesOf(op.results, types),
      );

    case 'iota': {
      // Results only, the iota dim included: a device computes its slice by adding its offset.
      const outs = shapesOf(op.results, types);
      return new RuleBuilder([], outs).pointwise(outs[0]).build();
    }

    case 'pad': {
      // Unpadded dims pass through; padded dims shift data between devices (permutation, sized
      // by the result). The padding value is a scalar.
      const { low, high, interior } = attrsOf(op, 'pad');
      const ins = shapesOf(op.operands, types);
      const [out] = shapesOf(op.results, types);
      const b = new RuleBuilder(ins, [out]);
      for (let d = 0; d < out.length; d++) {
        if (low[d] === 0 && high[d] === 0 && interior[d] === 0) b.factor([d], [d], out[d]);
        else b.factor([d], [d], out[d], 'permutation');
      }
      return b.build();
    }

    case 'reduce': {
      // Kept dims pass through to the result in order; reduced dims are operand-only reductions
      // (sharding one leaves partial results to combine), or needReplication when the combiner
      // is not add, maximum or minimum (see `combinerKind`). The init value is a scalar.
      const { dims } = attrsOf(op, 'reduce');
      const ins = shapesOf(op.operands, types);
      const x = ins[0];
      const b = new RuleBuilder(ins, shapesOf(op.results, types));
      const reduced = combinerKind(op.regions[0]);
      let r = 0;
      for (let d = 0; d < x.length; d++) {
        if (dims.includes(d)) b.factor([d], [], x[d], reduced);
        else b.factor([d], [r++], x[d]);
      }
      return b.build();
    }

    case 'reduce_scatter': {
      const { dim } = attrsOf(op, 'reduce_scatter');
      return collectiveRule(shapesOf(op.operands, types), shapesOf(op.results, types), dim, dim);
    }

    case 'reduce_window': {
      // Per dim, by window shape (see `windowShape`): identity → passThrough; windows that tile
      // the dim → (windows, window), the window combined like a reduce's reduced dim; anything
      // else → permutation (halo exchange), sized by the result.
      const w = attrsOf(op, 'reduce_window');
      const ins = shapesOf(op.operands, types);
      const [out] = shapesOf(op.results, types);
      const x = ins[0];
      const b = new RuleBuilder(ins, [out]);
      const reduced = combinerKind(op.regions[0]);
      for (let d = 0; d < x.length; d++) {
        const shape = windowShape(
          x[d],
          w.windowDimensions[d],
          out[d],
          w.windowStrides[d],
          w.padding[d],
          w.baseDilations[d],
          w.windowDilations[d],
        );
        if (shape === 'identity') b.factor([d], [d], x[d]);
        else if (shape === 'tiled')
          b.factor([d], [d], out[d]).factor([d], [], w.windowDimensions[d], reduced);
        else b.factor([d], [d], out[d], 'permutation');
      }
      return b.build();
    }

    case 'reshape': {
      const ins = shapesOf(op.operands, types);
      const outs = shapesOf(op.results, types);
      const b = new RuleBuilder(ins, outs);
      reshapeFactors(b, ins[0], outs[0]);
      return b.build();
    }

    case 'reverse': {
      // Reversed dims move data between devices (permutation); others pass through.
      const { dims } = attrsOf(op, 'reverse');
      const ins = shapesOf(op.operands, types);
      return new RuleBuilder(ins, shapesOf(op.results, types))
        .pointwise(ins[0], (d) => (dims.includes(d) ? 'permutation' : 'passThrough'))
        .build();
    }

    case 'scatter':
      return scatterRule(
        attrsOf(op, 'scatter'),
        op.regions[0],
        shapesOf(op.operands, types),
        shapesOf(op.results, types),
      );

    case 'select_and_scatter': {
      // Operands (x, source, init); the result is shaped like x. Per dim, by window shape:
      // identity → passThrough across x, source and result; windows that tile the dim → the
      // window count passes through, the window (selected within) needs replication in x and
      // result; otherwise x ↔ result is a permutation (halo), and the source shares it when it
      // has the same size, else it needs replication.
      const w = attrsOf(op, 'select_and_scatter');
      const ins = shapesOf(op.operands, types);
      const [x, src] = ins;
      const b = new RuleBuilder(ins, shapesOf(op.results, types));
      for (let d = 0; d < x.length; d++) {
        const shape = windowShape(
          x[d],
          w.windowDimensions[d],
          src[d],
          w.windowStrides[d],
          w.padding[d],
          1,
          1,
        );
        if (shape === 'identity') b.factor([d, d], [d], x[d]);
        else if (shape === 'tiled')
          b.factor([d, d], [d], src[d]).factor([d], [d], w.windowDimensions[d], 'needReplication');
        else if (src[d] === x[d]) b.factor([d, d], [d], x[d], 'permutation');
        else
          b.factor([d], [d], x[d], 'permutation').factor(
            [NULL_DIM, d],
            [],
            src[d],
            'needReplication',
          );
      }
      return b.build();
    }

    case 'shard_slice': {
      const { dim } = attrsOf(op, 'shard_slice');
      return collectiveRule(shapesOf(op.operands, types), shapesOf(op.results, types), dim, dim);
    }

    case 'slice': {
      // Untouched dims pass through; sliced or strided dims shift data between devices
      // (permutation, sized by the result).
      const { start, limit, strides } = attrsOf(op, 'slice');
      const ins = shapesOf(op.operands, types);
      const [out] = shapesOf(op.results, types);
      const x = ins[0];
      const b = new RuleBuilder(ins, [out]);
      for (let d = 0; d < x.length; d++) {
        if (start[d] === 0 && limit[d] === x[d] && strides[d] === 1) b.factor([d], [d], x[d]);
        else b.factor([d], [d], out[d], 'permutation');
      }
      return b.build();
    }

    case 'sort': {
      // Every operand and result has the same shape; the sort dim needs all its elements.
      const { dimension } = attrsOf(op, 'sort');
      const ins = shapesOf(op.operands, types);
      return new RuleBuilder(ins, shapesOf(op.results, types))
        .pointwise(ins[0], (d) => (d === dimension ? 'needReplication' : 'passThrough'))
        .build();
    }

    case 'transpose': {
      // Result dim r is operand dim permutation[r].
      const { permutation } = attrsOf(op, 'transpose');
      const ins = shapesOf(op.operands, types);
      const b = new RuleBuilder(ins, shapesOf(op.results, types));
      for (let r = 0; r < permutation.length; r++)
        b.factor([permutation[r]], [r], ins[0][permutation[r]]);
      return b.build();
    }

    //===------------------------------------------------------------------===//
    // Data-flow ops (DATA_FLOW_KINDS): no rule on purpose.
    //===------------------------------------------------------------------===//
    case 'call':
    case 'case':
    case 'while':
      return undefined;

    default: {
      // Unreachable for a well-typed op; an op kind this registry does not know (say, from a
      // newer importer) is treated as opaque and reported.
      const unknown: never = kind;
      void unknown;
      return conservativeFactorRule(shapesOf(op.operands, types), shapesOf(op.results, types));
    }
  }
}

/**
 * The ops whose rule is only a conservative placeholder (opaque custom calls, unknown kinds),
 * in program order: main first, then helper functions; nested regions included.
 */
export function conservativeOps(program: Program): Op[] {
  const types = (id: ValueId) => program.values[id].type;
  const found: Op[] = [];
  const visit = (op: Op) => {
    if (opFactorRule(op, types)?.conservative) found.push(op);
  };
  forEachOpDeep(program.main.ops, visit);
  for (const f of program.funcs.values()) forEachOpDeep(f.ops, visit);
  return found;
}

// ---- helpers --------------------------------------------------------------

function attrsOf<K extends OpKind>(op: Op, _kind: K): OpAttrs[K] {
  return op.attrs as OpAttrs[K];
}

function shapesOf(ids: readonly ValueId[], types: (id: ValueId) => TensorType): Shape[] {
  const shapes = new Array<Shape>(ids.length);
  for (let k = 0; k < ids.length; k++) shapes[k] = types(ids[k]).shape;
  return shapes;
}

/**
 * A collective on one tensor: dims other than `a` and `b` pass through; `a` and `b` (the dims it
 * moves data along) are left to `build`, which gives each tensor's a needReplication factor.
 */
function collectiveRule(
  ins: readonly Shape[],
  outs: readonly Shape[],
  a: number,
  b: number,
): FactorRule {
  const rule = new RuleBuilder(ins, outs);
  const x = ins[0];
  for (let d = 0; d < x.length; d++) if (d !== a && d !== b) rule.sameDim(d, x[d]);
  return rule.build();
}

/** Operand dims for a factor only operand k holds, at dim d. */
function onlyIn(k: number, d: number): number[] {
  const dims = new Array<number>(k + 1).fill(NULL_DIM);
  dims[k] = d;
  return dims;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const r = a % b;
    a = b;
    b = r;
  }
  return a;
}

/** Combiners whose per-device parts an all-reduce can combine (CollectiveReduction: sum, max, min). */
const COLLECTIVE_COMBINERS: ReadonlySet<OpKind> = new Set<OpKind>(['add', 'maximum', 'minimum']);

/**
 * The kind of a factor a region combines over (reduce, reduce_window, scatter): reduction when the
 * region is `yield op(p0, p1)` for add, maximum or minimum, so per-device parts combine with an
 * all-reduce of that op (the lowering reads the region to pick it); otherwise needReplication
 * (a product, a logical op, scatter's "replace", any longer body).
 */
function combinerKind(region: Region | undefined): FactorKind {
  if (
    !region ||
    region.ops.length !== 1 ||
    region.params.length !== 2 ||
    region.yields.length !== 1
  )
    return 'needReplication';
  const op = region.ops[0];
  const [p0, p1] = region.params;
  const [a, b] = op.operands;
  const onParams = op.operands.length === 2 && ((a === p0 && b === p1) || (a === p1 && b === p0));
  return onParams && region.yields[0] === op.results[0] && COLLECTIVE_COMBINERS.has(op.kind)
    ? 'reduction'
    : 'needReplication';
}

type WindowShape = 'identity' | 'tiled' | 'overlapping';

/**
 * How windows of size `window` cover a dim of `size` giving `count` windows:
 * - identity: one element per window, stride 1, no padding or base dilation (count = size);
 * - tiled: windows side by side, no padding or dilation (size = count × window), so the dim is
 *   (count, window) major→minor;
 * - overlapping: anything else (halos, padding, strides that skip, dilation).
 */
function windowShape(
  size: number,
  window: number,
  count: number,
  stride: number,
  padding: readonly [number, number],
  baseDilation: number,
  windowDilation: number,
): WindowShape {
  const plain = padding[0] === 0 && padding[1] === 0 && baseDilation === 1;
  if (plain && window === 1 && stride === 1) return 'identity';
  if (
    plain &&
    windowDilation === 1 &&
    size === count * window &&
    (stride === window || count === 1)
  )
    return 'tiled';
  return 'overlapping';
}

/**
 * Convolution (StableHLO dimension numbers). Batch groups split the input batch as
 * (group, batch) and the kernel/output features as (group, features); feature groups split the
 * input feature as (group, per-group input feature) and the kernel/output features likewise.
 * Group factors pass through input, kernel and output; the per-group input feature is contracted
 * with the kernel's (reduction); the per-group output feature passes kernel ↔ output.
 * Spatial dims, by window shape: identity (1×1, stride 1) → passThrough input ↔ output; tiled
 * (stride = window, e.g. a ViT patch embedding) → input (windows, window): windows pass through
 * to the output, the window is contracted with the kernel; otherwise → input ↔ output permutation
 * (halo exchange, sized by the output) and the kernel's spatial dim needs replication (a weight
 * gradient's "kernel" is the output gradient: splitting it would need per-device input offsets).
 */
function convolutionRule(
  c: OpAttrs['convolution'],
  ins: readonly Shape[],
  outs: readonly Shape[],
): FactorRule {
  const [x, k] = ins;
  const out = outs[0];
  const groups = c.featureGroupCount;
  const batchGroups = c.batchGroupCount;
  // StableHLO allows at most one kind of grouping; anything else has no sound rule here.
  if (groups > 1 && batchGroups > 1) return conservativeFactorRule(ins, outs);
  const b = new RuleBuilder(ins, outs);
  b.factor([c.inputBatchDim, c.kernelOutputFeatureDim], [c.outputFeatureDim], batchGroups);
  b.factor([c.inputBatchDim], [c.outputBatchDim], out[c.outputBatchDim]);
  b.factor([c.inputFeatureDim, c.kernelOutputFeatureDim], [c.outputFeatureDim], groups);
  b.factor(
    [c.inputFeatureDim, c.kernelInputFeatureDim],
    [],
    k[c.kernelInputFeatureDim],
    'reduction',
  );
  b.factor(
    [NULL_DIM, c.kernelOutputFeatureDim],
    [c.outputFeatureDim],
    out[c.outputFeatureDim] / (groups * batchGroups),
  );
  for (let s = 0; s < c.inputSpatialDims.length; s++) {
    const xd = c.inputSpatialDims[s];
    const kd = c.kernelSpatialDims[s];
    const od = c.outputSpatialDims[s];
    const shape = windowShape(
      x[xd],
      k[kd],
      out[od],
      c.windowStrides[s],
      c.padding[s],
      c.lhsDilation[s],
      c.rhsDilation[s],
    );
    if (shape === 'identity') {
      b.factor([xd], [od], out[od]);
    } else if (shape === 'tiled') {
      b.factor([xd], [od], out[od]).factor([xd, kd], [], k[kd], 'reduction');
    } else {
      // a slice of the window sees the whole input only with an offset the lowering does not
      // apply (the local convolution would change its output size): the window stays whole
      b.factor([xd], [od], out[od], 'permutation').factor(
        [NULL_DIM, kd],
        [],
        k[kd],
        'needReplication',
      );
    }
  }
  return b.build();
}

/**
 * Gather (operand, start indices). Result batch dims pass through from the index dims (the
 * index vector dim skipped); result offset dims come from the operand dims not collapsed, in
 * order, and pass through when the slice takes the whole dim, else they need replication.
 * Sliced operand dims (collapsed or not) need replication, as does the index vector dim.
 * Embedding lookup, [V, d] table by ids [b, s]: d passes through table ↔ result, b and s pass
 * through ids ↔ result, V needs replication.
 * NOTE: V could instead be a reduction (each device gathers the rows it holds with its indices
 * shifted by its offset, zeroes rows it lacks, and the results are partial sums: vocab-parallel
 * embedding). That needs the lowering to rewrite the indices and mask, which it does not do yet;
 * until it does, needReplication is the sound rule.
 */
function gatherRule(
  g: OpAttrs['gather'],
  ins: readonly Shape[],
  outs: readonly Shape[],
): FactorRule {
  const [x, idx] = ins;
  const out = outs[0];
  const b = new RuleBuilder(ins, outs);
  let xd = 0;
  let id = 0;
  for (let r = 0; r < out.length; r++) {
    if (g.offsetDims.includes(r)) {
      while (g.collapsedSliceDims.includes(xd)) xd++;
      if (g.sliceSizes[xd] === x[xd]) b.factor([xd], [r], x[xd]);
      else b.factor([], [r], out[r], 'needReplication');
      xd++;
    } else {
      if (id === g.indexVectorDim) id++;
      b.factor([NULL_DIM, id], [r], out[r]);
      id++;
    }
  }
  for (let d = 0; d < x.length; d++) {
    if (g.sliceSizes[d] !== x[d]) b.factor([d], [], x[d], 'needReplication');
  }
  if (g.indexVectorDim < idx.length)
    b.factor([NULL_DIM, g.indexVectorDim], [], idx[g.indexVectorDim], 'needReplication');
  return b.build();
}

/**
 * Scatter (operand, indices, updates); the result is shaped like the operand. Operand dims that
 * an update window covers whole pass through operand ↔ updates ↔ result. Inserted dims and
 * partly covered dims need replication in operand and result; a partial window dim of the
 * updates needs replication of its own. The update scatter dims and the index batch dims share
 * factors, absent from the result: with an add/max/min combiner these are reductions (each device
 * scatters the updates it holds, and the results are partial), else they need replication. The
 * index vector dim needs replication.
 * GNS message aggregation, messages [E, f] scatter-added into nodes [N, f] by receiver ids [E]:
 * f passes through, E is a reduction (edge parallelism: partial node sums, then an all-reduce),
 * N needs replication.
 * NOTE: a passThrough E would be unsound: it would claim each device's result is whole. With E
 * split, the operand must be counted once across the group (zero it on all devices but one, or
 * scatter into zeros and add the operand after the all-reduce); an operand of zeros, as in
 * segment sums and in the gradient of a gather, needs nothing.
 */
function scatterRule(
  s: OpAttrs['scatter'],
  combiner: Region | undefined,
  ins: readonly Shape[],
  outs: readonly Shape[],
): FactorRule {
  const [x, idx, upd] = ins;
  const b = new RuleBuilder(ins, outs);
  let w = 0;
  for (let d = 0; d < x.length; d++) {
    if (s.insertedWindowDims.includes(d)) {
      b.factor([d], [d], x[d], 'needReplication');
      continue;
    }
    const u = s.updateWindowDims[w++];
    if (upd[u] === x[d]) b.factor([d, NULL_DIM, u], [d], x[d]);
    else
      b.factor([d], [d], x[d], 'needReplication').factor(
        [NULL_DIM, NULL_DIM, u],
        [],
        upd[u],
        'needReplication',
      );
  }
  const scattered = combinerKind(combiner);
  let id = 0;
  for (let u = 0; u < upd.length; u++) {
    if (s.updateWindowDims.includes(u)) continue;
    if (id === s.indexVectorDim) id++;
    b.factor([NULL_DIM, id, u], [], upd[u], scattered);
    id++;
  }
  if (s.indexVectorDim < idx.length)
    b.factor([NULL_DIM, s.indexVectorDim], [], idx[s.indexVectorDim], 'needReplication');
  return b.build();
}

/**
 * Reshape: a greedy walk over input and output dims, major to minor, with a cursor on each side
 * (the current dim and the part of it not yet covered by factors) and the product of the factors
 * laid so far on each side. While the two products agree, both cursors sit at the same place in
 * the row-major order, so the GCD of the two uncovered parts is one shared factor; a GCD of 1
 * splits the walk into input-only and output-only factors until the products agree again. Each
 * step takes from the side behind the piece that makes the products meet, if that piece fits,
 * else the piece that keeps the GCD with the other side for later. Size-1 dims get no factor; a
 * reshape with no elements has nothing to shard.
 *   [8, 4] → [2, 16]:  ([(ij), k])->([i, (jk)]) {i=2, j=4, k=4}
 * Shared factors pass through; input-only and output-only factors need replication (the data
 * must be re-laid out).
 */
function reshapeFactors(b: RuleBuilder, inShape: Shape, outShape: Shape): void {
  if (shapeNumel(inShape) === 0) return;
  let i = -1;
  let o = -1;
  let inRest = 1;
  let outRest = 1;
  let inDone = 1;
  let outDone = 1;
  for (;;) {
    if (inRest === 1) {
      do i++;
      while (i < inShape.length && inShape[i] === 1);
      inRest = i < inShape.length ? inShape[i] : 1;
    }
    if (outRest === 1) {
      do o++;
      while (o < outShape.length && outShape[o] === 1);
      outRest = o < outShape.length ? outShape[o] : 1;
    }
    if (inRest === 1 && outRest === 1) return;
    if (inDone === outDone) {
      const g = gcd(inRest, outRest);
      if (g > 1) {
        b.factor([i], [o], g);
        inRest /= g;
        outRest /= g;
        inDone *= g;
        outDone *= g;
      } else {
        b.factor([i], [], inRest, 'needReplication').factor([], [o], outRest, 'needReplication');
        inDone *= inRest;
        outDone *= outRest;
        inRest = 1;
        outRest = 1;
      }
    } else if (inDone < outDone ? inRest === 1 : outRest === 1) {
      return; // the side behind ran out: only when the element counts differ (an invalid op)
    } else if (inDone < outDone) {
      const piece = reshapePiece(inRest, inDone, outDone, outRest);
      b.factor([i], [], piece, 'needReplication');
      inRest /= piece;
      inDone *= piece;
    } else {
      const piece = reshapePiece(outRest, outDone, inDone, inRest);
      b.factor([], [o], piece, 'needReplication');
      outRest /= piece;
      outDone *= piece;
    }
  }
}

/** The next factor for the side that is behind (`rest` uncovered, `behind` < `ahead` laid). */
function reshapePiece(rest: number, behind: number, ahead: number, otherRest: number): number {
  if (ahead % behind === 0) {
    const meet = ahead / behind;
    if (rest % meet === 0) return meet;
  }
  const g = gcd(rest, otherRest);
  return g > 1 && g < rest ? rest / g : rest;
}
