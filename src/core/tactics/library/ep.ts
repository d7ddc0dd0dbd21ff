import type { TacticDefinition } from '../tactic.ts';
import { dimTakes, inputsInScope, tile } from './common.ts';

/** Expert weights carry a leading expert dim: `.../moe/wi` [E, d, ff], `.../experts/...`. */
export const EP_PATTERN = /(^|\/)(moe|experts?)\/(wi|wi_gate|wo|w1|w2|w3)$/;

/**
 * EP: expert parallelism (GShard). The expert dim of MoE weights is split on the axis and
 * propagation runs inside the expert computation only (scope `experts`), so the routing stays
 * with its tokens and the dispatch and combine einsums, where tokens meet experts, become
 * all-to-alls. Put EP before BP on the same axis: `EP(data),BP(data)`.
 */
export const EP: TacticDefinition = {
  name: 'EP',
  title: 'Expert parallelism',
  summary: 'Split the expert dimension of mixture-of-experts weights on the axis.',
  seeds(ctx, axis) {
    return inputsInScope(
      ctx,
      (v) => v.role === 'param' && v.type.shape.length >= 3 && EP_PATTERN.test(v.name),
    ).flatMap((v) =>
      dimTakes(ctx, v.id, 0, axis) ? [tile(v, 0, axis, `EP: expert dim of ${v.name}`)] : [],
    );
  },
  propagatesThrough: (op, program) =>
    /(^|\/)experts$/.test(op.scope) ||
    op.phase === 'optimizer' ||
    (op.kind === 'convert' && program.values[op.operands[0]].role === 'param'),
};
