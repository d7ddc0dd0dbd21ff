import { ProgramBuilder } from '../builder.ts';
import type { Program, Value } from '../program.ts';

/**
 * Small forward programs for the autodiff tests, self-contained so they do not move when the
 * model zoo does: an MLP, a pre-norm transformer with scopes `layers/<i>/attn/core` (the
 * selective-remat target), and a scan-over-layers `while`. Each ends in an output 'loss' that
 * is a mean, so gradient accumulation over micro-batches equals one big batch.
 */

const mm = (b: ProgramBuilder, x: Value, w: Value) =>
  b.dotGeneral(x, w, {
    lhsBatch: [],
    rhsBatch: [],
    lhsContract: [x.type.shape.length - 1],
    rhsContract: [0],
  });

function meanSquaredError(b: ProgramBuilder, y: Value, target: Value): Value {
  const d = b.sub(y, target);
  const n = y.type.shape.reduce((a, c) => a * c, 1);
  return b.div(
    b.sum(
      b.mul(d, d),
      y.type.shape.map((_, i) => i),
    ),
    n,
  );
}

/** x[B, D] → (tanh(x·W + b))ᴸ, loss = mean((y − target)²). */
export function mlpProgram(layers: number, batch: number, width: number): Program {
  const b = new ProgramBuilder('mlp');
  let h = b.input('x', [batch, width], 'f32', 'data');
  const target = b.input('target', [batch, width], 'f32', 'data');
  for (let i = 0; i < layers; i++) {
    h = b.scope('layers', () =>
      b.scope(String(i), () => {
        const w = b.param('w', [width, width], 'f32');
        const bias = b.param('b', [width], 'f32');
        return b.tanh(b.add(mm(b, h, w), bias));
      }),
    );
  }
  b.output('loss', meanSquaredError(b, h, target));
  return b.build();
}

export interface TransformerShape {
  readonly layers: number;
  readonly batch: number;
  readonly seq: number;
  readonly width: number;
  readonly heads: number;
}

function rmsNorm(b: ProgramBuilder, x: Value, scale: Value): Value {
  const D = x.type.shape[2];
  const ms = b.div(b.sum(b.mul(x, x), [2]), D);
  const r = b.rsqrt(b.add(ms, 1e-5));
  return b.mul(b.mul(x, b.broadcastInDim(r, x.type.shape, [0, 1])), scale);
}

/** Causal softmax attention of q, k, v [B, S, H, dh] in scope attn/core; returns [B, H, S, dh]. */
function attentionCore(b: ProgramBuilder, q: Value, k: Value, v: Value): Value {
  const [B, S, H, dh] = q.type.shape;
  return b.scope('core', () => {
    const scores = b.mul(
      b.dotGeneral(q, k, {
        lhsBatch: [0, 2],
        rhsBatch: [0, 2],
        lhsContract: [3],
        rhsContract: [3],
      }),
      1 / Math.sqrt(dh),
    );
    const causal = b.compare(b.iota([S, S], 0), b.iota([S, S], 1), 'GE');
    const mask = b.broadcastInDim(causal, [B, H, S, S], [2, 3]);
    const masked = b.select(mask, scores, -1e9);
    const m = b.broadcastInDim(b.reduce(masked, [3], 'maximum'), [B, H, S, S], [0, 1, 2]);
    const e = b.exp(b.sub(masked, m));
    const probs = b.div(e, b.broadcastInDim(b.sum(e, [3]), [B, H, S, S], [0, 1, 2]));
    return b.dotGeneral(probs, v, {
      lhsBatch: [0, 1],
      rhsBatch: [0, 2],
      lhsContract: [3],
      rhsContract: [1],
    });
  });
}

function block(b: ProgramBuilder, x: Value, heads: number): Value {
  const [B, S, D] = x.type.shape;
  const dh = D / heads;
  const attn = b.scope('attn', () => {
    const scale = b.param('norm', [D], 'f32');
    const h = rmsNorm(b, x, scale);
    const proj = (name: string) =>
      b.reshape(mm(b, h, b.param(name, [D, D], 'f32')), [B, S, heads, dh]);
    const ctx = attentionCore(b, proj('wq'), proj('wk'), proj('wv'));
    const merged = b.reshape(b.transpose(ctx, [0, 2, 1, 3]), [B, S, D]);
    return mm(b, merged, b.param('wo', [D, D], 'f32'));
  });
  const x1 = b.add(x, attn);
  const mlp = b.scope('mlp', () => {
    const h = rmsNorm(b, x1, b.param('norm', [D], 'f32'));
    const u = b.tanh(mm(b, h, b.param('wi', [D, 2 * D], 'f32')));
    return mm(b, u, b.param('wo', [2 * D, D], 'f32'));
  });
  return b.add(x1, mlp);
}

/** A pre-norm causal transformer on x[B, S, D]; loss = mean((y − target)²). */
export function transformerProgram(s: TransformerShape): Program {
  const b = new ProgramBuilder('transformer');
  let h = b.input('x', [s.batch, s.seq, s.width], 'f32', 'data');
  const target = b.input('target', [s.batch, s.seq, s.width], 'f32', 'data');
  for (let i = 0; i < s.layers; i++)
    h = b.scope('layers', () => b.scope(String(i), () => block(b, h, s.heads)));
  b.output('loss', meanSquaredError(b, h, target));
  return b.build();
}

/**
 * Scan over layers: one `while` whose body reads layer i's weights from stacked params
 * W[L, D, D], c[L, D] by dynamic_slice of the counter: h ← tanh(h·W[i] + c[i]) + h.
 */
export function scanProgram(layers: number, batch: number, width: number): Program {
  const b = new ProgramBuilder('scan');
  const x = b.input('x', [batch, width], 'f32', 'data');
  const target = b.input('target', [batch, width], 'f32', 'data');
  const W = b.scope('layers', () => b.param('w', [layers, width, width], 'f32'));
  const c = b.scope('layers', () => b.param('b', [layers, width], 'f32'));
  const i32 = { shape: [], dtype: 'i32' } as const;
  const types = [i32, x.type, W.type, c.type];
  const out = b.scope('layers', () => {
    const cond = b.region(types, (i) => [b.compare(i, b.constant(layers, [], 'i32'), 'LT')]);
    const body = b.region(types, (i, h, Ws, cs) => {
      const zero = b.constant(0, [], 'i32');
      const w = b.reshape(
        b.op1('dynamic_slice', [Ws, i, zero, zero], { sliceSizes: [1, width, width] }),
        [width, width],
      );
      const bias = b.reshape(b.op1('dynamic_slice', [cs, i, zero], { sliceSizes: [1, width] }), [
        width,
      ]);
      const next = b.add(b.tanh(b.add(mm(b, h, w), bias)), h);
      return [b.add(i, b.constant(1, [], 'i32')), next, Ws, cs];
    });
    return b.op(
      'while',
      [b.constant(0, [], 'i32'), x, W, c],
      { tripCount: layers },
      { regions: [cond, body] },
    );
  });
  b.output('loss', meanSquaredError(b, out[1], target));
  return b.build();
}
