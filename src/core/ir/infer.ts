import { dtypeIsBool, dtypeIsFloat, type DType } from './dtype.ts';
import { isBinaryKind, isUnaryKind, type OpAttrs, type OpKind } from './ops.ts';
import {
  shapeEqual,
  shapeNumel,
  shapeToString,
  typeEqual,
  typeToString,
  type Shape,
  type TensorType,
} from './shape.ts';

/** Thrown by inference with the reason only; callers add the op's name and place. */
export class InferError extends Error {}

function fail(msg: string): never {
  throw new InferError(msg);
}

function t(shape: Shape, dtype: DType): TensorType {
  return { shape, dtype };
}

function checkDims(dims: readonly number[], rank: number, what: string): void {
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (!Number.isInteger(d) || d < 0 || d >= rank)
      fail(`${what} dimension ${d} is out of range for rank ${rank}`);
    for (let j = 0; j < i; j++) if (dims[j] === d) fail(`${what} dimension ${d} is repeated`);
  }
}

function checkShape(shape: readonly number[], what: string): void {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) fail(`${what} has invalid dimension size ${d}`);
}

function sameOperands(kind: string, ops: readonly TensorType[]): void {
  for (let i = 1; i < ops.length; i++) {
    if (!typeEqual(ops[0], ops[i]))
      fail(
        `operand ${i} has type ${typeToString(ops[i])} but operand 0 has ${typeToString(ops[0])}; ${kind} needs equal types`,
      );
  }
}

/** What a region yields, for inference of ops whose results come from their bodies. */
/** Mesh axis sizes, needed to type the collectives of SPMD programs. */
export type AxisSizes = (axis: string) => number;

export interface RegionSig {
  readonly params: readonly TensorType[];
  readonly yields: readonly TensorType[];
}

/**
 * The result types of an op, or an InferError saying why the operands and attributes do not fit.
 * One place for every kind's shape semantics: the builder and the verifier both call it.
 */
