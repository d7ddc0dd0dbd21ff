import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../builder.ts';
import { hostTensor } from '../host-tensor.ts';
import { softmax } from '../nn.ts';
import type { Program, Value } from '../program.ts';
import { shapeNumel } from '../shape.ts';
import { gradAnalytic, gradError, gradNumeric, randomUniform } from './gradient-check.ts';

/** loss = Σ w ⊙ f(x) for a [3, 5] input x and fixed weights w (so every output row matters). */
function lossProgram(f: (b: ProgramBuilder, x: Value) => Value): Program {
  const b = new ProgramBuilder('softmax');
  const x = b.param('x', [3, 5], 'f32');
  const w = b.input('w', [3, 5], 'f32', 'data');
  b.output('loss', b.sum(b.mul(f(b, x), w), [0, 1]));
  return b.build();
}

function check(p: Program): Program {
  const rand = randomUniform(7);
  const inputs = p.main.params.map((id) => {
    const t = p.values[id].type;
    return hostTensor(
      t.shape,
      t.dtype,
      Array.from({ length: shapeNumel(t.shape) }, () => rand(-2, 2)),
    );
  });
  const run = gradAnalytic(p, inputs, [0]);
  const { error } = gradError(run.grads[0], gradNumeric(p, inputs, 0));
  expect(error).toBeLessThan(1e-6);
  return run.program;
}

describe('softmax as one unit of the backward pass', () => {
  it('its gradient matches finite differences, and the backward reads the output alone', () => {
    const g = check(lossProgram((b, x) => softmax(b, x)));
    const forward = g.main.ops.filter((op) => op.phase === 'forward');
    const exp = forward.find((op) => op.kind === 'exponential')!;
    const div = forward.find((op) => op.kind === 'divide')!;
    const backwardReads = new Set(
      g.main.ops.filter((op) => op.phase === 'backward').flatMap((op) => op.operands),
    );
    expect(backwardReads.has(div.results[0])).toBe(true); // p
    expect(backwardReads.has(exp.results[0])).toBe(false); // e = exp(x − m)
    expect(backwardReads.has(div.operands[1])).toBe(false); // the broadcast divisor
    // p ⊙ (ḡ − Σ p ⊙ ḡ): two multiplies, one subtract, one sum, one broadcast; no divide
    const kinds = g.main.ops.filter((op) => op.phase === 'backward').map((op) => op.kind);
    expect(kinds).not.toContain('divide');
  });

  it('falls back to the ops’ own rules when the exponential has another reader', () => {
    // e is also added to the output, so its cotangent comes from two places
    const g = check(
      lossProgram((b, x) => {
        const e = b.exp(x);
        return b.add(
          b.div(e, b.op1('broadcast_in_dim', [b.sum(e, [1])], { shape: [3, 5], dims: [0] })),
          e,
        );
      }),
    );
    expect(g.main.ops.filter((op) => op.phase === 'backward').map((op) => op.kind)).toContain(
      'divide',
    );
  });
});
