import type {
  AttrValue,
  BlockArgAst,
  DenseAst,
  FuncAst,
  LocAst,
  MeshAst,
  ModuleAst,
  OpAst,
  RegionAst,
  TypeAst,
} from './ast.ts';
import { Lexer, TK } from './lexer.ts';
import { parseTypeAt } from './types.ts';

const LPAREN = 40;
const RPAREN = 41;
const COMMA = 44;
const COLON = 58;
const LT = 60;
const EQ = 61;
const GT = 62;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

/** Nesting limit for regions, attributes and locations: deeper input is refused, not a stack overflow. */
const MAX_DEPTH = 200;

const EMPTY_ATTRS: ReadonlyMap<string, AttrValue> = new Map();

/**
 * Parses StableHLO text (pretty and generic op forms, regions, attributes, locations) into a
 * syntax tree. Ops it does not know are still read: operands, attributes and result types are
 * recovered from the generic shape of MLIR syntax, so the mapping can keep them as opaque ops.
 * Errors are StableHloParseError with line, column and what was expected.
 */
export function parseStableHlo(text: string): ModuleAst {
  return new Parser(text).module();
}

class Parser {
  private readonly lx: Lexer;
  private depth = 0;
  private readonly locAliases = new Map<string, LocAst>();
  private readonly meshes = new Map<string, MeshAst>();
  private readonly funcs: FuncAst[] = [];
  private readonly skipped: string[] = [];

  constructor(private readonly text: string) {
    this.lx = new Lexer(text);
  }

