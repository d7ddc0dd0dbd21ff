import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from './builder.ts';
import { IRError } from './errors.ts';
import { printProgram } from './printer.ts';
import { programStats } from './stats.ts';
import { verifyProgram } from './verifier.ts';

function tinyMlp() {
  const b = new ProgramBuilder('mlp');
  const x = b.input('x', [4, 8], 'f32', 'data');
  const w = b.scope('layer0', () => b.param('w', [8, 16], 'f32'));
  const h = b.scope('layer0', () =>
    b.tanh(b.dotGeneral(x, w, { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] })),
  );
  const loss = b.sum(b.mul(h, h), [0, 1]);
  b.output('loss', loss);
  return b.build();
}

describe('ProgramBuilder', () => {
  it('builds a program the verifier accepts, with scoped names and roles', () => {
    const p = tinyMlp();
    expect(verifyProgram(p)).toEqual([]);
    const w = p.values[p.main.params[1]];
    expect(w.name).toBe('layer0/w');
    expect(w.scope).toBe('layer0');
    expect(w.role).toBe('param');
  });

  it('counts parameters and matmul FLOPs', () => {
    const s = programStats(tinyMlp());
    expect(s.params).toBe(8 * 16);
    expect(s.matmulFlops).toBe(2 * 4 * 8 * 16);
  });

  it('refuses a dot_general whose contracting dims differ, naming the op and sizes', () => {
    const b = new ProgramBuilder('bad');
    const x = b.input('x', [4, 8], 'f32', 'data');
    const w = b.param('w', [9, 16], 'f32');
    expect(() =>
      b.dotGeneral(x, w, { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] }),
    ).toThrow(/dot_general: contracting dims differ: lhs dim 1 is 8, rhs dim 0 is 9/);
  });

  it('broadcasts binary sugar numpy-style and lifts numbers', () => {
    const b = new ProgramBuilder('bc');
    const x = b.input('x', [2, 3], 'f32', 'data');
    const bias = b.param('b', [3], 'f32');
    const y = b.mul(b.add(x, bias), 2);
    expect(y.type.shape).toEqual([2, 3]);
    expect(() => b.add(x, b.param('c', [2], 'f32'))).toThrow(IRError);
  });

  it('prints one line per op with scope and types', () => {
    const text = printProgram(tinyMlp());
    expect(text).toMatch(
      /%\d+ = dot_general\(%0, %1\) \{lhsBatch=\[\], rhsBatch=\[\], lhsContract=\[1\], rhsContract=\[0\]\} : f32\[4,16\] {2}@layer0/,
    );
    expect(text).toMatch(/output "loss" = %\d+/);
  });
});
