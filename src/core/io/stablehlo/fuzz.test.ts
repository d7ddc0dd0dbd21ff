import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModel, parseModelSpec } from '../../models/index.ts';
import { programToStableHlo } from '../export/stablehlo.ts';
import { StableHloParseError } from './errors.ts';
import { fixtureText } from './fixtures.test-util.ts';
import { importStableHlo } from './import.ts';

/** Imports or fails with the typed error; anything else escaping is a bug. */
function importOrTypedError(text: string): 'ok' | 'error' {
  try {
    importStableHlo(text);
    return 'ok';
  } catch (e) {
    if (e instanceof StableHloParseError) {
      expect(e.line).toBeGreaterThanOrEqual(1);
      expect(e.column).toBeGreaterThanOrEqual(1);
      return 'error';
    }
    throw e;
  }
}

const MLP = fixtureText('mlp_train');
const SCAN = fixtureText('scan_layers');
const SDY = fixtureText('mlp_sdy');
// shardlab's own export adds the generic forms (gather, scatter, reduce regions, while)
const EXPORTED = programToStableHlo(
  buildModel(parseModelSpec('gpt:layers=1,d_model=16,heads=2,ffn=32,seq=4,vocab=20,batch=2')),
);
const SOURCES = [MLP, SCAN, SDY, EXPORTED];

/** Tokens that matter to the grammar, to splice into real text. */
const PIECES = [
  '{',
  '}',
  '(',
  ')',
  '<',
  '>',
  '[',
  ']',
  ',',
  ':',
  '=',
  '->',
  '%0',
  '%arg0',
  '#loc3',
  '"',
  'loc(',
  'tensor<',
  'dense<',
  '^bb0(',
  'stablehlo.while',
  'x',
  '0x',
  '\\',
  '\n',
  '?',
  '@main',
];

describe('the importer never throws anything but StableHloParseError, and never hangs', () => {
  it('on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => void importOrTypedError(s)),
      { numRuns: 300 },
    );
  });

  it('on random truncations of real modules', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SOURCES),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (src, f) => {
          const cut = Math.floor(src.length * f);
          void importOrTypedError(src.slice(0, cut));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('on real modules with random splices of grammar tokens and deletions', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SOURCES),
        fc.array(
          fc.record({
            at: fc.double({ min: 0, max: 1, noNaN: true }),
            del: fc.nat({ max: 8 }),
            piece: fc.constantFrom(...PIECES),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (src, edits) => {
          let s = src;
          for (const e of edits) {
            const i = Math.floor(s.length * e.at);
            s = s.slice(0, i) + e.piece + s.slice(i + e.del);
          }
          void importOrTypedError(s);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('on random bytes decoded as text', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        (bytes) => void importOrTypedError(new TextDecoder().decode(bytes)),
      ),
      { numRuns: 200 },
    );
  });

  it('a call bomb (each function calls the next twice) is refused before it is built', () => {
    const funcs = Array.from(
      { length: 30 },
      (_, i) =>
        `  func.func private @f${i}(%a: tensor<f32>) -> tensor<f32> {\n` +
        (i === 29
          ? '    %0 = stablehlo.negate %a : tensor<f32>\n    return %0 : tensor<f32>\n  }'
          : `    %0 = call @f${i + 1}(%a) : (tensor<f32>) -> tensor<f32>\n    %1 = call @f${i + 1}(%0) : (tensor<f32>) -> tensor<f32>\n    return %1 : tensor<f32>\n  }`),
    );
    const text = `module {\n  func.func public @main(%x: tensor<f32>) -> tensor<f32> {\n    %0 = call @f0(%x) : (tensor<f32>) -> tensor<f32>\n    return %0 : tensor<f32>\n  }\n${funcs.join('\n')}\n}\n`;
    expect(() => importStableHlo(text)).toThrow(
      /@main has 2\.68e\+9 ops once its calls are inlined, more than 5,000,000/,
    );
  });

  it('deep nesting is refused with a message, not a stack overflow', () => {
    const deep = `module { func.func @main() { %0 = "x.y"() {a = ${'['.repeat(100000)}`;
    expect(importOrTypedError(deep)).toBe('error');
  });
});
