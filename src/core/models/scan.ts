import { ProgramBuilder } from '../ir/builder.ts';
import { IRError } from '../ir/errors.ts';
import type { Value } from '../ir/program.ts';
import { shapeEqual, shapeToString, type Shape } from '../ir/shape.ts';
import type { Ctx } from './family.ts';

/** One layer of a stack: reads weights through ctx.param (relative to the layer's scope), maps x to x. */
export type LayerFn = (ctx: Ctx, x: Value, index: number) => Value;

/**
 * A stack of `count` layers in a scope named `name` (default 'layers').
 * Unrolled: layer i runs in `layers/<i>` with its own params (`layers/3/attn/wq`).
 * Scanned: ONE `while` (tripCount = count) whose closed body carries the counter, the activations
 * and stacked params [count, ...] (`layers/attn/wq`), each read by dynamic_slice at the counter.
 * Scanned layers must be identical, so the body is built once and gets index -1.
 */
export function layerStack(
  ctx: Ctx,
  x: Value,
  count: number,
  scan: boolean,
  layer: LayerFn,
  name = 'layers',
): Value {
  const { b } = ctx;
  return b.scope(name, () => {
    if (!scan) {
      let h = x;
      for (let i = 0; i < count; i++) h = b.scope(String(i), () => layer(ctx, h, i));
      return h;
    }
    return scanned(ctx, x, count, layer);
  });
}

interface Slot {
  readonly rel: string;
  readonly shape: Shape;
}

/** The weights one layer asks for, in order, found by building it once on a throwaway builder. */
function probeLayer(ctx: Ctx, x: Value, layer: LayerFn): Slot[] {
  const pb = new ProgramBuilder('probe');
  const slots: Slot[] = [];
  const px = pb.input('x', x.type.shape, x.type.dtype, 'data');
  const probe: Ctx = {
    b: pb,
    dtype: ctx.dtype,
    param(name, shape) {
      const rel = pb.currentScope ? `${pb.currentScope}/${name}` : name;
      if (slots.some((s) => s.rel === rel))
        throw new IRError(`scanned layer asks for weight '${rel}' twice`);
      slots.push({ rel, shape: [...shape] });
      return pb.convert(pb.param(name, shape, 'f32'), ctx.dtype);
    },
  };
  const out = layer(probe, px, -1);
  if (!shapeEqual(out.type.shape, x.type.shape) || out.type.dtype !== x.type.dtype)
    throw new IRError(
      `a scanned layer must map its carry to the same type, got ${shapeToString(out.type.shape)} from ${shapeToString(x.type.shape)}`,
    );
  return slots;
}

function scanned(ctx: Ctx, x: Value, count: number, layer: LayerFn): Value {
  const { b } = ctx;
  const root = b.currentScope;
  const slots = probeLayer(ctx, x, layer);
  const stacked = slots.map((s) => b.param(s.rel, [count, ...s.shape], 'f32'));
  const counter = b.constant(0, [], 'i32');
  const carry = [counter, x, ...stacked];
  const types = carry.map((v) => v.type);
  const cond = b.region(types, (i) => [b.compare(i, count, 'LT')]);
  const body = b.region(types, (i, h, ...weights) => {
    const bySlot = new Map(slots.map((s, k) => [s.rel, { slot: s, w: weights[k] }]));
    let zero: Value | undefined;
    const inner: Ctx = {
      b,
      dtype: ctx.dtype,
      param(name, shape) {
        const scope = b.currentScope.slice(root.length + 1);
        const rel = scope ? `${scope}/${name}` : name;
        const hit = bySlot.get(rel);
        if (!hit)
          throw new IRError(`scanned layer asks for weight '${rel}', which the probe did not see`);
        if (!shapeEqual(hit.slot.shape, shape))
          throw new IRError(
            `scanned weight '${rel}' is ${shapeToString(shape)}, probed as ${shapeToString(hit.slot.shape)}`,
          );
        zero ??= b.constant(0, [], 'i32');
        const starts = [i, ...shape.map(() => zero!)];
        const slice = b.op1('dynamic_slice', [hit.w, ...starts], { sliceSizes: [1, ...shape] });
        return b.convert(b.reshape(slice, shape), ctx.dtype);
      },
    };
    const out = layer(inner, h, -1);
    return [b.add(i, 1), out, ...weights];
  });
  return b.op('while', carry, { tripCount: count }, { regions: [cond, body] })[1];
}
