import type { AttrValue, BlockArgAst, OpAst, RegionAst } from './ast.ts';
import { AttributeParser } from './attribute-parser.ts';
import { Lexer, TK } from './lexer.ts';
import {
  COLON,
  COMMA,
  EQ,
  LBRACE,
  LBRACKET,
  LPAREN,
  LT,
  GT,
  RBRACE,
  RBRACKET,
  RPAREN,
  symbolName,
} from './syntax-parser.ts';

/** Ops in their pretty and generic forms, block arguments and regions. */
export class OpParser extends AttributeParser {
  /** `%arg0: tensor<4xf32> {attrs} loc(...)`. */
  protected blockArg(): BlockArgAst {
    const lx: Lexer = this.lx;
    if (!lx.is(TK.value)) lx.fail(`unexpected ${lx.describe()}`, 'an argument such as %arg0');
    const name = lx.take();
    lx.expect(COLON, `':' and a type after ${name}`);
    const type = this.type();
    const attrs = lx.is(LBRACE) ? this.attrDict() : undefined;
    const loc = this.optLoc();
    return { name, type, attrs, loc };
  }

  /** `{ [^bb0(args):] ops }`; `entryArgs` are the args when the entry block has no label. */
  protected region(entryArgs: readonly BlockArgAst[] = []): RegionAst {
    const lx: Lexer = this.lx;
    this.enter();
    lx.expect(LBRACE, "'{' opening a region");
    let args = entryArgs;
    const ops: OpAst[] = [];
    let blocks = 0;
    while (!lx.eat(RBRACE)) {
      if (lx.is(TK.eof)) lx.fail('region is not closed', "'}'");
      if (lx.is(TK.caret)) {
        blocks++;
        lx.next();
        const blockArgs: BlockArgAst[] = [];
        if (lx.eat(LPAREN) && !lx.eat(RPAREN)) {
          do blockArgs.push(this.blockArg());
          while (lx.eat(COMMA));
          lx.expect(RPAREN, "')' closing the block arguments");
        }
        lx.expect(COLON, "':' after the block label");
        if (blocks === 1) args = blockArgs;
        continue;
      }
      const op = this.op();
      if (blocks <= 1) ops.push(op);
    }
    this.leave();
    return { args, ops, extraBlocks: Math.max(0, blocks - 1) };
  }

  // ---- operations ----------------------------------------------------------

  protected op(): OpAst {
    const lx: Lexer = this.lx;
    const offset = lx.start;
    const results: string[] = [];
    if (lx.is(TK.value)) {
      do {
        if (!lx.is(TK.value)) lx.fail(`unexpected ${lx.describe()}`, 'a result name');
        const r = lx.take();
        if (lx.eat(COLON)) {
          if (!lx.is(TK.number)) lx.fail(`unexpected ${lx.describe()}`, 'a result count');
          const n = Number(lx.take());
          if (!Number.isInteger(n) || n < 0 || n > 1e6)
            lx.fail(`bad result count ${n}`, 'a small count');
          for (let i = 0; i < n; i++) results.push(`${r}#${i}`);
        } else results.push(r);
      } while (lx.eat(COMMA));
      lx.expect(EQ, "'=' after the results");
    }
    if (lx.is(TK.string)) return this.genericOp(lx.stringValue, results, offset);
    if (!lx.is(TK.ident)) lx.fail(`unexpected ${lx.describe()}`, 'an operation name');
    const name = lx.take();
    return this.customOp(normalizeName(name), results, offset);
  }

  /** `"dialect.op"(%a) <{props}> ({regions}) {attrs} : (T) -> T loc(...)`. */
  protected genericOp(rawName: string, results: string[], offset: number): OpAst {
    const lx: Lexer = this.lx;
    lx.next();
    const name = normalizeName(rawName);
    lx.expect(LPAREN, "'(' opening the operand list");
    const operands: string[] = [];
    if (!lx.eat(RPAREN)) {
      do {
        if (!lx.is(TK.value)) lx.fail(`unexpected ${lx.describe()}`, 'an operand');
        operands.push(lx.take());
      } while (lx.eat(COMMA));
      lx.expect(RPAREN, "')' closing the operands");
    }
    if (lx.is(LBRACKET)) this.skipBalanced(LBRACKET, RBRACKET); // successors
    const attrs = new Map<string, AttrValue>();
    if (lx.is(LT)) {
      lx.next();
      for (const [k, v] of this.attrDict()) attrs.set(k, v);
      lx.expect(GT, "'>' closing the properties");
    }
    const regions: RegionAst[] = [];
    if (lx.is(LPAREN)) {
      lx.next();
      if (!lx.eat(RPAREN)) {
        do regions.push(this.region());
        while (lx.eat(COMMA));
        lx.expect(RPAREN, "')' closing the regions");
      }
    }
    if (lx.is(LBRACE)) for (const [k, v] of this.attrDict()) attrs.set(k, v);
    lx.expect(COLON, "':' and the function type");
    const sig = this.signature();
    const loc = this.optLoc();
    return {
      name,
      results,
      operands,
      attrs,
      regions,
      operandTypes: sig.inputs,
      resultTypes: sig.outputs,
      loc,
      offset,
    };
  }