  module(): ModuleAst {
    const lx: Lexer = this.lx;
    let name: string | undefined;
    let attrs: ReadonlyMap<string, AttrValue> = EMPTY_ATTRS;
    let sawModule = false;
    while (!lx.is(TK.eof)) {
      if (lx.is(TK.hash)) this.aliasDef();
      else if (lx.is(TK.bang)) this.typeAliasDef();
      else if (lx.is(TK.resource)) lx.next();
      else if (lx.isIdent('module') || lx.isIdent('builtin.module')) {
        if (sawModule) lx.fail('a second module', 'one module per file');
        sawModule = true;
        lx.next();
        if (lx.is(TK.symbol)) name = symbolName(lx.take());
        if (lx.eatIdent('attributes')) attrs = this.attrDict();
        lx.expect(LBRACE, "'{' opening the module body");
        this.moduleBody();
        this.optLoc();
      } else if (lx.isIdent('func.func')) {
        this.funcs.push(this.func());
      } else
        lx.fail(
          `unexpected ${lx.describe()} at top level`,
          "'module', 'func.func' or a '#loc' alias",
        );
    }
    if (!this.funcs.length) lx.fail('no function in the module', "a 'func.func @main'");
    return {
      name,
      attrs,
      funcs: this.funcs,
      meshes: this.meshes,
      locAliases: this.locAliases,
      skipped: this.skipped,
    };
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH)
      this.lx.fail(`nesting deeper than ${MAX_DEPTH} levels`, 'shallower nesting');
  }

  private leave(): void {
    this.depth--;
  }

  /** `#loc3 = loc(...)` or `#alias = <attr>`. */
  private aliasDef(): void {
    const lx: Lexer = this.lx;
    const alias = lx.take();
    lx.expect(EQ, `'=' after alias ${alias}`);
    if (lx.isIdent('loc')) this.locAliases.set(alias, this.loc());
    else this.attrValue(true);
  }

  private typeAliasDef(): void {
    const lx: Lexer = this.lx;
    lx.next();
    lx.expect(EQ, "'=' after a type alias");
    this.type();
  }

  private moduleBody(): void {
    const lx: Lexer = this.lx;
    while (!lx.eat(RBRACE)) {
      if (lx.is(TK.eof)) lx.fail('module body is not closed', "'}'");
      if (lx.isIdent('func.func')) this.funcs.push(this.func());
      else if (lx.isIdent('sdy.mesh')) this.mesh();
      else {
        const op = this.op();
        this.skipped.push(op.name);
      }
    }
  }

  /** `sdy.mesh @mesh = <["data"=4, "model"=2]>` (an optional device_ids list and attributes). */
  private mesh(): void {
    const lx: Lexer = this.lx;
    lx.next();
    if (!lx.is(TK.symbol)) lx.fail(`unexpected ${lx.describe()}`, 'a mesh name such as @mesh');
    const name = symbolName(lx.take());
    lx.expect(EQ, "'=' after the mesh name");
    const at = lx.start;
    const body = this.rawAngle();
    this.meshes.set(name, {
      name,
      ...parseMeshBody(body, (msg) => lx.fail(msg, 'a mesh like <["x"=2, "y"=4]>', at)),
    });
    if (lx.is(LBRACE)) this.attrDict();
    this.optLoc();
  }

  private func(): FuncAst {
    const lx: Lexer = this.lx;
    const offset = lx.start;
    lx.next();
    let visibility = 'public';
    if (lx.is(TK.ident)) visibility = lx.take();
    if (!lx.is(TK.symbol)) lx.fail(`unexpected ${lx.describe()}`, 'a function name such as @main');
    const name = symbolName(lx.take());
    lx.expect(LPAREN, "'(' opening the argument list");
    const args: BlockArgAst[] = [];
    if (!lx.eat(RPAREN)) {
      do args.push(this.blockArg());
      while (lx.eat(COMMA));
      lx.expect(RPAREN, "')' or ',' in the argument list");
    }
    const results: { type: TypeAst; attrs?: ReadonlyMap<string, AttrValue> }[] = [];
    if (lx.eat(TK.arrow)) {
      if (lx.eat(LPAREN)) {
        if (!lx.eat(RPAREN)) {
          do {
            const type = this.type();
            results.push({ type, attrs: lx.is(LBRACE) ? this.attrDict() : undefined });
            this.optLoc();
          } while (lx.eat(COMMA));
          lx.expect(RPAREN, "')' or ',' in the result list");
        }
      } else results.push({ type: this.type() });
    }
    if (lx.eatIdent('attributes')) this.attrDict();
    let body: RegionAst = { args, ops: [], extraBlocks: 0 };
    if (lx.is(LBRACE)) body = this.region(args);
    this.optLoc();
    return { name, visibility, args, results, body, offset };
  }

  /** `%arg0: tensor<4xf32> {attrs} loc(...)`. */
  private blockArg(): BlockArgAst {
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
  private region(entryArgs: readonly BlockArgAst[] = []): RegionAst {
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

  private op(): OpAst {
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
  private genericOp(rawName: string, results: string[], offset: number): OpAst {
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
  private customOp(name: string, results: string[], offset: number): OpAst {
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
  private parenOperands(
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
  private keywordItem(op: string, attrs: Map<string, AttrValue>, enums: AttrValue[]): void {
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
  private looksLikeRegion(): boolean {
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
  private rawUntilItemEnd(): string {
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

  // ---- types ---------------------------------------------------------------

  /** `: T`, `: T1, T2`, `: (A, B) -> R`, `: (A) -> (R1, R2)`, `: A -> R`. */
  private signature(): { inputs?: TypeAst[]; outputs: TypeAst[] } {
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

  private resultTypes(): TypeAst[] {
    const lx: Lexer = this.lx;
    if (lx.eat(LPAREN)) return this.typeList(RPAREN);
    return [this.type()];
  }

  private typeList(close: number): TypeAst[] {
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
  private typeCacheLookup(start: number): TypeAst | undefined {
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

  private identValue(): AttrValue {
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
  private dense(): DenseAst {
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

  // ---- locations -----------------------------------------------------------

  private optLoc(): LocAst | undefined {
    return this.lx.isIdent('loc') ? this.loc() : undefined;
  }

  private loc(): LocAst {
    const lx: Lexer = this.lx;
    lx.expectIdent('loc');
    lx.expect(LPAREN, "'(' after loc");
    const l = this.locInner();
    lx.expect(RPAREN, "')' closing loc(...)");
    return l;
  }

  private locInner(): LocAst {
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
  private rawAngle(): string {
    return this.rawBalanced(LT, GT);
  }

  private rawBalanced(open: number, close: number): string {
    const lx: Lexer = this.lx;
    const start = lx.start;
    this.skipBalanced(open, close);
    return this.text.slice(start, lx.prevEnd);
  }

  private skipBalanced(open: number, close: number): void {
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

/** `func.call` is printed `call`, `func.return` `return`; both spellings map to one name. */
function normalizeName(name: string): string {
  if (name === 'call') return 'func.call';
  if (name === 'return') return 'func.return';
  return name;
}

function symbolName(tok: string): string {
  const s = tok.slice(1);
  return s.startsWith('"') ? s.slice(1, -1) : s;
}

/** `<["data"=4, "model"=2], device_ids=[...]>` → axes. */
export function parseMeshBody(body: string, fail: (msg: string) => never): Omit<MeshAst, 'name'> {
  const axes: { name: string; size: number }[] = [];
  const re = /"((?:[^"\\]|\\.)*)"\s*=\s*(\d+)/g;
  const axisPart = body.split('device_ids')[0];
  for (let m = re.exec(axisPart); m; m = re.exec(axisPart))
    axes.push({ name: m[1], size: Number(m[2]) });
  if (!axes.length && !/\[\s*\]/.test(axisPart)) fail(`cannot read the mesh ${body.slice(0, 60)}`);
  const ids = /device_ids\s*=\s*\[([^\]]*)\]/.exec(body);
  return { axes, deviceIds: ids ? ids[1].split(',').map((s) => Number(s.trim())) : undefined };
}
