import type {
  AttrValue,
  BlockArgAst,
  FuncAst,
  LocAst,
  MeshAst,
  ModuleAst,
  RegionAst,
  TypeAst,
} from './ast.ts';
import { Lexer, TK } from './lexer.ts';
import { OpParser } from './op-parser.ts';
import { COMMA, EQ, LBRACE, LPAREN, RBRACE, RPAREN, symbolName } from './syntax-parser.ts';

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

class Parser extends OpParser {
  private readonly locAliases = new Map<string, LocAst>();
  private readonly meshes = new Map<string, MeshAst>();
  private readonly funcs: FuncAst[] = [];
  private readonly skipped: string[] = [];

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