  /**
   * The pretty forms. One tolerant loop reads what comes before the type signature: operands,
   * `keyword = value` attributes, bare enums (LT, SIGNED), slice ranges, attribute dicts,
   * `<...>` shardings, `dense<...>` literals, callees; then the signature, then the trailing
   * parts of while (`cond {} do {}`) and reduce (`reducer(...) {}`).
   */
  protected customOp(name: string, results: string[], offset: number): OpAst {
    const lx: Lexer = this.lx;
    const operands: string[] = [];
    const attrs = new Map<string, AttrValue>();
    const regions: RegionAst[] = [];
    const iterNames: string[] = [];
    const enums: AttrValue[] = [];
    const blockArgs: BlockArgAst[] = [];
    const isReturn = name === 'func.return' || name === 'stablehlo.return' || name === 'sdy.return';
    for (;;) {
      const k = lx.kind;
      if (k === COLON) break;
      if (k === TK.eof || k === RBRACE || (k === TK.ident && lx.isIdent('loc'))) {
        // ops without a signature: `return` with no values, `stablehlo.return` at a region's end
        if (isReturn || operands.length === 0) {
          return {
            name,
            results,
            operands,
            attrs,
            regions,
            resultTypes: [],
            loc: this.optLoc(),
            offset,
          };
        }
        lx.fail(`unexpected ${lx.describe()} in ${name}`, "':' and the op's type");
      }
      if (k === TK.value) operands.push(lx.take());
      else if (k === COMMA) lx.next();
      else if (k === LPAREN) this.parenOperands(operands, iterNames, attrs, blockArgs);
      else if (k === TK.symbol) attrs.set('callee', { t: 'symbol', v: symbolName(lx.take()) });
      else if (k === LBRACKET)
        attrs.set('ranges', { t: 'raw', v: this.rawBalanced(LBRACKET, RBRACKET) });
      else if (k === LT) attrs.set('sharding', { t: 'raw', v: this.rawAngle() });
      else if (k === LBRACE) {
        if (this.looksLikeRegion()) regions.push(this.region(blockArgs.splice(0)));
        else for (const [key, v] of this.attrDict()) attrs.set(key, v);
      } else if (k === TK.ident) this.keywordItem(name, attrs, enums);
      else if (k === TK.string) {
        attrs.set('name', { t: 'str', v: lx.stringValue });
        lx.next();
      } else if (k === TK.number || k === TK.hash)
        attrs.set(`item${attrs.size}`, this.attrValue(false));
      else lx.fail(`unexpected ${lx.describe()} in ${name}`, "an operand, an attribute or ':'");
    }
    if (enums.length) attrs.set('enums', { t: 'list', v: enums });
    lx.expect(COLON, "':'");
    const sig = this.signature();
    if (lx.isIdent('attributes')) {
      lx.next();
      for (const [key, v] of this.attrDict()) attrs.set(key, v);
    }
    if (lx.isIdent('cond')) {
      // while: the region args are the iter args, typed by the signature
      const args = iterNames.map((n, i) => ({ name: n, type: sig.outputs[i] ?? sig.outputs[0] }));
      lx.next();
      regions.push(this.region(args));
      lx.expectIdent('do');
      regions.push(this.region(args));
    } else if (lx.isIdent('reducer')) {
      lx.next();
      const pairs: BlockArgAst[][] = [];
      while (lx.eat(LPAREN)) {
        const pair: BlockArgAst[] = [];
        do pair.push(this.blockArg());
        while (lx.eat(COMMA));
        lx.expect(RPAREN, "')' closing the reducer arguments");
        pairs.push(pair);
      }
      const args = [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1] ?? p[0])];
      regions.push(this.region(args));
    }
    const loc = this.optLoc();
    return {
      name,
      results,
      operands,
      attrs,
      regions,
      operandTypes: sig.inputs,
      resultTypes: sig.outputs,
      loc,
      offset,
    };
  }

  /** `(%a, %b)`, `(%x init: %c), (%y init: %d)`, `(%iterArg = %a, ...)`. */
  protected parenOperands(
    operands: string[],
    iterNames: string[],
    attrs: Map<string, AttrValue>,
    blockArgs?: BlockArgAst[],
  ): void {
    const lx: Lexer = this.lx;
    lx.next();
    while (!lx.eat(RPAREN)) {
      if (lx.is(TK.eof)) lx.fail('operand list is not closed', "')'");
      if (lx.is(TK.value)) {
        const v = lx.take();
        if (lx.is(COLON) && blockArgs) {
          // `(%arg: T, ...)` before a region: the region's arguments (sdy.manual_computation)
          lx.next();
          blockArgs.push({ name: v, type: this.type(), loc: this.optLoc() });
        } else if (lx.eat(EQ)) {
          iterNames.push(v);
          if (!lx.is(TK.value)) lx.fail(`unexpected ${lx.describe()}`, 'an initial value');
          operands.push(lx.take());
        } else operands.push(v);
      } else if (lx.isIdent('init')) {
        lx.next();
        lx.expect(COLON, "':' after init");
        if (!lx.is(TK.value)) lx.fail(`unexpected ${lx.describe()}`, 'an init value');
        const inits = attrs.get('inits');
        const list = inits?.t === 'list' ? [...inits.v] : [];
        list.push({ t: 'str', v: lx.take() });
        attrs.set('inits', { t: 'list', v: list });
      } else if (lx.is(COMMA)) lx.next();
      else if (lx.is(TK.ident)) {
        // `k = 2` inside the parentheses (chlo.top_k)
        const word = lx.take();
        if (lx.eat(EQ)) attrs.set(word, this.attrValue(false));
      } else this.attrValue(false);
    }
  }

  /** `dims = [..]`, `contracting_dims = [1] x [0]`, `applies stablehlo.add`, bare enums. */
  protected keywordItem(op: string, attrs: Map<string, AttrValue>, enums: AttrValue[]): void {
    const lx: Lexer = this.lx;
    const word = lx.take();
    if (word === 'dense' || word === 'dense_resource' || word === 'array') {
      // a literal (constant): re-read it as an attribute value
      lx.resetTo(lx.prevEnd - word.length);
      attrs.set('value', this.attrValue(false));
      return;
    }
    if (word === 'applies') {
      if (!lx.is(TK.ident))
        lx.fail(`unexpected ${lx.describe()}`, 'the reduction op after applies');
      attrs.set('applies', { t: 'ident', v: normalizeName(lx.take()) });
      return;
    }
    if (word === 'across') return;
    if (!lx.eat(EQ)) {
      enums.push({ t: 'ident', v: word });
      return;
    }
    if (word === 'dim_numbers') {
      attrs.set(word, { t: 'raw', v: this.rawUntilItemEnd() });
      return;
    }
    let v = this.attrValue(false);
    if (lx.isIdent('x')) {
      lx.next();
      v = { t: 'list', v: [v, this.attrValue(false)] };
    }
    attrs.set(word, v);
    void op;
  }

  /** Whether the `{` at the cursor opens a region rather than an attribute dictionary. */
  protected looksLikeRegion(): boolean {
    const lx: Lexer = this.lx;
    const save = lx.end;
    const start = lx.start;
    lx.next();
    let region = false;
    if (lx.is(TK.caret) || lx.is(TK.value)) region = true;
    else if (lx.is(TK.ident)) {
      lx.next();
      region = !(lx.is(EQ) || lx.is(COMMA) || lx.is(RBRACE));
    }
    lx.resetTo(start);
    void save;
    return region;
  }

  /** Text up to the next top-level `,`, `{` or `:` (conv dim_numbers). */
  protected rawUntilItemEnd(): string {
    const lx: Lexer = this.lx;
    const start = lx.start;
    let depth = 0;
    while (!lx.is(TK.eof)) {
      const k = lx.kind;
      if (depth === 0 && (k === COMMA || k === LBRACE || k === COLON)) break;
      if (k === LBRACKET || k === LPAREN) depth++;
      if (k === RBRACKET || k === RPAREN) depth--;
      lx.next();
    }
    return this.text.slice(start, lx.prevEnd);
  }
}

/** `func.call` is printed `call`, `func.return` `return`; both spellings map to one name. */
export function normalizeName(name: string): string {
  if (name === 'call') return 'func.call';
  if (name === 'return') return 'func.return';
  return name;
}
