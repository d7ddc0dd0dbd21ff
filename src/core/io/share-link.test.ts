import fc from 'fast-check';
import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  decodeShareFragment,
  decodeShareState,
  encodeShareState,
  MAX_LINK_CHARS,
  shareFragment,
  ShareLinkError,
  type SharedState,
} from './share-link.ts';

const state: SharedState = {
  version: 1,
  model: { kind: 'preset', spec: 'gpt2-small:layers=4' },
  mesh: 'data=4,model=2',
  hardware: 'h100-80gb',
  topology: null,
  schedule: [
    { tactic: 'BP', axis: 'data' },
    { tactic: 'MP', axis: 'model', scope: '^layers/1(/|$)', enabled: false },
    { tactic: 'tile', axis: 'data', dim: 1, select: { name: '^w$' } },
  ],
  after: 2,
  view: { expanded: ['layers', 'layers/0'], selected: { kind: 'op', id: 3 }, search: 'attn' },
};

// base64url of raw bytes, written here independently of the codec under test
const b64url = (bytes: Uint8Array) =>
  Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const payloadOf = (text: string) => `1.${b64url(deflateSync(new TextEncoder().encode(text)))}`;

function kindOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ShareLinkError) return e.kind;
    throw e;
  }
  return 'no error';
}

const axis = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
const arbState: fc.Arbitrary<SharedState> = fc.record({
  version: fc.constant(1 as const),
  model: fc.oneof(
    fc.record({ kind: fc.constant('preset' as const), spec: fc.string({ minLength: 1 }) }),
    fc.record({ kind: fc.constant('file' as const), name: fc.string(), text: fc.string() }),
  ),
  mesh: fc.string({ minLength: 1 }),
  hardware: fc.string({ minLength: 1 }),
  topology: fc.option(fc.string(), { nil: null }),
  schedule: fc.array(
    fc.oneof(
      fc.record(
        {
          tactic: fc.constantFrom('BP', 'MP', 'SP', 'EMB', 'Z1', 'Z2', 'Z3', 'EP' as const),
          axis,
          scope: fc.string(),
          enabled: fc.boolean(),
        },
        { requiredKeys: ['tactic', 'axis'] },
      ),
      fc.record({
        tactic: fc.constant('tile' as const),
        axis,
        dim: fc.nat(8),
        select: fc.record({ name: fc.string() }, { requiredKeys: [] }),
      }),
    ),
    { maxLength: 8 },
  ),
  after: fc.option(fc.nat(10), { nil: null }),
  view: fc.record({
    expanded: fc.array(fc.string(), { maxLength: 5 }),
    selected: fc.option(
      fc.oneof(
        fc.record({ kind: fc.constant('group' as const), id: fc.string() }),
        fc.record({ kind: fc.constant('value' as const), id: fc.nat() }),
        fc.record({ kind: fc.constant('collective' as const), index: fc.nat() }),
      ),
      { nil: null },
    ),
    search: fc.string(),
  }),
}) as fc.Arbitrary<SharedState>;

describe('share links', () => {
  it('round-trips every valid state, in a fragment made only of URL-safe characters', () => {
    fc.assert(
      fc.property(arbState, (s) => {
        const frag = shareFragment(s);
        expect(frag).toMatch(/^#s=1\.[A-Za-z0-9_-]*$/);
        expect(decodeShareFragment(frag)).toEqual(s);
      }),
      { numRuns: 200 },
    );
  });

  it('reads a fragment written by an independent encoder (deflate + base64url)', () => {
    expect(decodeShareState(payloadOf(JSON.stringify(state)))).toEqual(state);
    expect(decodeShareFragment('#other=1&' + 's=' + payloadOf(JSON.stringify(state)))).toEqual(
      state,
    );
    expect(decodeShareFragment('')).toBeNull();
    expect(decodeShareFragment('#section-2')).toBeNull();
  });

  it('names each way a link can be bad', () => {
    const good = encodeShareState(state);
    expect(kindOf(() => decodeShareState('x'.repeat(MAX_LINK_CHARS + 1)))).toBe('size');
    expect(kindOf(() => decodeShareState('abc'))).toBe('format');
    expect(kindOf(() => decodeShareState('v1.abc'))).toBe('format');
    expect(kindOf(() => decodeShareState('2' + good.slice(1)))).toBe('version');
    expect(kindOf(() => decodeShareState('1.abc$def'))).toBe('base64');
    expect(kindOf(() => decodeShareState('1.a'))).toBe('base64');
    expect(kindOf(() => decodeShareState(`1.${b64url(new Uint8Array([0xff, 0xff, 0xff]))}`))).toBe(
      'deflate',
    );
    expect(kindOf(() => decodeShareState(good.slice(0, good.length - 8)))).toMatch(
      /deflate|base64/,
    );
    expect(kindOf(() => decodeShareState(payloadOf('{"version": 1,')))).toBe('json');
    expect(
      kindOf(() => decodeShareState(payloadOf(JSON.stringify({ ...state, version: 7 })))),
    ).toBe('version');
    expect(kindOf(() => decodeShareState(payloadOf('[1,2]')))).toBe('schema');
  });

  it('stops a deflate bomb at the size cap', () => {
    // 8 MB of spaces deflate to a few kilobytes
    const bomb = `1.${b64url(deflateSync(new Uint8Array(8 << 20).fill(32), { level: 9 }))}`;
    expect(bomb.length).toBeLessThan(MAX_LINK_CHARS);
    expect(kindOf(() => decodeShareState(bomb))).toBe('size');
  });

  it('names the field at fault in a schema error', () => {
    const bad = {
      ...state,
      schedule: [
        { tactic: 'BP', axis: 'data' },
        { tactic: 'XX', axis: 'd' },
      ],
    };
    expect(() => decodeShareState(payloadOf(JSON.stringify(bad)))).toThrow(/'schedule\.1\.tactic'/);
    const badView = { ...state, view: { ...state.view, selected: { kind: 'op', id: -1 } } };
    expect(() => decodeShareState(payloadOf(JSON.stringify(badView)))).toThrow(
      /'view\.selected\.id'/,
    );
    const extra = { ...state, evil: '<script>' };
    expect(() => decodeShareState(payloadOf(JSON.stringify(extra)))).toThrow(/evil|unrecognized/i);
  });

  it('never throws anything but a ShareLinkError on arbitrary payloads', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (junk) => {
        const k = kindOf(() => decodeShareState(junk));
        expect(k).not.toBe('no error');
      }),
    );
  });
});
