import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModel } from '../models/index.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { applySchedule } from './apply.ts';
import { parseSchedule } from './schedule.ts';
import type { Tactic } from './tactic.ts';

const TINY = 'gpt:layers=2,d_model=16,heads=4,vocab=40,seq=8,batch=4,dtype=f32,train=false';
const program = buildModel(TINY);
const mesh = parseMesh('data=2,model=2');

function valueNamed(name: string) {
  const v = program.values.find((x) => x.name === name);
  if (!v) throw new Error(`no value ${name}`);
  return v;
}

describe('applySchedule', () => {
  it('seeds MP on the weights by name and propagates to the heads', () => {
    const r = applySchedule(program, mesh, parseSchedule('MP(model)'));
    const wq = valueNamed('layers/0/attn/wq');
    const wo = valueNamed('layers/0/attn/wo');
    expect(r.final.dimsOf(wq.id)).toEqual([[], ['model']]);
    expect(r.final.dimsOf(wo.id)).toEqual([['model'], []]);
    // the attention scores [b, heads, s, s] are split on heads, reached by propagation
    const scores = program.values.find(
      (v) =>
        v.scope === 'layers/0/attn/core' &&
        v.type.shape.length === 4 &&
        v.type.shape[2] === 8 &&
        v.type.shape[3] === 8,
    )!;
    expect(r.final.dimsOf(scores.id).flat()).toEqual(['model']);
    const origin = r.final.originOf(scores.id, 'model')!;
    expect(origin.tactic).toBe(0);
    expect(origin.seed).toMatch(/^MP: column-split layers\/0\/attn\/w[qkv]$/);
    expect(origin.viaOp).toBeTypeOf('number');
  });

  it('keeps every earlier step: a later tactic only adds axes', () => {
    const r = applySchedule(program, mesh, parseSchedule('BP(data),MP(model)'));
    const [bp, mp] = r.steps;
    for (const v of program.values.map((x) => x.id)) {
      bp.state
        .dimsOf(v)
        .forEach((axes, d) => expect(mp.state.dimsOf(v)[d].slice(0, axes.length)).toEqual(axes));
      expect(mp.state.partialOf(v)).toEqual(expect.arrayContaining([...bp.state.partialOf(v)]));
    }
  });

  it('reuses the unchanged prefix when only the last tactic changes', () => {
    const first = applySchedule(program, mesh, parseSchedule('BP(data),MP(model)'));
    const again = applySchedule(program, mesh, parseSchedule('BP(data),SP(model)'), first);
    expect(again.steps[0]).toBe(first.steps[0]);
    expect(again.steps[1]).not.toBe(first.steps[1]);
  });

  it('refuses bad tactics with the place and the reason, leaving nothing half-applied', () => {
    expect(() => applySchedule(program, mesh, parseSchedule('BP(data),EP(model)'))).toThrow(
      /tactic 2 EP\(model\): matches nothing in program/,
    );
    expect(() => applySchedule(program, mesh, parseSchedule('MP(pipe)'))).toThrow(
      /unknown mesh axis 'pipe'; the mesh has data=2,model=2/,
    );
    expect(() => applySchedule(program, parseMesh('data=3'), parseSchedule('BP(data)'))).toThrow(
      /dim 0 of 'tokens' has size 4, which does not divide into 3 shards on axis 'data'/,
    );
    expect(() => applySchedule(program, mesh, parseSchedule('tile("wq$", 5, model)'))).toThrow(
      /dim 5 is out of range for 'layers\/0\/attn\/wq' of shape \[16,16\]/,
    );
    expect(() => applySchedule(program, mesh, parseSchedule('tile("(", 0, model)'))).toThrow(
      /name pattern \/\(\/ is not a valid regular expression/,
    );
  });

  it('records a conflict rather than guessing when two tactics disagree', () => {
    // split wq's input dim and the tokens' batch on the same axis: the q projection cannot honour both
    const r = applySchedule(
      program,
      mesh,
      parseSchedule('BP(model),tile("layers/0/attn/wq$", 0, model)'),
    );
    const c = r.conflicts.find((x) => x.scope === 'layers/0/attn');
    expect(c).toBeDefined();
    expect(c!.message).toMatch(/propagation stops here/);
    expect(c!.competing.some((x) => x.tactics.includes(1))).toBe(true);
  });

  it('does not report the stops a tactic makes on purpose (ZeRO-1/2 keep parameters whole)', () => {
    const step = buildModel('gpt:layers=1,d_model=16,heads=4,vocab=40,seq=8,batch=4,dtype=f32');
    for (const s of ['BP(data),Z1(data)', 'BP(data),MP(model),Z2(data)'])
      expect(applySchedule(step, mesh, parseSchedule(s)).conflicts).toEqual([]);
  });

  it('is deterministic and monotone for random schedules (property)', () => {
    const names = ['BP', 'MP', 'SP', 'EMB', 'Z1', 'Z3'] as const;
    const tactic = fc.record({
      tactic: fc.constantFrom(...names),
      axis: fc.constantFrom('data', 'model'),
    });
    fc.assert(
      fc.property(fc.array(tactic, { minLength: 1, maxLength: 4 }), (schedule) => {
        let r;
        try {
          r = applySchedule(program, mesh, schedule as Tactic[]);
        } catch (e) {
          expect((e as Error).name).toBe('TacticError');
          return;
        }
        const again = applySchedule(program, mesh, schedule as Tactic[]);
        const ids = program.values.map((x) => x.id);
        expect(ids.map((v) => again.final.dimsOf(v))).toEqual(ids.map((v) => r.final.dimsOf(v)));
        for (let k = 1; k < r.steps.length; k++) {
          const prev = r.steps[k - 1].state;
          const cur = r.steps[k].state;
          for (const v of ids)
            cur
              .dimsOf(v)
              .forEach((axes, d) =>
                expect(axes.slice(0, prev.dimsOf(v)[d].length)).toEqual(prev.dimsOf(v)[d]),
              );
        }
      }),
      { numRuns: 25 },
    );
  });
});
