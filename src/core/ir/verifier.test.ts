import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from './builder.ts';
import type { Op, Program, Value } from './program.ts';
import { tensorType } from './shape.ts';
import { verifyProgram } from './verifier.ts';

/** A small valid program to break in one place per test: y = tanh(x @ w) summed. */
function base(): Program {
  const b = new ProgramBuilder('base');
  const x = b.input('x', [4, 8], 'f32', 'data');
  const w = b.param('w', [8, 16], 'f32');
  const y = b.scope('layer', () =>
    b.tanh(b.dotGeneral(x, w, { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] })),
  );
  b.output('loss', b.sum(y, [0, 1]));
  b.output('w_new', b.sub(w, 0.1), w);
  return b.build();
}

function withOps(p: Program, ops: readonly Op[]): Program {
  return { ...p, main: { ...p.main, ops } };
}

function replaceOp(p: Program, kind: string, f: (op: Op) => Op): Program {
  let done = false;
  return withOps(
    p,
    p.main.ops.map((op) => {
      if (done || op.kind !== kind) return op;
      done = true;
      return f(op);
    }),
  );
}

function messages(p: Program): string[] {
  return verifyProgram(p).map((d) => d.message);
}

describe('verifyProgram', () => {
  it('accepts what the builder makes', () => {
    expect(messages(base())).toEqual([]);
  });

  it('names the op and the sizes when contracting dims differ', () => {
    const p = base();
    const values: Value[] = p.values.map((v) =>
      v.name === 'w' ? { ...v, type: tensorType([9, 16], 'f32') } : v,
    );
    const msgs = messages({ ...p, values });
    expect(msgs[0]).toMatch(
      /^op #\d+ dot_general in layer: contracting dims differ: lhs dim 1 is 8, rhs dim 0 is 9 \(operands: f32\[4,8\], f32\[9,16\]\)$/,
    );
  });

  it('rejects a permutation that is not one', () => {
    const b = new ProgramBuilder('t');
    const x = b.input('x', [2, 3], 'f32', 'data');
    b.output('y', b.transpose(x, [1, 0]));
    const p = replaceOp(
      b.build(),
      'transpose',
      (op) => ({ ...op, attrs: { permutation: [0, 0] } }) as Op,
    );
    expect(messages(p)[0]).toMatch(/transpose: permutation dimension 0 is repeated/);
  });

  it('rejects mixed element types in an elementwise op', () => {
    const b = new ProgramBuilder('t');
    const x = b.input('x', [2], 'f32', 'data');
    const y = b.input('y', [2], 'bf16', 'data');
    const z = b.add(x, b.convert(y, 'f32'));
    b.output('z', z);
    const p = b.build();
    const broken = replaceOp(p, 'add', (op) => ({ ...op, operands: [x.id, y.id] }));
    expect(messages(broken)[0]).toMatch(
      /op #\d+ add: operand 1 has type bf16\[2\] but operand 0 has f32\[2\]; add needs equal types/,
    );
  });

  it('rejects a use before definition', () => {
    const p = base();
    const ops = [...p.main.ops];
    const dot = ops.findIndex((o) => o.kind === 'dot_general');
    const tanh = ops.findIndex((o) => o.kind === 'tanh');
    [ops[dot], ops[tanh]] = [ops[tanh], ops[dot]];
    expect(messages(withOps(p, ops))).toContainEqual(
      expect.stringMatching(
        /op #\d+ tanh in layer: operand 0 \(%\d+\) is used before it is defined/,
      ),
    );
  });

  it('keeps regions closed: a body may not use an outer value', () => {
    const b = new ProgramBuilder('t');
    const x = b.input('x', [3], 'f32', 'data');
    const r = b.reduce(x, [0]);
    b.output('r', r);
    const p = b.build();
    const broken = replaceOp(p, 'reduce', (op) => {
      const region = op.regions[0];
      const body = region.ops[0];
      return {
        ...op,
        regions: [{ ...region, ops: [{ ...body, operands: [x.id, region.params[1]] }] }],
      };
    });
    expect(messages(broken)).toContainEqual(
      expect.stringMatching(
        /op #\d+ add: operand 0 \(%0\) is defined outside this region \(regions are closed\)/,
      ),
    );
  });

  it('checks a result type against what the op produces', () => {
    const p = base();
    const tanh = p.main.ops.find((o) => o.kind === 'tanh')!;
    const values = p.values.map((v) =>
      v.id === tanh.results[0] ? { ...v, type: tensorType([4, 15], 'f32') } : v,
    );
    expect(messages({ ...p, values })).toContainEqual(
      expect.stringMatching(
        /op #\d+ tanh in layer: result 0 has type f32\[4,15\] but the op produces f32\[4,16\]/,
      ),
    );
  });

  it('rejects outputs that alias an input of another type, and inputs without a role', () => {
    const p = base();
    const loss = p.outputs[0];
    const outputs = [loss, { ...p.outputs[1], value: loss.value }];
    expect(messages({ ...p, outputs })).toContainEqual(
      "output 'w_new' (f32[]) aliases input 'w' of another type (f32[8,16])",
    );
    const values = p.values.map((v) => (v.name === 'x' ? { ...v, role: undefined } : v));
    expect(messages({ ...p, values })).toContainEqual(
      "program input %0 ('x') has no role (data, param or optState)",
    );
  });

  it('rejects calls to unknown functions and recursive functions', () => {
    const b = new ProgramBuilder('t');
    const s = tensorType([2], 'f32');
    b.func('f', [s], (a) => [b.neg(a)]);
    const x = b.input('x', [2], 'f32', 'data');
    b.output('y', b.op1('call', [x], { callee: 'f' }));
    const p = b.build();
    const unknown = replaceOp(p, 'call', (op) => ({ ...op, attrs: { callee: 'g' } }) as Op);
    expect(messages(unknown)[0]).toMatch(/call: calls unknown function @g/);
    const f = p.funcs.get('f')!;
    const self: Op = {
      id: 999,
      kind: 'call',
      operands: [f.params[0]],
      results: [f.results[0]],
      attrs: { callee: 'f' },
      regions: [],
      scope: '',
      phase: 'forward',
    };
    const values = p.values.map((v) => (v.id === f.results[0] ? { ...v, def: 999 } : v));
    const recursive = { ...p, values, funcs: new Map([['f', { ...f, ops: [self] }]]) };
    expect(messages(recursive)).toContainEqual('functions call each other recursively: @f -> @f');
  });

  it('rejects a while whose cond does not yield a boolean scalar', () => {
    const b = new ProgramBuilder('t');
    const i = b.constant(0, [], 'i32');
    const s = tensorType([], 'i32');
    const cond = b.region([s], (k) => [b.compare(k, 3, 'LT')]);
    const body = b.region([s], (k) => [b.add(k, 1)]);
    b.output('n', b.op1('while', [i], { tripCount: 3 }, { regions: [cond, body] }));
    const p = b.build();
    const broken = replaceOp(p, 'while', (op) => ({
      ...op,
      regions: [op.regions[1], op.regions[1]],
    }));
    expect(messages(broken)).toContainEqual(
      expect.stringMatching(/op #\d+ while: cond must yield one i1 scalar/),
    );
  });

  it('rejects unknown op kinds', () => {
    const p = replaceOp(base(), 'tanh', (op) => ({ ...op, kind: 'tangent' }) as unknown as Op);
    expect(messages(p)).toContainEqual(
      expect.stringMatching(/op #\d+ tangent in layer: unknown op kind 'tangent'/),
    );
  });
});
