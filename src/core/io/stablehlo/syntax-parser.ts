import type { AttrValue, LocAst, TypeAst } from './ast.ts';
import { Lexer, TK } from './lexer.ts';
import { parseTypeAt } from './types.ts';

export const LPAREN = 40;
export const RPAREN = 41;
export const COMMA = 44;
export const COLON = 58;
export const LT = 60;
export const EQ = 61;
export const GT = 62;
export const LBRACKET = 91;
export const RBRACKET = 93;
export const LBRACE = 123;
export const RBRACE = 125;

/** Nesting limit for regions, attributes and locations: deeper input is refused, not a stack overflow. */
const MAX_DEPTH = 200;

/**
 * What every layer of the StableHLO parser shares: the lexer, the nesting guard, types,
 * locations and raw balanced spans. The layers above add attributes (attribute-parser.ts), ops
 * and regions (op-parser.ts) and the module (parser.ts).
 */
export abstract class SyntaxParser {
  protected readonly lx: Lexer;
  private depth = 0;

  constructor(protected readonly text: string) {
    this.lx = new Lexer(text);
  }

  /** Attribute dictionaries (attribute-parser.ts); types use them for result attributes. */
  abstract attrDict(): Map<string, AttrValue>;

  protected enter(): void {
    if (++this.depth > MAX_DEPTH)
      this.lx.fail(`nesting deeper than ${MAX_DEPTH} levels`, 'shallower nesting');
  }

  protected leave(): void {
    this.depth--;
  }

  /** `#loc3 = loc(...)` or `#alias = <attr>`. */

  // ---- types ---------------------------------------------------------------

  /** `: T`, `: T1, T2`, `: (A, B) -> R`, `: (A) -> (R1, R2)`, `: A -> R`. */
  protected signature(): { inputs?: TypeAst[]; outputs: TypeAst[] } {
    const lx: Lexer = this.lx;
    if (lx.is(LPAREN)) {
      lx.next();
      const inputs = this.typeList(RPAREN);
      lx.expect(TK.arrow, "'->' in the function type");
      return { inputs, outputs: this.resultTypes() };
    }
    const types = [this.type()];
    while (lx.is(COMMA)) {
      lx.next();
      types.push(this.type());
    }
    if (lx.eat(TK.arrow)) return { inputs: types, outputs: this.resultTypes() };
    return { outputs: types };
  }

  protected resultTypes(): TypeAst[] {
    const lx: Lexer = this.lx;
    if (lx.eat(LPAREN)) return this.typeList(RPAREN);
    return [this.type()];
  }

  protected typeList(close: number): TypeAst[] {
    const lx: Lexer = this.lx;
    const out: TypeAst[] = [];
    if (lx.eat(close)) return out;
    do {
      out.push(this.type());
      if (lx.is(LBRACE)) this.attrDict(); // result attributes in function types
    } while (lx.eat(COMMA));
    lx.expect(close, "')' closing the type list");
    return out;
  }

  type(): TypeAst {
    const lx: Lexer = this.lx;
    const start = lx.start;
    if (lx.is(LPAREN)) {
      // a function type used as a value
      this.skipBalanced(LPAREN, RPAREN);
      if (lx.eat(TK.arrow)) this.type();
      return {
        kind: 'other',
        shape: [],
        element: 'function',
        text: this.text.slice(start, lx.prevEnd),
      };
    }
    if (!lx.is(TK.ident) && !lx.is(TK.bang))
      lx.fail(`unexpected ${lx.describe()}`, 'a type such as tensor<4x8xf32>');
    // the same few types recur on every line: one object per distinct spelling
    const quick = this.typeCacheLookup(start);
    if (quick) return quick;
    const { type, end } = parseTypeAt(this.text, start, (msg, at) =>
      lx.fail(msg, 'a type such as tensor<4x8xf32>', at),
    );
    lx.resetTo(end);
    return type;
  }

  private readonly typeCache = new Map<string, TypeAst>();

