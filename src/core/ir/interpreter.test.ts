import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from './builder.ts';
import { hostTensor } from './host-tensor.ts';
import {
  evaluate,
  evaluateFunc,
  evaluateWith,
  EvalError,
  OP_EVALUATORS,
  type EvalContext,
  type OpEvaluator,
} from './interpreter.ts';
import { OP_KINDS } from './ops.ts';
import type { Op, Program } from './program.ts';
import { tensorType } from './shape.ts';
import { scalar, tensor } from './interpreter/testing.ts';

/** y = max(x·w + b, 0); loss = Σ y². */
function tinyMlp(): Program {
  const b = new ProgramBuilder('mlp');
  const x = b.input('x', [1, 2], 'f32', 'data');
  const w = b.param('w', [2, 2], 'f32');
  const bias = b.param('b', [2], 'f32');
  const h = b.add(
    b.dotGeneral(x, w, { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] }),
    bias,
  );
  const y = b.max(h, 0);
  b.output('loss', b.sum(b.mul(y, y), [0, 1]));
  b.output('y', y);
  b.output('w', w, w);
  return b.build();
}

const mlpInputs = () => [
  tensor([1, 2], [1, 2]),
  tensor([2, 2], [1, -1, 2, 0]),
  tensor([2], [0.5, 0.5]),
];

/** A while whose body runs a custom_call, so failures and context travel through a region. */
function loopWithCustomCall(target: string): Program {
  const b = new ProgramBuilder('loop');
  const x = b.input('x', [], 'f32', 'data');
  const f32 = tensorType([], 'f32');
  const cond = b.region([f32], () => [b.constant(1, [], 'i1')]);
  const body = b.region([f32], (v) => [
    b.op1('custom_call', [v], { callTarget: target, resultTypes: [{ shape: [], dtype: 'f32' }] }),
  ]);
  // cond is always true, so only a zero-trip loop could pass; tripCount 1 fails after the body ran
  b.output('y', b.op('while', [x], { tripCount: 1 }, { regions: [cond, body] })[0]);
  return b.build();
}