export function inferResultTypes<K extends OpKind>(
  kind: K,
  operands: readonly TensorType[],
  attrs: OpAttrs[K],
  regions: readonly RegionSig[] = [],
  funcSig?: (name: string) => RegionSig | undefined,
  axisSizes?: AxisSizes,
): TensorType[] {
  const a = attrs as unknown;
  if (isUnaryKind(kind)) {
    arity(operands, 1);
    const x = operands[0];
    if (kind === 'not') {
      if (dtypeIsFloat(x.dtype)) fail(`needs an integer or boolean operand, got ${x.dtype}`);
    } else if (kind === 'is_finite') {
      if (!dtypeIsFloat(x.dtype)) fail(`needs a float operand, got ${x.dtype}`);
      return [t(x.shape, 'i1')];
    } else if (kind !== 'abs' && kind !== 'negate' && kind !== 'sign' && !dtypeIsFloat(x.dtype)) {
      fail(`needs a float operand, got ${x.dtype}`);
    }
    return [x];
  }
  if (isBinaryKind(kind)) {
    arity(operands, 2);
    sameOperands(kind, operands);
    const x = operands[0];
    if ((kind === 'and' || kind === 'or' || kind === 'xor') && dtypeIsFloat(x.dtype))
      fail(`needs integer or boolean operands, got ${x.dtype}`);
    if (kind !== 'and' && kind !== 'or' && kind !== 'xor' && dtypeIsBool(x.dtype))
      fail(`needs numeric operands, got ${x.dtype}`);
    return [x];
  }
  switch (kind) {
    case 'compare': {
      arity(operands, 2);
      sameOperands(kind, operands);
      return [t(operands[0].shape, 'i1')];
    }
    case 'select': {
      arity(operands, 3);
      const [p, x, y] = operands;
      if (p.dtype !== 'i1') fail(`predicate must be i1, got ${p.dtype}`);
      if (!typeEqual(x, y)) fail(`branches differ: ${typeToString(x)} vs ${typeToString(y)}`);
      if (p.shape.length !== 0 && !shapeEqual(p.shape, x.shape))
        fail(
          `predicate shape ${shapeToString(p.shape)} must be scalar or match ${shapeToString(x.shape)}`,
        );
      return [x];
    }
    case 'clamp': {
      arity(operands, 3);
      const [lo, x, hi] = operands;
      for (const [name, b] of [
        ['min', lo],
        ['max', hi],
      ] as const) {
        if (b.dtype !== x.dtype) fail(`${name} has dtype ${b.dtype}, operand has ${x.dtype}`);
        if (b.shape.length !== 0 && !shapeEqual(b.shape, x.shape))
          fail(
            `${name} shape ${shapeToString(b.shape)} must be scalar or match ${shapeToString(x.shape)}`,
          );
      }
      return [x];
    }
    case 'convert': {
      arity(operands, 1);
      return [t(operands[0].shape, (a as OpAttrs['convert']).dtype)];
    }
    case 'broadcast_in_dim': {
      arity(operands, 1);
      const { shape, dims } = a as OpAttrs['broadcast_in_dim'];
      checkShape(shape, 'result shape');
      const x = operands[0];
      if (dims.length !== x.shape.length)
        fail(`dims has ${dims.length} entries for an operand of rank ${x.shape.length}`);
      checkDims(dims, shape.length, 'broadcast');
      for (let i = 0; i < dims.length; i++) {
        const d = dims[i];
        if (x.shape[i] !== 1 && x.shape[i] !== shape[d])
          fail(
            `operand dimension ${i} (size ${x.shape[i]}) cannot broadcast to result dimension ${d} (size ${shape[d]})`,
          );
      }
      return [t(shape, x.dtype)];
    }
    case 'reshape': {
      arity(operands, 1);
      const { shape } = a as OpAttrs['reshape'];
      checkShape(shape, 'result shape');
      const x = operands[0];
      if (shapeNumel(shape) !== shapeNumel(x.shape))
        fail(
          `cannot reshape ${shapeToString(x.shape)} (${shapeNumel(x.shape)} elements) to ${shapeToString(shape)} (${shapeNumel(shape)} elements)`,
        );
      return [t(shape, x.dtype)];
    }
    case 'transpose': {
      arity(operands, 1);
      const { permutation } = a as OpAttrs['transpose'];
      const x = operands[0];
      if (permutation.length !== x.shape.length)
        fail(`permutation has ${permutation.length} entries for rank ${x.shape.length}`);
      checkDims(permutation, x.shape.length, 'permutation');
      return [
        t(
          permutation.map((p) => x.shape[p]),
          x.dtype,
        ),
      ];
    }
    case 'reverse': {
      arity(operands, 1);
      checkDims((a as OpAttrs['reverse']).dims, operands[0].shape.length, 'reverse');
      return [operands[0]];
    }
    case 'dot_general':
      arity(operands, 2);
      return [inferDotGeneral(operands[0], operands[1], a as OpAttrs['dot_general'])];
    case 'convolution':
      arity(operands, 2);
      return [inferConvolution(operands[0], operands[1], a as OpAttrs['convolution'])];
    case 'reduce': {
      arity(operands, 2);
      const { dims } = a as OpAttrs['reduce'];
      const [x, init] = operands;
      if (init.shape.length !== 0)
        fail(`init value must be a scalar, got ${shapeToString(init.shape)}`);
      if (init.dtype !== x.dtype)
        fail(`init value dtype ${init.dtype} differs from operand dtype ${x.dtype}`);
      checkDims(dims, x.shape.length, 'reduced');
      checkScalarCombiner(regions, x.dtype);
      const kept: number[] = [];
      for (let i = 0; i < x.shape.length; i++) if (!dims.includes(i)) kept.push(x.shape[i]);
      return [t(kept, x.dtype)];
    }
    case 'reduce_window': {
      arity(operands, 2);
      const [x, init] = operands;
      if (init.shape.length !== 0 || init.dtype !== x.dtype)
        fail(`init value must be a ${x.dtype} scalar`);
      checkScalarCombiner(regions, x.dtype);
      return [t(windowedShape(x.shape, a as OpAttrs['reduce_window']), x.dtype)];
    }
    case 'select_and_scatter': {
      arity(operands, 3);
      const [x, source, init] = operands;
      const w = a as OpAttrs['select_and_scatter'];
      const out = windowedShape(x.shape, {
        ...w,
        baseDilations: x.shape.map(() => 1),
        windowDilations: x.shape.map(() => 1),
      });
      if (!shapeEqual(out, source.shape))
        fail(
          `source shape ${shapeToString(source.shape)} must be the windowed shape ${shapeToString(out)}`,
        );
      if (init.shape.length !== 0) fail('init value must be a scalar');
      if (regions.length !== 2) fail('needs a select and a scatter region');
      return [x];
    }
    case 'iota': {
      arity(operands, 0);
      const { shape, dtype, dimension } = a as OpAttrs['iota'];
      checkShape(shape, 'result shape');
      if (dimension < 0 || dimension >= shape.length)
        fail(`iota dimension ${dimension} out of range for rank ${shape.length}`);
      return [t(shape, dtype)];
    }
    case 'constant': {
      arity(operands, 0);
      const { shape, dtype, value } = a as OpAttrs['constant'];
      checkShape(shape, 'constant shape');
      if (typeof value !== 'number' && value.length !== shapeNumel(shape))
        fail(
          `constant has ${value.length} elements but shape ${shapeToString(shape)} holds ${shapeNumel(shape)}`,
        );
      return [t(shape, dtype)];
    }
    case 'slice': {
      arity(operands, 1);
      const { start, limit, strides } = a as OpAttrs['slice'];
      const x = operands[0];
      const r = x.shape.length;
      if (start.length !== r || limit.length !== r || strides.length !== r)
        fail(`start, limit and strides need ${r} entries each`);
      return [
        t(
          x.shape.map((n, i) => {
            if (start[i] < 0 || limit[i] > n || start[i] > limit[i] || strides[i] < 1)
              fail(
                `dimension ${i}: slice [${start[i]}:${limit[i]}:${strides[i]}] is out of range for size ${n}`,
              );
            return Math.ceil((limit[i] - start[i]) / strides[i]);
          }),
          x.dtype,
        ),
      ];
    }
    case 'dynamic_slice': {
      const { sliceSizes } = a as OpAttrs['dynamic_slice'];
      const x = operands[0];
      if (!x) fail('expects an operand and start indices');
      checkStartIndices(operands.slice(1), x.shape.length);
      if (sliceSizes.length !== x.shape.length) fail(`slice sizes need ${x.shape.length} entries`);
      sliceSizes.forEach((s, i) => {
        if (s < 0 || s > x.shape[i])
          fail(`slice size ${s} exceeds dimension ${i} (size ${x.shape[i]})`);
      });
      return [t(sliceSizes, x.dtype)];
    }
    case 'dynamic_update_slice': {
      const [x, u] = operands;
      if (!x || !u) fail('expects an operand, an update and start indices');
      if (u.shape.length !== x.shape.length || u.dtype !== x.dtype)
        fail(`update ${typeToString(u)} does not fit operand ${typeToString(x)}`);
      u.shape.forEach((s, i) => {
        if (s > x.shape[i])
          fail(`update dimension ${i} (size ${s}) exceeds operand (size ${x.shape[i]})`);
      });
      checkStartIndices(operands.slice(2), x.shape.length);
      return [x];
    }
    case 'concatenate': {
      const { dimension } = a as OpAttrs['concatenate'];
      if (operands.length < 1) fail('expects at least one operand');
      const x = operands[0];
      if (dimension < 0 || dimension >= x.shape.length)
        fail(`dimension ${dimension} out of range for rank ${x.shape.length}`);
      let total = 0;
      operands.forEach((o, k) => {
        if (o.dtype !== x.dtype || o.shape.length !== x.shape.length)
          fail(`operand ${k} (${typeToString(o)}) does not match operand 0 (${typeToString(x)})`);
        o.shape.forEach((s, i) => {
          if (i !== dimension && s !== x.shape[i])
            fail(`operand ${k} dimension ${i} is ${s}, operand 0 has ${x.shape[i]}`);
        });
        total += o.shape[dimension];
      });
      return [
        t(
          x.shape.map((s, i) => (i === dimension ? total : s)),
          x.dtype,
        ),
      ];
    }
    case 'pad': {
      arity(operands, 2);
      const { low, high, interior } = a as OpAttrs['pad'];
      const [x, v] = operands;
      if (v.shape.length !== 0 || v.dtype !== x.dtype)
        fail(`padding value must be a ${x.dtype} scalar`);
      const r = x.shape.length;
      if (low.length !== r || high.length !== r || interior.length !== r)
        fail(`low, high and interior need ${r} entries each`);
      return [
        t(
          x.shape.map((n, i) => {
            if (interior[i] < 0) fail(`interior padding ${interior[i]} is negative`);
            const size = low[i] + high[i] + n + Math.max(0, n - 1) * interior[i];
            if (size < 0) fail(`dimension ${i} pads to a negative size`);
            return size;
          }),
          x.dtype,
        ),
      ];
    }
    case 'gather':
      arity(operands, 2);
      return [inferGather(operands[0], operands[1], a as OpAttrs['gather'])];
    case 'scatter': {
      arity(operands, 3);
      const [x, idx, upd] = operands;
      if (idx.dtype !== 'i32' && idx.dtype !== 'i64')
        fail(`indices must be integers, got ${idx.dtype}`);
      if (upd.dtype !== x.dtype) fail(`updates dtype ${upd.dtype} differs from operand ${x.dtype}`);
      checkScalarCombiner(regions, x.dtype);
      const s = a as OpAttrs['scatter'];
      if (s.updateWindowDims.length + s.insertedWindowDims.length !== x.shape.length)
        fail(
          `update window dims (${s.updateWindowDims.length}) + inserted window dims (${s.insertedWindowDims.length}) must equal operand rank ${x.shape.length}`,
        );
      return [x];
    }
    case 'sort': {
      const { dimension } = a as OpAttrs['sort'];
      if (operands.length < 1) fail('expects at least one operand');
      operands.forEach((o, k) => {
        if (!shapeEqual(o.shape, operands[0].shape))
          fail(`operand ${k} shape differs from operand 0`);
      });
      if (dimension < 0 || dimension >= operands[0].shape.length)
        fail(`dimension ${dimension} out of range`);
      if (
        regions.length !== 1 ||
        regions[0].yields.length !== 1 ||
        regions[0].yields[0].dtype !== 'i1'
      )
        fail('needs one comparator region yielding an i1 scalar');
      return [...operands];
    }
    case 'while': {
      const { tripCount } = a as OpAttrs['while'];
      if (!Number.isInteger(tripCount) || tripCount < 0)
        fail(`trip count must be a non-negative integer, got ${tripCount}`);
      if (regions.length !== 2) fail('needs a cond and a body region');
      const [cond, body] = regions;
      checkRegionParams('cond', cond, operands);
      checkRegionParams('body', body, operands);
      if (
        cond.yields.length !== 1 ||
        cond.yields[0].dtype !== 'i1' ||
        cond.yields[0].shape.length !== 0
      )
        fail('cond must yield one i1 scalar');
      if (
        body.yields.length !== operands.length ||
        body.yields.some((y, i) => !typeEqual(y, operands[i]))
      )
        fail('body must yield the loop-carried types');
      return [...operands];
    }
    case 'case': {
      if (operands.length < 1) fail('expects an index operand');
      const idx = operands[0];
      if (idx.shape.length !== 0 || (idx.dtype !== 'i32' && idx.dtype !== 'i64'))
        fail(`index must be an integer scalar, got ${typeToString(idx)}`);
      if (regions.length < 1) fail('needs at least one branch');
      const args = operands.slice(1);
      regions.forEach((r, k) => checkRegionParams(`branch ${k}`, r, args));
      const out = regions[0].yields;
      regions.forEach((r, k) => {
        if (r.yields.length !== out.length || r.yields.some((y, i) => !typeEqual(y, out[i])))
          fail(`branch ${k} yields different types from branch 0`);
      });
      return [...out];
    }
    case 'call': {
      const { callee } = a as OpAttrs['call'];
      const sig = funcSig?.(callee);
      if (!sig) fail(`calls unknown function @${callee}`);
      checkRegionParams(`@${callee}`, sig, operands);
      return [...sig.yields];
    }
    case 'all_reduce':
      arity(operands, 1);
      return [operands[0]];
    case 'axis_index':
      arity(operands, 0);
      return [t([], 'i32')];
    case 'all_gather':
    case 'reduce_scatter':
    case 'shard_slice': {
      arity(operands, 1);
      const { axes, dim } = a as OpAttrs['all_gather'];
      const x = operands[0];
      if (dim < 0 || dim >= x.shape.length)
        fail(`dim ${dim} out of range for rank ${x.shape.length}`);
      const n = groupSize(axes, axisSizes);
      if (kind !== 'all_gather' && x.shape[dim] % n !== 0)
        fail(`dim ${dim} (size ${x.shape[dim]}) does not divide into ${n} shards`);
      return [
        t(
          x.shape.map((s, i) => (i !== dim ? s : kind === 'all_gather' ? s * n : s / n)),
          x.dtype,
        ),
      ];
    }
    case 'collective_permute': {
      arity(operands, 1);
      const { axes, dim, to } = a as OpAttrs['collective_permute'];
      const x = operands[0];
      if (dim < 0 || dim >= x.shape.length)
        fail(`dim ${dim} out of range for rank ${x.shape.length}`);
      if (to.length !== axes.length || !to.every((ax) => axes.includes(ax)))
        fail(`'to' (${to.join(',')}) must reorder the axes (${axes.join(',')})`);
      return [x];
    }
    case 'all_to_all': {
      arity(operands, 1);
      const { axes, splitDim, concatDim } = a as OpAttrs['all_to_all'];
      const x = operands[0];
      const r = x.shape.length;
      if (splitDim < 0 || splitDim >= r || concatDim < 0 || concatDim >= r)
        fail('split or concat dim out of range');
      const n = groupSize(axes, axisSizes);
      if (x.shape[splitDim] % n !== 0)
        fail(`split dim ${splitDim} (size ${x.shape[splitDim]}) does not divide into ${n}`);
      const out = [...x.shape];
      out[splitDim] /= n;
      out[concatDim] *= n;
      return [t(out, x.dtype)];
    }
    case 'custom_call': {
      const { resultTypes } = a as OpAttrs['custom_call'];
      return resultTypes.map((r) => t(r.shape, r.dtype));
    }
  }
  return fail(`unknown op kind '${kind}'`);
}

