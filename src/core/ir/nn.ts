import type { ProgramBuilder } from './builder.ts';
import type { DType } from './dtype.ts';
import { IRError } from './errors.ts';
import type { Value } from './program.ts';
import type { Shape } from './shape.ts';

/**
 * Neural-network layers composed from primitive ops, written so model code reads like model code.
 * Every function takes the builder first and emits ops in its current scope; weights are passed in
 * (callers create them, so the same layer works on fresh params, stacked params in a scan, or probes).
 */

const rankOf = (x: Value) => x.type.shape.length;

/** Broadcasts a tensor that lost `axis` (by a reduction) back to `shape`. */
function expandBack(b: ProgramBuilder, x: Value, shape: Shape, axis: number): Value {
  const dims: number[] = [];
  for (let i = 0; i < shape.length; i++) if (i !== axis) dims.push(i);
  return b.broadcastInDim(x, shape, dims);
}

/** y = x·w (+ bias): contracts x's last dim with w's first; [..., k]·[k, ...n] → [..., ...n]. */
export function linear(b: ProgramBuilder, x: Value, w: Value, bias?: Value): Value {
  const y = b.dotGeneral(x, w, {
    lhsBatch: [],
    rhsBatch: [],
    lhsContract: [rankOf(x) - 1],
    rhsContract: [0],
  });
  return bias ? b.add(y, bias) : y;
}

/**
 * A two-operand einsum such as 'bsd,dh->bsh' or 'bqhd,bkhd->bhqk', lowered to one dot_general
 * (plus a transpose when the output order differs from dot_general's batch·lhs-free·rhs-free order).
 * Letters found in only one operand and not in the output are summed out first.
 */
export function einsum(b: ProgramBuilder, spec: string, x: Value, y: Value): Value {
  const m = /^\s*([A-Za-z]*)\s*,\s*([A-Za-z]*)\s*->\s*([A-Za-z]*)\s*$/.exec(spec);
  if (!m)
    throw new IRError(`einsum '${spec}': expected 'lhs,rhs->out' with one letter per dimension`);
  let [, xs, ys] = m;
  const out = m[3];
  for (const [s, v, what] of [
    [xs, x, 'lhs'],
    [ys, y, 'rhs'],
  ] as const) {
    if (s.length !== rankOf(v))
      throw new IRError(`einsum '${spec}': ${what} has ${s.length} letters but rank ${rankOf(v)}`);
    if (new Set(s).size !== s.length)
      throw new IRError(`einsum '${spec}': repeated letter in ${what} (traces are not supported)`);
  }
  for (const c of out)
    if (!xs.includes(c) && !ys.includes(c))
      throw new IRError(`einsum '${spec}': output letter '${c}' is in neither operand`);
  // sum out letters private to one operand and absent from the output
  const sumOut = (s: string, other: string, v: Value): [string, Value] => {
    const dims = [...s].flatMap((c, i) => (!other.includes(c) && !out.includes(c) ? [i] : []));
    if (!dims.length) return [s, v];
    return [[...s].filter((_, i) => !dims.includes(i)).join(''), b.sum(v, dims)];
  };
  [xs, x] = sumOut(xs, ys, x);
  [ys, y] = sumOut(ys, xs, y);
  const batch = [...out].filter((c) => xs.includes(c) && ys.includes(c));
  const contract = [...xs].filter((c) => ys.includes(c) && !out.includes(c));
  const xFree = [...xs].filter((c) => !ys.includes(c));
  const yFree = [...ys].filter((c) => !xs.includes(c));
  const r = b.dotGeneral(x, y, {
    lhsBatch: batch.map((c) => xs.indexOf(c)),
    rhsBatch: batch.map((c) => ys.indexOf(c)),
    lhsContract: contract.map((c) => xs.indexOf(c)),
    rhsContract: contract.map((c) => ys.indexOf(c)),
  });
  const order = [...batch, ...xFree, ...yFree];
  return b.transpose(
    r,
    [...out].map((c) => order.indexOf(c)),
  );
}

