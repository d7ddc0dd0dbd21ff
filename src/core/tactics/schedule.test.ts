import { describe, expect, it } from 'vitest';
import { parseSchedule, scheduleFromJson, scheduleToJson, scheduleToString } from './schedule.ts';

describe('schedule short form', () => {
  it('parses named tactics in order with their axes', () => {
    expect(parseSchedule('BP(data),MP(model),Z3(data)')).toEqual([
      { tactic: 'BP', axis: 'data' },
      { tactic: 'MP', axis: 'model' },
      { tactic: 'Z3', axis: 'data' },
    ]);
  });

  it('parses manual tactics with quoted patterns, keywords and disabled steps', () => {
    const s = parseSchedule(
      ' tile("layers/\\\\d+/attn/wq$", 1, model) , !replicate("embed/", model, role=param), MP(model, scope="layers/[0-3]/")',
    );
    expect(s).toEqual([
      { tactic: 'tile', axis: 'model', dim: 1, select: { name: 'layers/\\\\d+/attn/wq$' } },
      {
        tactic: 'replicate',
        axis: 'model',
        select: { name: 'embed/', role: ['param'] },
        enabled: false,
      },
      { tactic: 'MP', axis: 'model', scope: 'layers/[0-3]/' },
    ]);
  });

  it('round-trips through its string form and JSON', () => {
    const text = 'BP(data),MP(model),tile("wq$", 1, model),!Z1(data)';
    const s = parseSchedule(text);
    expect(parseSchedule(scheduleToString(s))).toEqual(s);
    expect(scheduleFromJson(JSON.parse(JSON.stringify(scheduleToJson(s))))).toEqual(s);
  });

  it('names the column of a syntax error', () => {
    expect(() => parseSchedule('BP(data)MP(model)')).toThrow(
      /expected ',' between tactics at column 9/,
    );
    expect(() => parseSchedule('BP(data')).toThrow(/at column 8/);
  });

  it('refuses unknown tactics and wrong arity with the list of known ones', () => {
    expect(() => parseSchedule('XP(data)')).toThrow(
      /unknown tactic 'XP'; known: BP, MP, SP, EMB, Z1, Z2, Z3, EP, tile, replicate/,
    );
    expect(() => parseSchedule('BP(data, model)')).toThrow(/BP takes one mesh axis/);
    expect(() => parseSchedule('tile("x", model, 1)')).toThrow(
      /tile takes \(name pattern, dim, axis\)/,
    );
  });

  it('validates JSON schedules and points at the bad field', () => {
    expect(() => scheduleFromJson({ version: 1, tactics: [{ tactic: 'BP' }] })).toThrow(
      /invalid schedule JSON at tactics\.0\.axis/,
    );
    expect(() => scheduleFromJson({ version: 2, tactics: [] })).toThrow(/invalid schedule JSON/);
    expect(() => scheduleFromJson([{ tactic: 'tile', axis: 'x', dim: -1, select: {} }])).toThrow(
      /0\.dim/,
    );
  });
});