describe('evaluate', () => {
  it('runs a small MLP to the value computed by hand, outputs in declared order', () => {
    // x·w = [1+4, -1+0] = [5, -1]; + 0.5 → [5.5, -0.5]; relu → [5.5, 0]; Σ y² = 30.25
    const [loss, y, w] = evaluate(tinyMlp(), mlpInputs());
    expect(loss.shape).toEqual([]);
    expect(loss.data[0]).toBe(30.25);
    expect(Array.from(y.data)).toEqual([5.5, 0]);
    expect(Array.from(w.data)).toEqual([1, -1, 2, 0]);
  });

  it('has an evaluator for every op kind of the IR', () => {
    for (const kind of OP_KINDS) expect(typeof OP_EVALUATORS[kind], kind).toBe('function');
  });

  it('refuses the wrong number of inputs', () => {
    expect(() => evaluate(tinyMlp(), mlpInputs().slice(0, 2))).toThrow(
      /program 'mlp' takes 3 arguments, got 2/,
    );
  });

  it('refuses an input of the wrong shape or dtype, naming it', () => {
    const bad = mlpInputs();
    bad[1] = tensor([2, 1], [1, 2]);
    expect(() => evaluate(tinyMlp(), bad)).toThrow(
      /argument 1 \('w'\) is f32\[2,1\] but the parameter is f32\[2,2\]/,
    );
    bad[1] = tensor([2, 2], [1, 2, 3, 4], 'bf16');
    expect(() => evaluate(tinyMlp(), bad)).toThrow(/argument 1 \('w'\) is bf16\[2,2\]/);
  });

  it('names the failing op inside a region and the op around it', () => {
    let err: unknown;
    try {
      evaluate(loopWithCustomCall('mystery'), [scalar(1)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EvalError);
    expect((err as EvalError).message).toMatch(
      /op #\d+ custom_call: target 'mystery' is opaque[^]*\n {2}inside op #\d+ while/,
    );
    expect((err as EvalError).where?.kind).toBe('custom_call');
  });
});

describe('evaluateWith', () => {
  it('hands extra context fields to evaluators, inside nested regions too', () => {
    interface DeviceContext extends EvalContext {
      readonly device: number;
    }
    const seen: number[] = [];
    const probe: OpEvaluator = (_op, args, ctx) => {
      seen.push((ctx as DeviceContext).device);
      return [hostTensor([], 'f32', [args[0].data[0] + (ctx as DeviceContext).device])];
    };
    // cond always true and tripCount 1: the body runs once, then the check fails, as designed
    expect(() =>
      evaluateWith<DeviceContext>(loopWithCustomCall('probe'), [scalar(1)], OP_EVALUATORS, {
        device: 3,
        customCalls: { probe },
      }),
    ).toThrow(/cond is still true after 1 iterations/);
    expect(seen).toEqual([3]);
  });

  it('uses the registry it is given in place of the built-in one', () => {
    const registry = { ...OP_EVALUATORS, maximum: OP_EVALUATORS.minimum };
    const [, y] = evaluateWith(tinyMlp(), mlpInputs(), registry);
    expect(Array.from(y.data)).toEqual([0, -0.5]);
  });

  it('reports every op to onOp, nested ones included', () => {
    const kinds: string[] = [];
    const b = new ProgramBuilder('nested');
    const x = b.input('x', [3], 'f32', 'data');
    const f32 = tensorType([], 'f32');
    const r = b.region([f32, f32], (p, q) => [b.mul(b.add(p, q), 1)]);
    b.output('s', b.op1('reduce', [x, b.constant(0)], { dims: [0] }, { regions: [r] }));
    const out = evaluateWith(b.build(), [tensor([3], [1, 2, 3])], OP_EVALUATORS, {
      onOp: (op: Op) => void kinds.push(op.kind),
    });
    expect(out[0].data[0]).toBe(6);
    // per element the region runs add, constant (the lifted 1), multiply
    expect(kinds.filter((k) => k === 'add')).toHaveLength(3);
    expect(kinds.at(-1)).toBe('reduce');
  });

  it('refuses an evaluator whose result does not have the declared type', () => {
    const registry = { ...OP_EVALUATORS, tanh: (() => [hostTensor([5], 'f32')]) as OpEvaluator };
    const b = new ProgramBuilder('t');
    b.output('y', b.tanh(b.input('x', [2], 'f32', 'data')));
    expect(() => evaluateWith(b.build(), [tensor([2], [0, 0])], registry)).toThrow(
      /op #\d+ tanh: evaluator produced f32\[5\] \(5 elements\) for result 0, declared f32\[2\]/,
    );
  });

  it('wraps a plain error thrown by an evaluator with the op’s name', () => {
    const registry = {
      ...OP_EVALUATORS,
      tanh: (() => {
        throw new Error('boom');
      }) as OpEvaluator,
    };
    const b = new ProgramBuilder('t');
    b.output('y', b.tanh(b.input('x', [2], 'f32', 'data')));
    expect(() => evaluateWith(b.build(), [tensor([2], [0, 0])], registry)).toThrow(
      /op #\d+ tanh: evaluator failed: boom/,
    );
  });
});

describe('evaluateFunc', () => {
  it('runs one function of the program by itself', () => {
    const b = new ProgramBuilder('f');
    const f = b.func('square_plus', [tensorType([2], 'f32'), tensorType([2], 'f32')], (u, v) => [
      b.add(b.mul(u, u), v),
    ]);
    b.output('dummy', b.input('x', [], 'f32', 'data'));
    const out = evaluateFunc(b.build(), f, [tensor([2], [3, 4]), tensor([2], [1, 1])]);
    expect(Array.from(out[0].data)).toEqual([10, 17]);
  });
});