/** LayerNorm over the last dim: (x − mean)·rsqrt(var + eps)·scale (+ bias). */
export function layerNorm(
  b: ProgramBuilder,
  x: Value,
  scale: Value,
  bias?: Value,
  eps = 1e-5,
): Value {
  const shape = x.type.shape;
  const axis = shape.length - 1;
  const n = shape[axis];
  const mean = b.div(b.sum(x, [axis]), n);
  const xc = b.sub(x, expandBack(b, mean, shape, axis));
  const variance = b.div(b.sum(b.mul(xc, xc), [axis]), n);
  const inv = b.rsqrt(b.add(variance, eps));
  const y = b.mul(b.mul(xc, expandBack(b, inv, shape, axis)), scale);
  return bias ? b.add(y, bias) : y;
}

/** RMSNorm over the last dim: x·rsqrt(mean(x²) + eps)·scale. */
export function rmsNorm(b: ProgramBuilder, x: Value, scale: Value, eps = 1e-5): Value {
  const shape = x.type.shape;
  const axis = shape.length - 1;
  const ms = b.div(b.sum(b.mul(x, x), [axis]), shape[axis]);
  const inv = b.rsqrt(b.add(ms, eps));
  return b.mul(b.mul(x, expandBack(b, inv, shape, axis)), scale);
}

/**
 * Numerically stable softmax along `axis` (default last): exp(x − m) / Σ exp(x − m), m the row
 * maximum rounded to an integer. Softmax does not depend on the shift, so its gradient through m
 * is zero; rounding (non-differentiable) says so to autodiff, as JAX's `stop_gradient` on the
 * maximum does: the backward then never reads x (the score-sized input) for the max's VJP, and
 * exp(x − m) ≤ e^½ still holds.
 */
export function softmax(b: ProgramBuilder, x: Value, axis = -1): Value {
  const shape = x.type.shape;
  const a = axis < 0 ? shape.length + axis : axis;
  const m = b.op1('round_nearest_even', [b.reduce(x, [a], 'maximum')], {});
  const e = b.exp(b.sub(x, expandBack(b, m, shape, a)));
  return b.div(e, expandBack(b, b.sum(e, [a]), shape, a));
}

/** GELU, tanh approximation (GPT-2's `gelu`): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu(b: ProgramBuilder, x: Value): Value {
  const cube = b.mul(b.mul(x, x), x);
  const inner = b.mul(b.add(x, b.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return b.mul(b.mul(x, 0.5), b.add(b.tanh(inner), 1));
}

/** SiLU (swish): x·σ(x). */
export function silu(b: ProgramBuilder, x: Value): Value {
  return b.mul(x, b.op1('logistic', [x], {}));
}

export function relu(b: ProgramBuilder, x: Value): Value {
  return b.max(x, 0);
}

export type Activation = 'relu' | 'gelu' | 'silu' | 'tanh';

export function activation(b: ProgramBuilder, kind: Activation, x: Value): Value {
  switch (kind) {
    case 'relu':
      return relu(b, x);
    case 'gelu':
      return gelu(b, x);
    case 'silu':
      return silu(b, x);
    case 'tanh':
      return b.tanh(x);
  }
}

/** Rows of `table` [V, ...] picked by integer `ids` [...]: a StableHLO gather giving [...ids, ...]. */
export function embeddingLookup(b: ProgramBuilder, table: Value, ids: Value): Value {
  const r = rankOf(ids);
  const rest = table.type.shape.slice(1);
  return b.op1('gather', [table, ids], {
    offsetDims: rest.map((_, i) => r + i),
    collapsedSliceDims: [0],
    startIndexMap: [0],
    indexVectorDim: r,
    sliceSizes: [1, ...rest],
  });
}

