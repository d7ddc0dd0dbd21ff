import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../ir/builder.ts';
import { hostTensor } from '../ir/host-tensor.ts';
import { meshAxisSize, parseMesh } from '../mesh/mesh.ts';
import type { Sharding } from '../sharding/sharding.ts';
import type { CollectiveKind } from './collective.ts';
import { evaluateSpmd } from './execute.ts';
import { hostShardAll, hostUnshard } from './host-sharding.ts';
import { localShape } from './localize.ts';
import { reshard } from './reshard.ts';

const mesh = parseMesh('a=2,b=3');
const SHAPE = [12, 6];

function sh(dims: string[][], partial: string[] = []): Sharding {
  return { dims, partial, replicated: [] };
}

/** Reshards a random [12, 6] tensor from one layout to another on every device and reassembles it. */
function roundTrip(from: Sharding, to: Sharding) {
  const b = new ProgramBuilder('reshard', { mesh: { axes: mesh.axes } });
  b.axisSizes = (x) => meshAxisSize(mesh, x);
  const x = b.input('x', localShape(SHAPE, from, mesh), 'f32', 'data');
  const kinds: CollectiveKind[] = [];
  const y = reshard(
    b,
    { value: x, sharding: from, reduction: 'sum' },
    to,
    (kind) => void kinds.push(kind),
  );
  b.output('y', y.value);
  const global = hostTensor(
    SHAPE,
    'f32',
    Array.from({ length: 72 }, (_, i) => Math.sin(i + 1)),
  );
  const outs = evaluateSpmd(
    b.build(),
    mesh,
    hostShardAll(global, from, mesh).map((t) => [t]),
  );
  const back = hostUnshard(
    outs.map((o) => o[0]),
    to,
    mesh,
  );
  return { kinds, same: back.data.every((v, i) => Math.abs(v - global.data[i]) < 1e-12) };
}

describe('the reshard table, checked by running it on every device', () => {
  it.each([
    ['drop axes from a dim', sh([['a', 'b'], []]), sh([['a'], []]), ['all-gather']],
    ['move an axis between dims', sh([['a'], []]), sh([[], ['a']]), ['all-to-all']],
    ['partial to replicated', sh([[], []], ['a']), sh([[], []]), ['all-reduce']],
    ['partial to tiled', sh([[], []], ['b']), sh([['b'], []]), ['reduce-scatter']],
    ['add axes to a dim', sh([[], []]), sh([['b'], ['a']]), ['slice', 'slice']],
    [
      'the same axes in another order',
      sh([['a', 'b'], []]),
      sh([['b', 'a'], []]),
      ['collective-permute'],
    ],
    ['replicated to partial', sh([['a'], []]), sh([['a'], []], ['b']), []],
  ] as const)('%s', (_, from, to, expected) => {
    const r = roundTrip(from, to);
    expect(r.kinds).toEqual(expected);
    expect(r.same).toBe(true);
  });

  it('preserves the value between any two layouts (property)', () => {
    const axisSets = [[], ['a'], ['b'], ['a', 'b'], ['b', 'a']];
    const layout = fc
      .record({
        d0: fc.constantFrom(...axisSets),
        d1: fc.constantFrom(...axisSets),
        partial: fc.subarray(['a', 'b']),
      })
      .filter((l) => {
        const used = [...l.d0, ...l.d1, ...l.partial];
        return (
          new Set(used).size === used.length && l.d1.every((x) => x !== 'b' || !l.d1.includes('a'))
        ); // dim 1 (6) splits over a or b, not both
      })
      .map((l) => sh([[...l.d0], [...l.d1]], [...l.partial]));
    fc.assert(
      fc.property(layout, layout, (from, to) => {
        let r;
        try {
          r = roundTrip(from, to);
        } catch (e) {
          throw new Error(`${JSON.stringify(from)} -> ${JSON.stringify(to)}`, { cause: e });
        }
        expect(r.same, `${JSON.stringify(from)} -> ${JSON.stringify(to)}`).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
