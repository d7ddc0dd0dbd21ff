import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../builder.ts';
import { hostTensor } from '../host-tensor.ts';
import type { Program } from '../program.ts';
import { tensorType } from '../shape.ts';
import { evaluate, evaluateWith, EvalError, OP_EVALUATORS } from '../interpreter.ts';
import { run1, scalar, tensor } from './testing.ts';

const i32 = tensorType([], 'i32');

/** while (i < 5) { s += i; i += 1 } from i = 0, s = 0, declared to run `tripCount` times. */
function sumLoop(tripCount: number): Program {
  const b = new ProgramBuilder('loop');
  const i0 = b.input('i', [], 'i32', 'data');
  const s0 = b.input('s', [], 'i32', 'data');
  const cond = b.region([i32, i32], (i) => [b.compare(i, 5, 'LT')]);
  const body = b.region([i32, i32], (i, s) => [b.add(i, 1), b.add(s, i)]);
  const [i, s] = b.op('while', [i0, s0], { tripCount }, { regions: [cond, body] });
  b.output('i', i);
  b.output('s', s);
  return b.build();
}

describe('while', () => {
  it('sums 0..4 in five iterations', () => {
    const [i, s] = evaluate(sumLoop(5), [scalar(0, 'i32'), scalar(0, 'i32')]);
    expect(i.data[0]).toBe(5);
    expect(s.data[0]).toBe(0 + 1 + 2 + 3 + 4);
  });

  it('refuses a cond that is still true after tripCount iterations', () => {
    expect(() => evaluate(sumLoop(4), [scalar(0, 'i32'), scalar(0, 'i32')])).toThrow(
      /op #\d+ while: cond is still true after 4 iterations/,
    );
  });

  it('refuses a cond that turns false before tripCount iterations', () => {
    expect(() => evaluate(sumLoop(6), [scalar(0, 'i32'), scalar(0, 'i32')])).toThrow(
      /op #\d+ while: cond is false before iteration 5, but tripCount is 6/,
    );
  });

  it('runs a zero-trip loop when cond is false at once', () => {
    const [i, s] = evaluate(sumLoop(0), [scalar(5, 'i32'), scalar(7, 'i32')]);
    expect([i.data[0], s.data[0]]).toEqual([5, 7]);
  });
});

describe('case', () => {
  const pick = (index: number) =>
    run1([scalar(index, 'i32'), scalar(10)], (b, idx, x) => {
      const f32 = tensorType([], 'f32');
      const branches = [1, 2, 3].map((k) => b.region([f32], (v) => [b.mul(v, k)]));
      return b.op('case', [idx, x], {}, { regions: branches })[0];
    });

  it('runs the branch the index names', () => {
    expect(pick(0)).toEqual([10]);
    expect(pick(1)).toEqual([20]);
  });

  it('runs the last branch for an out-of-range index, negative or too large', () => {
    expect(pick(7)).toEqual([30]);
    expect(pick(-1)).toEqual([30]);
  });
});

describe('call', () => {
  it('runs the callee from the program’s functions on the arguments', () => {
    const b = new ProgramBuilder('calls');
    const x = b.input('x', [2], 'f32', 'data');
    b.func('affine', [tensorType([2], 'f32')], (v) => [b.add(b.mul(v, 3), 1)]);
    b.output('y', b.op1('call', [x], { callee: 'affine' }));
    expect(Array.from(evaluate(b.build(), [tensor([2], [1, 2])])[0].data)).toEqual([4, 7]);
  });
});

describe('custom_call', () => {
  function customProgram(target: string): Program {
    const b = new ProgramBuilder('custom');
    const x = b.input('x', [2], 'f32', 'data');
    b.output(
      'y',
      b.op1('custom_call', [x], {
        callTarget: target,
        resultTypes: [{ shape: [2], dtype: 'f32' }],
      }),
    );
    return b.build();
  }

  it('refuses an unknown target as opaque, naming it', () => {
    expect(() => evaluate(customProgram('my_kernel'), [tensor([2], [1, 2])])).toThrow(
      /custom_call: target 'my_kernel' is opaque to the interpreter/,
    );
    expect(() => evaluate(customProgram('my_kernel'), [tensor([2], [1, 2])])).toThrow(EvalError);
  });

  it('passes a JAX sharding constraint (target Sharding) through unchanged', () => {
    expect(Array.from(evaluate(customProgram('Sharding'), [tensor([2], [1, 2])])[0].data)).toEqual([
      1, 2,
    ]);
  });

  it('runs a target from a registry given in the context', () => {
    const doubler = { my_kernel: () => [hostTensor([2], 'f32', [2, 4])] };
    const out = evaluateWith(customProgram('my_kernel'), [tensor([2], [1, 2])], OP_EVALUATORS, {
      customCalls: doubler,
    });
    expect(Array.from(out[0].data)).toEqual([2, 4]);
    // the given registry adds to the known targets rather than replacing them
    const kept = evaluateWith(customProgram('Sharding'), [tensor([2], [1, 2])], OP_EVALUATORS, {
      customCalls: doubler,
    });
    expect(Array.from(kept[0].data)).toEqual([1, 2]);
  });
});