/** Mean softmax cross-entropy of logits [..., V] against integer targets [...], in f32. */
export function crossEntropy(b: ProgramBuilder, logits: Value, targets: Value): Value {
  const x = b.convert(logits, 'f32');
  const shape = x.type.shape;
  const axis = shape.length - 1;
  const m = b.reduce(x, [axis], 'maximum');
  const shifted = b.sub(x, expandBack(b, m, shape, axis));
  const lse = b.add(b.log(b.sum(b.exp(shifted), [axis])), m);
  const classes = b.iota(shape, axis, targets.type.dtype);
  const onehot = b.compare(classes, expandBack(b, targets, shape, axis), 'EQ');
  const picked = b.sum(b.select(onehot, x, 0), [axis]);
  const nll = b.sub(lse, picked);
  const count = shape.slice(0, axis).reduce((n, d) => n * d, 1);
  return b.div(
    b.sum(
      nll,
      nll.type.shape.map((_, i) => i),
    ),
    count,
  );
}

/** Mean squared error between two tensors of the same shape, in f32. */
export function mseLoss(b: ProgramBuilder, pred: Value, target: Value): Value {
  const d = b.sub(b.convert(pred, 'f32'), b.convert(target, 'f32'));
  const count = d.type.shape.reduce((n, s) => n * s, 1);
  return b.div(
    b.sum(
      b.mul(d, d),
      d.type.shape.map((_, i) => i),
    ),
    count,
  );
}

/** The rotary tables cos(s·θ^(−2i/dh)) and sin(…), each [S, dh/2] in `dtype`. */
export function rotaryTables(
  b: ProgramBuilder,
  S: number,
  dh: number,
  theta: number,
  dtype: DType,
): [Value, Value] {
  if (dh % 2 !== 0) throw new IRError(`rotary embeddings need an even head dim, got ${dh}`);
  const half = dh / 2;
  const invFreq = Array.from({ length: half }, (_, i) => Math.pow(theta, (-2 * i) / dh));
  const angles = b.mul(
    b.iota([S, half], 0, 'f32'),
    b.broadcastInDim(b.constant(invFreq, [half], 'f32'), [S, half], [1]),
  );
  return [b.convert(b.unary('cosine', angles), dtype), b.convert(b.unary('sine', angles), dtype)];
}

/** Rotary position embedding (rotate-half form) of x [B, S, N, dh] at positions 0..S−1, given rotaryTables. */
export function rotary(b: ProgramBuilder, x: Value, tables: readonly [Value, Value]): Value {
  const [B, S, N, dh] = x.type.shape;
  const half = dh / 2;
  const cos = b.broadcastInDim(tables[0], [B, S, N, half], [1, 3]);
  const sin = b.broadcastInDim(tables[1], [B, S, N, half], [1, 3]);
  const x1 = b.slice(x, [0, 0, 0, 0], [B, S, N, half]);
  const x2 = b.slice(x, [0, 0, 0, half], [B, S, N, dh]);
  return b.concatenate(
    [b.sub(b.mul(x1, cos), b.mul(x2, sin)), b.add(b.mul(x2, cos), b.mul(x1, sin))],
    3,
  );
}

/** A large negative score for masked positions, finite so that bf16 and f32 both hold it. */
export const MASK_VALUE = -1e9;

/**
 * The attention core, in a sub-scope named `core` (selective remat finds it by that name):
 * scores = q·kᵀ/√dh, causal mask, softmax, probs·v. q [B, S, H, dh]; k, v [B, T, KV, dh] with
 * KV dividing H (MHA: KV = H, GQA: 1 < KV < H, MQA: KV = 1). Returns [B, S, H, dh].
 */
