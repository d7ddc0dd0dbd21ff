import type { ProgramBuilder } from '../builder.ts';
import type { Op, Value, ValueId } from '../program.ts';
import { residualOps } from './analysis.ts';
import { opsReemit } from './reemit.ts';

/**
 * Rematerialisation policies for the backward pass of main:
 * - 'none': every residual is kept from the forward pass.
 * - 'full': each layer (the scope prefix up to `layers/<i>`) re-emits its forward ops at the
 *   start of its backward and reads only recomputed values; only the layer's inputs (values
 *   flowing in from outside the layer) are kept. One checkpoint per layer.
 * - 'selective' (Korthikanti et al. 2022): only the attention core (ops whose scope ends with
 *   `attn/core`: scores, mask, softmax, probs·V) is recomputed; its inputs Q, K, V and its
 *   output are kept, the quadratic-size scores and probabilities are not.
 * Recomputed ops are the forward ops (phase 'backward', remat: true); only those on a path to
 * a residual of the group's own rules are re-emitted. The numbers are identical to 'none'.
 */
export type RematPolicy = 'none' | 'full' | 'selective';

const LAYER = /^(.*?layers\/\d+)(\/|$)/;

/** The recompute group of an op under a policy (undefined: never recomputed). */
export function rematGroupOf(policy: RematPolicy): (op: Op) => string | undefined {
  switch (policy) {
    case 'none':
      return () => undefined;
    case 'full':
      return (op) => LAYER.exec(op.scope)?.[1];
    case 'selective':
      return (op) => (op.scope.endsWith('attn/core') ? op.scope : undefined);
  }
}

export interface RematSchedule {
  /** Re-emits the op's group the first time the backward reaches it. */
  before(op: Op): void;
  /** The value a rule of `op` reads for `id`: recomputed in op's group, or the forward one. */
  primal(op: Op, id: ValueId): Value;
}

export function rematSchedule(
  b: ProgramBuilder,
  policy: RematPolicy,
  ops: readonly Op[],
  relevant: ReadonlySet<Op>,
): RematSchedule {
  const groupOf = rematGroupOf(policy);
  const forward = (id: ValueId) => b.value(id);
  if (policy === 'none') return { before: () => {}, primal: (_op, id) => forward(id) };
  const byGroup = new Map<string, Op[]>();
  for (const op of residualOps(ops, relevant, groupOf).ops) {
    const key = groupOf(op)!;
    const list = byGroup.get(key);
    if (list) list.push(op);
    else byGroup.set(key, [op]);
  }
  const recomputed = new Map<string, Map<ValueId, Value>>();
  return {
    before(op) {
      const key = groupOf(op);
      if (key === undefined || recomputed.has(key)) return;
      const map = new Map<ValueId, Value>();
      recomputed.set(key, map);
      const saved = b.remat;
      b.remat = true;
      try {
        opsReemit(b, byGroup.get(key) ?? [], map, forward, 'activation');
      } finally {
        b.remat = saved;
      }
    },
    primal(op, id) {
      const key = groupOf(op);
      return (key !== undefined ? recomputed.get(key)?.get(id) : undefined) ?? forward(id);
    },
  };
}
