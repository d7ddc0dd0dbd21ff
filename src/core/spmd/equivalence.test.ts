import { describe, expect, it } from 'vitest';
import { buildModel } from '../models/index.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { parseSchedule } from '../tactics/schedule.ts';
import { checkSpmdEquivalence } from './equivalence.ts';

const TINY_GPT = 'gpt:layers=2,d_model=16,heads=4,vocab=40,seq=8,batch=4,dtype=f32';

function expectEquivalent(spec: string, mesh: string, schedule: string) {
  const r = checkSpmdEquivalence(buildModel(spec), parseMesh(mesh), parseSchedule(schedule));
  expect(r.maxError, JSON.stringify(r.errors)).toBeLessThan(1e-9);
  return r;
}

describe('SPMD lowering is proven by execution', () => {
  it('BP on a tiny GPT forward', () => {
    expectEquivalent(`${TINY_GPT},train=false`, 'data=2', 'BP(data)');
  });
  it('MP on a tiny GPT forward', () => {
    expectEquivalent(`${TINY_GPT},train=false`, 'model=2', 'MP(model)');
  });
  it('BP+MP on a tiny GPT forward', () => {
    expectEquivalent(`${TINY_GPT},train=false`, 'data=2,model=2', 'BP(data),MP(model)');
  });
});
