import { describe, expect, it } from 'vitest';
import {
  meshDeviceAt,
  meshDeviceCoords,
  meshDeviceCount,
  meshGroup,
  meshGroupRank,
  parseMesh,
} from './mesh.ts';

describe('mesh', () => {
  it('parses axes major to minor and counts devices', () => {
    const m = parseMesh('data=4, model=2');
    expect(m.axes).toEqual([
      { name: 'data', size: 4 },
      { name: 'model', size: 2 },
    ]);
    expect(meshDeviceCount(m)).toBe(8);
  });

  it('lays devices out row-major: the minor axis varies fastest', () => {
    const m = parseMesh('data=2,model=3');
    expect(meshDeviceCoords(m, 4)).toEqual([1, 1]);
    expect(meshDeviceAt(m, [1, 2])).toBe(5);
  });

  it('forms collective groups along the named axes, in rank order', () => {
    const m = parseMesh('a=2,b=2,c=2');
    expect(meshGroup(m, 0, ['b'])).toEqual([0, 2]);
    expect(meshGroup(m, 5, ['a', 'c'])).toEqual([0, 1, 4, 5]);
    expect(meshGroupRank(m, 5, ['a', 'c'])).toBe(3);
    expect(meshGroup(m, 3, ['c', 'a'])).toEqual([2, 6, 3, 7]);
  });

  it('rejects malformed meshes with the reason', () => {
    expect(() => parseMesh('data=4,data=2')).toThrow(/mesh axis 'data' appears twice/);
    expect(() => parseMesh('data=0')).toThrow(/has size 0; sizes are positive integers/);
    expect(() => parseMesh('data:4')).toThrow(/is not name=size/);
    expect(() => parseMesh('data=x')).toThrow(/has size 'x', not an integer/);
    expect(() => parseMesh('')).toThrow(/empty mesh/);
    expect(() => parseMesh('1x=2')).toThrow(/not an identifier/);
  });
});
