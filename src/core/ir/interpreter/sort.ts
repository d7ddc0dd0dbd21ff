import type { OpAttrs } from '../ops.ts';
import { shapeStrides } from '../shape.ts';
import { allocResult, fail, scalarTensor, type OpEvaluator } from './context.ts';
import { offsetTable, otherDims, pick } from './indexing.ts';
import { fastScalarFn } from './scalar-region.ts';

/**
 * sort: every 1-D slice along `dimension` is sorted by the comparator region, and all operands
 * are permuted the same way. The comparator takes (lhs₀, rhs₀, lhs₁, rhs₁, …), one pair per
 * operand, and yields true when lhs sorts before rhs. JavaScript's sort is stable, so equal
 * keys keep their order whether or not `isStable` asks for it.
 */
export const evalSort: OpEvaluator = (op, args, ctx) => {
  if (args.length < 1) fail(op, 'expects at least one argument');
  const { dimension } = op.attrs as OpAttrs['sort'];
  const r = op.regions[0];
  if (!r || r.params.length !== 2 * args.length)
    fail(op, `comparator must take ${2 * args.length} parameters (a pair per operand)`);
  const shape = args[0].shape;
  const strides = shapeStrides(shape);
  const n = shape[dimension];
  const step = strides[dimension];
  const rest = otherDims(shape.length, [dimension]);
  const lines = offsetTable(pick(shape, rest), pick(strides, rest));
  const outs = args.map((_, k) => allocResult(op, ctx, k));
  const fast = fastScalarFn(r, r.params[0], r.params[1], ctx);
  const perm: number[] = new Array(n);
  for (let l = 0; l < lines.length; l++) {
    const base = lines[l];
    const at = (k: number, i: number) => args[k].data[base + i * step];
    const less = fast
      ? (i: number, j: number) => fast(at(0, i), at(0, j)) !== 0
      : (i: number, j: number) => {
          const pairs = args.flatMap((a, k) => [
            scalarTensor(at(k, i), a),
            scalarTensor(at(k, j), a),
          ]);
          return ctx.runRegion(r, pairs)[0].data[0] !== 0;
        };
    for (let i = 0; i < n; i++) perm[i] = i;
    perm.sort((i, j) => (less(i, j) ? -1 : less(j, i) ? 1 : 0));
    outs.forEach((o, k) => {
      for (let i = 0; i < n; i++) o.data[base + i * step] = at(k, perm[i]);
    });
  }
  return outs;
};