export function attentionCore(
  b: ProgramBuilder,
  q: Value,
  k: Value,
  v: Value,
  opts: { causal: boolean },
): Value {
  const [B, S, H, dh] = q.type.shape;
  const [, T, KV] = k.type.shape;
  if (H % KV !== 0)
    throw new IRError(`attention: ${KV} key/value heads do not divide ${H} query heads`);
  const G = H / KV;
  return b.scope('core', () => {
    // G = 1: scores [B, H, S, T]; otherwise q is grouped [B, S, KV, G, dh] and scores are [B, KV, S, G, T]
    const qg = G === 1 ? q : b.reshape(q, [B, S, KV, G, dh]);
    const qr = rankOf(qg);
    let scores = b.dotGeneral(qg, k, {
      lhsBatch: [0, 2],
      rhsBatch: [0, 2],
      lhsContract: [qr - 1],
      rhsContract: [3],
    });
    scores = b.mul(scores, 1 / Math.sqrt(dh));
    const sr = rankOf(scores);
    if (opts.causal) {
      // query s sees key t when t ≤ s + (T − S)
      const iq = b.iota([S, T], 0, 'i32');
      const rows = T === S ? iq : b.add(iq, T - S);
      const keep = b.compare(b.iota([S, T], 1, 'i32'), rows, 'LE');
      scores = b.select(b.broadcastInDim(keep, scores.type.shape, [2, sr - 1]), scores, MASK_VALUE);
    }
    const probs = softmax(b, scores, -1);
    const ctx = b.dotGeneral(probs, v, {
      lhsBatch: [0, 1],
      rhsBatch: [0, 2],
      lhsContract: [sr - 1],
      rhsContract: [1],
    });
    if (G === 1) return b.transpose(ctx, [0, 2, 1, 3]);
    return b.reshape(b.transpose(ctx, [0, 2, 1, 3, 4]), [B, S, H, dh]);
  });
}

export interface AttentionWeights {
  readonly wq: Value;
  readonly wk: Value;
  readonly wv: Value;
  readonly wo: Value;
  readonly bq?: Value;
  readonly bk?: Value;
  readonly bv?: Value;
  readonly bo?: Value;
}

export interface AttentionOptions {
  readonly heads: number;
  /** Key/value heads: = heads for MHA, 1 for MQA, in between for GQA. Default heads. */
  readonly kvHeads?: number;
  readonly causal: boolean;
  /** Rotary embeddings on q and k with this base (θ), or none. */
  readonly rotaryTheta?: number;
}

/**
 * Multi-head self-attention of x [B, S, D]: wq [D, H·dh], wk/wv [D, KV·dh], wo [H·dh, D].
 * H·dh need not equal D. Call it inside the attention scope (`layers/3/attn`); the core lands in `…/core`.
 */
export function attention(
  b: ProgramBuilder,
  x: Value,
  w: AttentionWeights,
  opts: AttentionOptions,
): Value {
  const [B, S] = x.type.shape;
  const H = opts.heads;
  const KV = opts.kvHeads ?? H;
  const qWidth = w.wq.type.shape[1];
  if (qWidth % H !== 0)
    throw new IRError(`attention: wq width ${qWidth} is not a multiple of ${H} heads`);
  const dh = qWidth / H;
  if (w.wk.type.shape[1] !== KV * dh)
    throw new IRError(`attention: wk width ${w.wk.type.shape[1]} is not ${KV} kv heads × ${dh}`);
  let q = b.reshape(linear(b, x, w.wq, w.bq), [B, S, H, dh]);
  let k = b.reshape(linear(b, x, w.wk, w.bk), [B, S, KV, dh]);
  const v = b.reshape(linear(b, x, w.wv, w.bv), [B, S, KV, dh]);
  if (opts.rotaryTheta !== undefined) {
    const theta = opts.rotaryTheta;
    [q, k] = b.scope('rope', () => {
      const tables = rotaryTables(b, S, dh, theta, x.type.dtype);
      return [rotary(b, q, tables), rotary(b, k, tables)];
    });
  }
  const ctx = attentionCore(b, q, k, v, { causal: opts.causal });
  return linear(b, b.reshape(ctx, [B, S, H * dh]), w.wo, w.bo);
}

/** Σ of rows of data [E, ...] into numSegments buckets by integer ids [E]: a StableHLO scatter with an add region. */
export function segmentSum(b: ProgramBuilder, data: Value, ids: Value, numSegments: number): Value {
  const rest = data.type.shape.slice(1);
  const zeros = b.broadcastInDim(b.constant(0, [], data.type.dtype), [numSegments, ...rest], []);
  return b.op1(
    'scatter',
    [zeros, ids, data],
    {
      updateWindowDims: rest.map((_, i) => i + 1),
      insertedWindowDims: [0],
      scatterDimsToOperandDims: [0],
      indexVectorDim: rankOf(ids),
    },
    { regions: [b.combiner(data.type.dtype, 'add')] },
  );
}
