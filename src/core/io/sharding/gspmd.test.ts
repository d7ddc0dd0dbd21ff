import { describe, expect, it } from 'vitest';
import { gspmdFromSpec, parseGspmd, specFromGspmd } from './gspmd.ts';

const DM = {
  axes: [
    { name: 'data', size: 4 },
    { name: 'model', size: 2 },
  ],
};
const XY = {
  axes: [
    { name: 'x', size: 4 },
    { name: 'y', size: 2 },
  ],
};

describe('GSPMD strings as JAX prints them for a PartitionSpec', () => {
  // the examples are XLA's own output, quoted in the research note (shardy getting_started_jax,
  // jax-ml/jax#21562) and in this folder's fixtures (mlp_gspmd.mlir)
  it.each([
    [DM, [['data'], []], '{devices=[4,1,2]<=[8] last_tile_dim_replicate}'],
    [DM, [[], ['model']], '{devices=[1,2,4]<=[4,2]T(1,0) last_tile_dim_replicate}'],
    [DM, [['model']], '{devices=[2,4]<=[4,2]T(1,0) last_tile_dim_replicate}'],
    [DM, [['data'], ['model']], '{devices=[4,2]<=[8]}'],
    [XY, [['y'], [], ['x']], '{devices=[2,1,4]<=[4,2]T(1,0)}'],
    [XY, [[], ['x', 'y'], []], '{devices=[1,8,1]<=[8]}'],
    [DM, [[], []], '{replicated}'],
  ])('%# %j → %s', (mesh, spec, text) => {
    expect(gspmdFromSpec(spec, mesh)).toBe(text);
    expect(specFromGspmd(text, spec.length, mesh)).toEqual(spec);
  });

  it('expands an iota tile assignment as XLA documents it', () => {
    // tile_assignment.h: [4,4,1]<=[4,2,2]T(1,0,2) is 0,1,4,5,8,9,12,13,2,3,6,7,10,11,14,15
    expect(parseGspmd('{devices=[4,4,1]<=[4,2,2]T(1,0,2)}').devices).toEqual([
      0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,
    ]);
  });

  it('reads the explicit device list form and marks manual shardings unsupported', () => {
    expect(
      specFromGspmd('{devices=[2,1,4]0,1,2,3,4,5,6,7 last_tile_dim_replicate}', 2, DM),
    ).toBeUndefined();
    expect(
      specFromGspmd('{devices=[4,1,2]0,1,2,3,4,5,6,7 last_tile_dim_replicate}', 2, DM),
    ).toEqual([['data'], []]);
    expect(parseGspmd('{manual}').unsupported).toBe('manual');
  });
});

describe('GSPMD strings from untrusted files', () => {
  it('refuses to expand absurd tile assignments instead of allocating them', () => {
    expect(parseGspmd('{devices=[1000000000,2]<=[2000000000]}').unsupported).toBe(
      'more than 1048576 tiles',
    );
    expect(specFromGspmd('{devices=[2,1]<=[2000000000]T(0)}', 2, DM)).toBeUndefined();
  });

  it('gives up at once on a placement search too large to answer', () => {
    const wide = { axes: Array.from({ length: 8 }, (_, i) => ({ name: `a${i}`, size: 2 })) };
    expect(
      specFromGspmd('{devices=[2,1,1,1,1,1,1,1,128]<=[256] last_tile_dim_replicate}', 8, wide),
    ).toBeUndefined();
  });
});
