import type { ProgramBuilder } from '../builder.ts';
import type { OpAttrs } from '../ops.ts';
import type { Op, Value, ValueId } from '../program.ts';
import { regionCombiner } from './emit.ts';

/**
 * Softmax as one unit of the backward pass. `p = e / broadcast(Σ e)` with `e = exp(t)` has the
 * VJP `t̄ = p ⊙ (ḡ − broadcast(Σ p ⊙ ḡ))`, which reads the output p alone. Op by op, the
 * divide's rule would read the divisor and the exponential's rule would read e, a second
 * score-sized tensor kept for the backward (or recomputed from the scores). Fused softmax
 * kernels (Megatron's, whose memory Korthikanti et al. count) and JAX's `jax.nn.softmax`, a
 * custom_jvp, both keep only p; so does this.
 *
 * The pattern is recognised among the relevant ops of one block: the exponential's result is
 * read (by relevant ops) only by the sum and the divide, the sum only by the broadcast, the
 * broadcast only by the divide. Otherwise the ops keep their own rules.
 */
export interface SoftmaxGroup {
  readonly exp: Op;
  readonly sum: Op;
  readonly bcast: Op;
  readonly div: Op;
}

/** Every member op of a recognised softmax, by op, mapped to its group. */
export type SoftmaxGroups = ReadonlyMap<Op, SoftmaxGroup>;

export function softmaxGroups(relevant: Iterable<Op>): SoftmaxGroups {
  const producer = new Map<ValueId, Op>();
  const readers = new Map<ValueId, Op[]>();
  const divides: Op[] = [];
  for (const op of relevant) {
    for (const r of op.results) producer.set(r, op);
    for (const o of new Set(op.operands)) {
      const list = readers.get(o);
      if (list) list.push(op);
      else readers.set(o, [op]);
    }
    if (op.kind === 'divide') divides.push(op);
  }
  const readBy = (v: ValueId, ...ops: Op[]) => {
    const list = readers.get(v) ?? [];
    return list.length === ops.length && ops.every((o) => list.includes(o));
  };
  const groups = new Map<Op, SoftmaxGroup>();
  for (const div of divides) {
    const [num, den] = div.operands;
    const bcast = producer.get(den);
    const sum = bcast?.kind === 'broadcast_in_dim' ? producer.get(bcast.operands[0]) : undefined;
    const exp = producer.get(num);
    if (!bcast || !sum || exp?.kind !== 'exponential') continue;
    if (sum.kind !== 'reduce' || sum.operands.length !== 2 || sum.operands[0] !== num) continue;
    if (regionCombiner(sum.regions[0]) !== 'add') continue;
    if (!readBy(num, sum, div) || !readBy(sum.results[0], bcast) || !readBy(den, div)) continue;
    const group = { exp, sum, bcast, div };
    for (const op of [exp, sum, bcast, div]) groups.set(op, group);
  }
  return groups;
}

/** The cotangent of the exponential's input t, from the output p and its cotangent ḡ. */
export function softmaxVjp(b: ProgramBuilder, g: SoftmaxGroup, p: Value, ct: Value): Value {
  const { dims } = g.sum.attrs as OpAttrs['reduce'];
  const row = b.sum(b.mul(p, ct), dims);
  const back = b.op1('broadcast_in_dim', [row], g.bcast.attrs as OpAttrs['broadcast_in_dim']);
  return b.mul(p, b.sub(ct, back));
}