function arity(operands: readonly TensorType[], n: number): void {
  if (operands.length !== n)
    fail(`expects ${n} operand${n === 1 ? '' : 's'}, got ${operands.length}`);
}

function groupSize(axes: readonly string[], sizes: AxisSizes | undefined): number {
  if (!sizes) fail('collectives need the mesh (axis sizes) to be typed');
  let n = 1;
  for (const a of axes) n *= sizes!(a);
  return n;
}

function checkRegionParams(what: string, r: RegionSig, args: readonly TensorType[]): void {
  if (r.params.length !== args.length)
    fail(`${what} takes ${r.params.length} parameters but gets ${args.length} values`);
  r.params.forEach((p, i) => {
    if (!typeEqual(p, args[i]))
      fail(`${what} parameter ${i} is ${typeToString(p)} but gets ${typeToString(args[i])}`);
  });
}

function checkScalarCombiner(regions: readonly RegionSig[], dtype: DType): void {
  if (regions.length !== 1) fail('needs one combiner region');
  const r = regions[0];
  if (
    r.params.length !== 2 ||
    !isScalarOf(r.params[0], dtype) ||
    !isScalarOf(r.params[1], dtype) ||
    r.yields.length !== 1 ||
    !isScalarOf(r.yields[0], dtype)
  )
    fail(`combiner must take two ${dtype} scalars and yield one`);
}