  /** A tensor type seen before, found by its text up to the closing '>' (no nesting). */
  protected typeCacheLookup(start: number): TypeAst | undefined {
    const text = this.text;
    if (!text.startsWith('tensor<', start)) return undefined;
    const close = text.indexOf('>', start);
    if (close < 0 || close - start > 200) return undefined;
    const key = text.slice(start, close + 1);
    if (key.indexOf('<', 7) >= 0) return undefined;
    let t = this.typeCache.get(key);
    if (!t) {
      t = parseTypeAt(text, start, (msg, at) =>
        this.lx.fail(msg, 'a type such as tensor<4x8xf32>', at),
      ).type;
      this.typeCache.set(key, t);
    }
    this.lx.resetTo(close + 1);
    return t;
  }

  // ---- locations -----------------------------------------------------------

  protected optLoc(): LocAst | undefined {
    return this.lx.isIdent('loc') ? this.loc() : undefined;
  }

  protected loc(): LocAst {
    const lx: Lexer = this.lx;
    lx.expectIdent('loc');
    lx.expect(LPAREN, "'(' after loc");
    const l = this.locInner();
    lx.expect(RPAREN, "')' closing loc(...)");
    return l;
  }

  protected locInner(): LocAst {
    const lx: Lexer = this.lx;
    this.enter();
    let out: LocAst;
    if (lx.is(TK.hash)) out = { t: 'ref', ref: lx.take() };
    else if (lx.isIdent('unknown')) {
      lx.next();
      out = { t: 'unknown' };
    } else if (lx.isIdent('callsite')) {
      lx.next();
      lx.expect(LPAREN, "'(' after callsite");
      const callee = this.locInner();
      lx.expectIdent('at');
      const caller = this.locInner();
      lx.expect(RPAREN, "')' closing callsite(...)");
      out = { t: 'callsite', callee, caller };
    } else if (lx.isIdent('fused')) {
      lx.next();
      if (lx.is(LT)) this.rawAngle();
      lx.expect(LBRACKET, "'[' after fused");
      const locs: LocAst[] = [];
      if (!lx.eat(RBRACKET)) {
        do locs.push(this.locInner());
        while (lx.eat(COMMA));
        lx.expect(RBRACKET, "']' closing fused[...]");
      }
      out = { t: 'fused', locs };
    } else if (lx.is(TK.string)) {
      const s = lx.stringValue;
      lx.next();
      if (lx.is(COLON)) {
        // "file.py":12:3 [to [12:]40]
        while (lx.is(COLON) || lx.is(TK.number) || lx.isIdent('to')) lx.next();
        out = { t: 'file', file: s };
      } else if (lx.is(LPAREN)) {
        lx.next();
        const child = this.locInner();
        lx.expect(RPAREN, "')' closing a named location");
        out = { t: 'name', name: s, child };
      } else out = { t: 'name', name: s };
    } else
      lx.fail(
        `unexpected ${lx.describe()} in a location`,
        'a string, #locN, callsite, fused or unknown',
      );
    this.leave();
    return out;
  }

  // ---- raw spans -----------------------------------------------------------

  /** `<...>` with nesting, as text (the lexer's `->` token is never a closing `>`). */
  protected rawAngle(): string {
    return this.rawBalanced(LT, GT);
  }

  protected rawBalanced(open: number, close: number): string {
    const lx: Lexer = this.lx;
    const start = lx.start;
    this.skipBalanced(open, close);
    return this.text.slice(start, lx.prevEnd);
  }

  protected skipBalanced(open: number, close: number): void {
    const lx: Lexer = this.lx;
    const at = lx.start;
    lx.expect(open, `'${String.fromCharCode(open)}'`);
    let depth = 1;
    while (depth > 0) {
      if (lx.is(TK.eof))
        lx.fail(
          `'${String.fromCharCode(open)}' is not closed`,
          `'${String.fromCharCode(close)}'`,
          at,
        );
      if (lx.kind === open) depth++;
      else if (lx.kind === close) depth--;
      lx.next();
    }
  }
}

export function symbolName(tok: string): string {
  const s = tok.slice(1);
  return s.startsWith('"') ? s.slice(1, -1) : s;
}
