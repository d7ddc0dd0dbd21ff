import { parseErrorAt } from './errors.ts';

/** Token kinds. Punctuation tokens are their own character code (`(` is 40), so a parser can
 *  compare `lexer.kind === 0x28`; the named kinds sit above the character range. */
export const TK = {
  eof: 1000,
  ident: 1001, // bare identifiers, dotted: stablehlo.add, func.func, tensor, x, DEFAULT
  value: 1002, // %name, %0, %0#1 (text keeps the #n)
  symbol: 1003, // @name or @"quoted"
  hash: 1004, // #loc12, #stablehlo.gather, #sdy.sharding
  caret: 1005, // ^bb0
  bang: 1006, // !stablehlo.token
  string: 1007,
  number: 1008, // 12, -3, 1.5e-3, 0xFF80
  arrow: 1009, // ->
  resource: 1010, // {-# ... #-} (skipped as one token)
} as const;

function isIdStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 36;
}

/** Suffix ids (`%x`, `@f`, `#loc`) may also hold '-'. */
function isSuffixChar(c: number): boolean {
  return isIdChar(c) || c === 45;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * A pull lexer over MLIR text: one current token (kind, start, end), no token objects, so a
 * 50 MB module lexes without allocating per token. `peekChar` lets the parser read the raw shape
 * of `tensor<4x8xf32>`, which the generic token rules would split oddly.
 */
export class Lexer {
  kind: number = TK.eof;
  start = 0;
  end = 0;
  /** End of the previous token, for "expected after ..." positions. */
  prevEnd = 0;

  constructor(readonly text: string) {
    this.next();
  }

  get tokenText(): string {
    return this.text.slice(this.start, this.end);
  }

  /** The value of a string token with its escapes (`\"`, `\\`, `\n`, `\22`) decoded. */
  get stringValue(): string {
    const raw = this.text.slice(this.start + 1, this.end - 1);
    if (raw.indexOf('\\') < 0) return raw;
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i];
      if (c !== '\\' || i + 1 >= raw.length) {
        out += c;
        continue;
      }
      const n = raw[i + 1];
      if (/[0-9a-fA-F]/.test(n) && /[0-9a-fA-F]/.test(raw[i + 2] ?? '')) {
        out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        i += 1;
      }
    }
    return out;
  }

  fail(reason: string, expected?: string, at = this.start): never {
    throw parseErrorAt(this.text, at, reason, expected);
  }

  describe(): string {
    if (this.kind === TK.eof) return 'end of input';
    const t = this.tokenText;
    return `'${t.length > 40 ? t.slice(0, 40) + '…' : t}'`;
  }

  /** Advances to the next token. */
  next(): void {
    const s = this.text;
    const n = s.length;
    let i = this.end;
    this.prevEnd = this.end;
    // whitespace and // comments
    for (;;) {
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 32 || c === 10 || c === 13 || c === 9) i++;
        else break;
      }
      if (i + 1 < n && s.charCodeAt(i) === 47 && s.charCodeAt(i + 1) === 47) {
        const nl = s.indexOf('\n', i);
        i = nl < 0 ? n : nl + 1;
        continue;
      }
      break;
    }
    this.start = i;
    if (i >= n) {
      this.kind = TK.eof;
      this.end = n;
      return;
    }
    const c = s.charCodeAt(i);
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdChar(s.charCodeAt(j))) j++;
      this.set(TK.ident, j);
      return;
    }
    switch (c) {
      case 37: // %
        return this.set(TK.value, this.suffixId(i + 1, true));
      case 64: // @
        return this.set(
          TK.symbol,
          s.charCodeAt(i + 1) === 34 ? this.stringEnd(i + 1) : this.suffixId(i + 1, false),
        );
      case 35: // #
        return this.set(TK.hash, this.suffixId(i + 1, false));
      case 94: // ^
        return this.set(TK.caret, this.suffixId(i + 1, false));
      case 33: // !
        return this.set(TK.bang, this.suffixId(i + 1, false));
      case 34: // "
        return this.set(TK.string, this.stringEnd(i));
      case 45: // - : arrow or negative number
        if (s.charCodeAt(i + 1) === 62) return this.set(TK.arrow, i + 2);
        if (isDigit(s.charCodeAt(i + 1))) return this.set(TK.number, this.numberEnd(i + 1));
        return this.set(c, i + 1);
      case 123: // { : maybe a {-# ... #-} resource section
        if (s.charCodeAt(i + 1) === 45 && s.charCodeAt(i + 2) === 35) {
          const close = s.indexOf('#-}', i + 3);
          if (close < 0) this.fail('unterminated {-# ... #-} section', "'#-}'", i);
          return this.set(TK.resource, close + 3);
        }
        return this.set(c, i + 1);
    }
    if (isDigit(c)) return this.set(TK.number, this.numberEnd(i));
    if (c === 43 && isDigit(s.charCodeAt(i + 1))) return this.set(TK.number, this.numberEnd(i + 1));
    if (c < 128) return this.set(c, i + 1);
    this.fail(`unexpected character '${s[i]}'`, 'an MLIR token', i);
  }

  private set(kind: number, end: number): void {
    this.kind = kind;
    this.end = end;
  }

  /** `%name`, `%12`, `%0#1`: the suffix id of values, symbols, aliases, blocks. */
  private suffixId(i: number, allowResultNumber: boolean): number {
    const s = this.text;
    const n = s.length;
    let j = i;
    while (j < n && isSuffixChar(s.charCodeAt(j))) j++;
    // a trailing '-' belongs to a following '->', never to the name
    while (j > i && s.charCodeAt(j - 1) === 45) j--;
    if (j === i) this.fail('expected a name after the sigil', 'an identifier', i);
    if (allowResultNumber && s.charCodeAt(j) === 35 && isDigit(s.charCodeAt(j + 1))) {
      j++;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
    }
    return j;
  }

  private stringEnd(i: number): number {
    const s = this.text;
    const n = s.length;
    let j = i + 1;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 92) j += 2;
      else if (c === 34) return j + 1;
      else if (c === 10) break;
      else j++;
    }
    return this.fail('unterminated string', "'\"'", i);
  }

  private numberEnd(i: number): number {
    const s = this.text;
    const n = s.length;
    let j = i;
    if (s.charCodeAt(j) === 48 && (s.charCodeAt(j + 1) === 120 || s.charCodeAt(j + 1) === 88)) {
      j += 2;
      while (j < n && /[0-9a-fA-F]/.test(s[j])) j++;
      return j;
    }
    while (j < n && isDigit(s.charCodeAt(j))) j++;
    if (s.charCodeAt(j) === 46 && isDigit(s.charCodeAt(j + 1))) {
      j++;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
    }
    const e = s.charCodeAt(j);
    if (e === 101 || e === 69) {
      let k = j + 1;
      if (s.charCodeAt(k) === 43 || s.charCodeAt(k) === 45) k++;
      if (isDigit(s.charCodeAt(k))) {
        j = k;
        while (j < n && isDigit(s.charCodeAt(j))) j++;
      }
    }
    return j;
  }

  // ---- parser helpers ------------------------------------------------------

  is(kind: number): boolean {
    return this.kind === kind;
  }

  isIdent(word: string): boolean {
    return (
      this.kind === TK.ident &&
      this.end - this.start === word.length &&
      this.text.startsWith(word, this.start)
    );
  }

  eat(kind: number): boolean {
    if (this.kind !== kind) return false;
    this.next();
    return true;
  }

  eatIdent(word: string): boolean {
    if (!this.isIdent(word)) return false;
    this.next();
    return true;
  }

  expect(kind: number, what: string): void {
    if (this.kind !== kind) this.fail(`unexpected ${this.describe()}`, what);
    this.next();
  }

  expectIdent(word: string): void {
    if (!this.isIdent(word)) this.fail(`unexpected ${this.describe()}`, `'${word}'`);
    this.next();
  }

  /** Takes the current token's text and advances. */
  take(): string {
    const t = this.tokenText;
    this.next();
    return t;
  }

  /** Raw scan from the current token's start: used for `tensor<...>` bodies. Repositions the lexer at `end`. */
  resetTo(offset: number): void {
    this.end = offset;
    this.next();
  }
}