function isScalarOf(x: TensorType, dtype: DType): boolean {
  return x.shape.length === 0 && x.dtype === dtype;
}

function checkStartIndices(starts: readonly TensorType[], rank: number): void {
  if (starts.length !== rank) fail(`needs ${rank} start indices, got ${starts.length}`);
  starts.forEach((s, i) => {
    if (s.shape.length !== 0 || (s.dtype !== 'i32' && s.dtype !== 'i64'))
      fail(`start index ${i} must be an integer scalar, got ${typeToString(s)}`);
  });
}

function inferDotGeneral(lhs: TensorType, rhs: TensorType, d: OpAttrs['dot_general']): TensorType {
  checkDims([...d.lhsBatch, ...d.lhsContract], lhs.shape.length, 'lhs');
  checkDims([...d.rhsBatch, ...d.rhsContract], rhs.shape.length, 'rhs');
  if (d.lhsBatch.length !== d.rhsBatch.length)
    fail('lhs and rhs need the same number of batch dims');
  if (d.lhsContract.length !== d.rhsContract.length)
    fail('lhs and rhs need the same number of contracting dims');
  d.lhsBatch.forEach((l, i) => {
    if (lhs.shape[l] !== rhs.shape[d.rhsBatch[i]])
      fail(
        `batch dims differ: lhs dim ${l} is ${lhs.shape[l]}, rhs dim ${d.rhsBatch[i]} is ${rhs.shape[d.rhsBatch[i]]}`,
      );
  });
  d.lhsContract.forEach((l, i) => {
    if (lhs.shape[l] !== rhs.shape[d.rhsContract[i]])
      fail(
        `contracting dims differ: lhs dim ${l} is ${lhs.shape[l]}, rhs dim ${d.rhsContract[i]} is ${rhs.shape[d.rhsContract[i]]}`,
      );
  });
  if (lhs.dtype !== rhs.dtype) fail(`operand dtypes differ: ${lhs.dtype} vs ${rhs.dtype}`);
  const lfree = lhs.shape.filter((_, i) => !d.lhsBatch.includes(i) && !d.lhsContract.includes(i));
  const rfree = rhs.shape.filter((_, i) => !d.rhsBatch.includes(i) && !d.rhsContract.includes(i));
  return t(
    [...d.lhsBatch.map((i) => lhs.shape[i]), ...lfree, ...rfree],
    d.resultDtype ?? lhs.dtype,
  );
}

