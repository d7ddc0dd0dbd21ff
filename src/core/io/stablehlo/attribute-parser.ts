import type { AttrValue, DenseAst } from './ast.ts';
import { Lexer, TK } from './lexer.ts';
import {
  COLON,
  COMMA,
  EQ,
  GT,
  LBRACE,
  LBRACKET,
  LPAREN,
  LT,
  RBRACE,
  RBRACKET,
  RPAREN,
  SyntaxParser,
  symbolName,
} from './syntax-parser.ts';

/** Attribute values: lists, dicts, strings, numbers, `dense<...>`, `array<...>`, `#dialect<...>`. */
export class AttributeParser extends SyntaxParser {
  // ---- attributes ----------------------------------------------------------

  /** `{key = value, unit_key, "quoted" = value}`. */
  attrDict(): Map<string, AttrValue> {
    const lx: Lexer = this.lx;
    this.enter();
    lx.expect(LBRACE, "'{' opening attributes");
    const out = new Map<string, AttrValue>();
    if (!lx.eat(RBRACE)) {
      do {
        let key: string;
        if (lx.is(TK.ident)) key = lx.take();
        else if (lx.is(TK.string)) {
          key = lx.stringValue;
          lx.next();
        } else lx.fail(`unexpected ${lx.describe()}`, 'an attribute name');
        out.set(key, lx.eat(EQ) ? this.attrValue(true) : { t: 'unit' });
      } while (lx.eat(COMMA));
      lx.expect(RBRACE, "'}' or ',' in attributes");
    }
    this.leave();
    return out;
  }

  /** One attribute value; `typed` consumes a `: type` suffix (inside dicts, not before a signature). */
  attrValue(typed: boolean): AttrValue {
    const lx: Lexer = this.lx;
    this.enter();
    let v: AttrValue;
    const k = lx.kind;
    if (k === LBRACKET) {
      lx.next();
      const items: AttrValue[] = [];
      if (!lx.eat(RBRACKET)) {
        do items.push(this.attrValue(true));
        while (lx.eat(COMMA));
        lx.expect(RBRACKET, "']' or ',' in a list");
      }
      v = { t: 'list', v: items };
    } else if (k === LBRACE) v = { t: 'dict', v: this.attrDict() };
    else if (k === TK.string) {
      v = { t: 'str', v: lx.stringValue };
      lx.next();
    } else if (k === TK.number) v = { t: 'num', v: Number(lx.take()) };
    else if (k === TK.symbol) v = { t: 'symbol', v: symbolName(lx.take()) };
    else if (k === TK.hash) {
      const name = lx.take();
      v = lx.is(LT)
        ? { t: 'hash', name, body: this.rawAngle().slice(1, -1) }
        : { t: 'hash', name, body: '' };
    } else if (k === LT) v = { t: 'raw', v: this.rawAngle() };
    else if (k === LPAREN || k === TK.bang) v = { t: 'raw', v: this.type().text };
    else if (k === TK.ident) v = this.identValue();
    else lx.fail(`unexpected ${lx.describe()}`, 'an attribute value');
    if (typed && lx.is(COLON)) {
      lx.next();
      const type = this.type();
      if (v.t === 'dense') v = { ...v, type };
    }
    this.leave();
    return v;
  }

  protected identValue(): AttrValue {
    const lx: Lexer = this.lx;
    const word = lx.tokenText;
    if (word === 'true' || word === 'false') {
      lx.next();
      return { t: 'bool', v: word === 'true' };
    }
    if (word === 'unit') {
      lx.next();
      return { t: 'unit' };
    }
    if (word === 'dense') {
      lx.next();
      return { t: 'dense', v: this.dense() };
    }
    if (word === 'dense_resource') {
      lx.next();
      const body = this.rawAngle();
      return { t: 'dense', v: { kind: 'resource', name: body.slice(1, -1).trim() } };
    }
    if (word === 'array') {
      lx.next();
      lx.expect(LT, "'<' after array");
      if (lx.is(TK.ident)) lx.next();
      const nums: number[] = [];
      if (lx.eat(COLON)) {
        do {
          if (lx.isIdent('true') || lx.isIdent('false')) nums.push(lx.take() === 'true' ? 1 : 0);
          else if (lx.is(TK.number)) nums.push(Number(lx.take()));
          else lx.fail(`unexpected ${lx.describe()}`, 'a number in array<...>');
        } while (lx.eat(COMMA));
      }
      lx.expect(GT, "'>' closing array<...>");
      return { t: 'array', v: nums };
    }
    if (word === 'tensor' || word === 'tuple' || word === 'complex')
      return { t: 'raw', v: this.type().text };
    lx.next();
    if (lx.is(LT)) return { t: 'raw', v: word + this.rawAngle() };
    return { t: 'ident', v: word };
  }

  /** `dense<...>` after the `dense` keyword. */
  protected dense(): DenseAst {
    const lx: Lexer = this.lx;
    lx.expect(LT, "'<' after dense");
    if (lx.is(TK.string)) {
      const s = lx.stringValue;
      lx.next();
      lx.expect(GT, "'>' closing dense<...>");
      return { kind: 'hex', hex: s };
    }
    const values: number[] = [];
    let hexBits = false;
    const splat = !lx.is(LBRACKET);
    const element = (): void => {
      if (lx.is(LBRACKET)) {
        this.enter();
        lx.next();
        if (!lx.eat(RBRACKET)) {
          do element();
          while (lx.eat(COMMA));
          lx.expect(RBRACKET, "']' in a dense literal");
        }
        this.leave();
      } else if (lx.is(LPAREN)) {
        // complex (re, im): the real part
        lx.next();
        element();
        lx.expect(COMMA, "',' in a complex literal");
        const keep = values.length;
        element();
        values.length = keep;
        lx.expect(RPAREN, "')' closing a complex literal");
      } else if (lx.is(TK.number)) {
        const t = lx.take();
        if (/^-?0[xX]/.test(t)) hexBits = true;
        values.push(Number(t));
      } else if (lx.isIdent('true') || lx.isIdent('false'))
        values.push(lx.take() === 'true' ? 1 : 0);
      else if (lx.isIdent('inf') || lx.isIdent('nan'))
        values.push(lx.take() === 'inf' ? Infinity : NaN);
      else lx.fail(`unexpected ${lx.describe()} in a dense literal`, 'a number, true/false or [');
    };
    if (!lx.is(GT)) element();
    lx.expect(GT, "'>' closing dense<...>");
    return { kind: 'values', values, splat, bits: hexBits };
  }
}
