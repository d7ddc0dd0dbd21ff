import { describe, expect, it } from 'vitest';
import { parseMesh } from '../mesh/mesh.ts';
import { shardingCheck, shardingLocalShape, shardingToString } from './sharding.ts';

const mesh = parseMesh('x=2,y=4,z=2');

describe('sharding', () => {
  it('divides each dim by the product of its axes (Shardy doc example)', () => {
    expect(
      shardingLocalShape({ dims: [['x'], ['z', 'y']], partial: [], replicated: [] }, [4, 8], mesh),
    ).toEqual([2, 1]);
  });

  it('reports every broken rule', () => {
    expect(
      shardingCheck({ dims: [['x'], ['x']], partial: [], replicated: [] }, [4, 8], mesh),
    ).toEqual(["uses axis 'x' more than once"]);
    expect(shardingCheck({ dims: [['w']], partial: [], replicated: [] }, [4], mesh)).toEqual([
      "uses axis 'w', which the mesh (x=2,y=4,z=2) does not have",
    ]);
    expect(shardingCheck({ dims: [['y']], partial: [], replicated: [] }, [6], mesh)).toEqual([
      'dimension 0 (size 6) is not divisible by 4 (axes y)',
    ]);
    expect(shardingCheck({ dims: [[]], partial: ['x'], replicated: ['x'] }, [6], mesh)).toEqual([
      "uses axis 'x' more than once",
    ]);
    expect(shardingCheck({ dims: [[], []], partial: [], replicated: [] }, [6], mesh)).toEqual([
      'has 2 dim shardings for a rank-1 value',
    ]);
  });

  it('prints in a Shardy-like form', () => {
    expect(
      shardingToString({ dims: [['x'], [], ['z', 'y']], partial: ['w'], replicated: [] }),
    ).toBe('[{x}, {}, {z,y}] partial={w}');
  });
});