function dilated(n: number, dil: number): number {
  return n === 0 ? 0 : (n - 1) * dil + 1;
}

function windowedShape(shape: Shape, w: OpAttrs['reduce_window']): number[] {
  const r = shape.length;
  for (const [name, arr] of [
    ['window dimensions', w.windowDimensions],
    ['window strides', w.windowStrides],
    ['padding', w.padding],
    ['base dilations', w.baseDilations],
    ['window dilations', w.windowDilations],
  ] as const) {
    if (arr.length !== r) fail(`${name} need ${r} entries, got ${arr.length}`);
  }
  return shape.map((n, i) => {
    const padded = dilated(n, w.baseDilations[i]) + w.padding[i][0] + w.padding[i][1];
    const win = dilated(w.windowDimensions[i], w.windowDilations[i]);
    if (w.windowStrides[i] < 1) fail(`window stride ${w.windowStrides[i]} must be positive`);
    if (padded < win) return 0;
    return Math.floor((padded - win) / w.windowStrides[i]) + 1;
  });
}

function inferConvolution(x: TensorType, k: TensorType, c: OpAttrs['convolution']): TensorType {
  const ns = c.inputSpatialDims.length;
  const rank = ns + 2;
  if (x.shape.length !== rank || k.shape.length !== rank)
    fail(`input and kernel must have rank ${rank} for ${ns} spatial dims`);
  checkDims([c.inputBatchDim, c.inputFeatureDim, ...c.inputSpatialDims], rank, 'input');
  checkDims(
    [c.kernelInputFeatureDim, c.kernelOutputFeatureDim, ...c.kernelSpatialDims],
    rank,
    'kernel',
  );
  checkDims([c.outputBatchDim, c.outputFeatureDim, ...c.outputSpatialDims], rank, 'output');
  if (x.dtype !== k.dtype) fail(`input dtype ${x.dtype} differs from kernel dtype ${k.dtype}`);
  const G = c.featureGroupCount;
  const BG = c.batchGroupCount;
  const inF = x.shape[c.inputFeatureDim];
  const outF = k.shape[c.kernelOutputFeatureDim];
  if (G < 1 || BG < 1) fail('group counts must be positive');
  if (inF % G !== 0) fail(`input features ${inF} are not divisible by feature_group_count ${G}`);
  if (k.shape[c.kernelInputFeatureDim] * G !== inF)
    fail(
      `kernel input features ${k.shape[c.kernelInputFeatureDim]} × feature_group_count ${G} must equal input features ${inF}`,
    );
  if (outF % G !== 0 || outF % BG !== 0)
    fail(`kernel output features ${outF} must divide by the group counts`);
  const batch = x.shape[c.inputBatchDim];
  if (batch % BG !== 0) fail(`batch ${batch} is not divisible by batch_group_count ${BG}`);
  const spatial = windowedShape(
    c.inputSpatialDims.map((d) => x.shape[d]),
    {
      windowDimensions: c.kernelSpatialDims.map((d) => k.shape[d]),
      windowStrides: c.windowStrides,
      padding: c.padding,
      baseDilations: c.lhsDilation,
      windowDilations: c.rhsDilation,
    },
  );
  const out = new Array<number>(rank);
  out[c.outputBatchDim] = batch / BG;
  out[c.outputFeatureDim] = outF;
  c.outputSpatialDims.forEach((d, i) => (out[d] = spatial[i]));
  return t(out, c.resultDtype ?? x.dtype);
}

function inferGather(x: TensorType, idx: TensorType, g: OpAttrs['gather']): TensorType {
  if (idx.dtype !== 'i32' && idx.dtype !== 'i64')
    fail(`start indices must be integers, got ${idx.dtype}`);
  if (g.sliceSizes.length !== x.shape.length) fail(`slice sizes need ${x.shape.length} entries`);
  g.sliceSizes.forEach((s, i) => {
    if (s < 0 || s > x.shape[i])
      fail(`slice size ${s} exceeds operand dimension ${i} (size ${x.shape[i]})`);
  });
  checkDims(g.collapsedSliceDims, x.shape.length, 'collapsed slice');
  checkDims(g.startIndexMap, x.shape.length, 'start index map');
  for (const d of g.collapsedSliceDims)
    if (g.sliceSizes[d] !== 1) fail(`collapsed slice dim ${d} must have slice size 1`);
  const idxShape = g.indexVectorDim === idx.shape.length ? [...idx.shape, 1] : [...idx.shape];
  if (idxShape[g.indexVectorDim] !== g.startIndexMap.length)
    fail(
      `index vector has ${idxShape[g.indexVectorDim]} entries but start_index_map has ${g.startIndexMap.length}`,
    );
  const batchShape = idxShape.filter((_, i) => i !== g.indexVectorDim);
  const offsetSizes = g.sliceSizes.filter((_, i) => !g.collapsedSliceDims.includes(i));
  const rank = batchShape.length + offsetSizes.length;
  if (g.offsetDims.length !== offsetSizes.length)
    fail(`offset_dims needs ${offsetSizes.length} entries`);
  checkDims(g.offsetDims, rank, 'offset');
  const out: number[] = [];
  let bi = 0;
  let oi = 0;
  for (let i = 0; i < rank; i++)
    out.push(g.offsetDims.includes(i) ? offsetSizes[oi++] : batchShape[bi++]);
  return t(out, x.dtype);
}
