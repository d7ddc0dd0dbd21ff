import { ProgramBuilder } from '../../ir/builder.ts';
import type { InputRole, Program, Value } from '../../ir/program.ts';
import type { FuncAst, ModuleAst, RegionAst } from './ast.ts';
import { attrNum, attrStr } from './attrs.ts';
import { MAX_OPS, mapBlock } from './block.ts';
import { StableHloParseError, parseErrorAt } from './errors.ts';
import { LocationResolver } from './locations.ts';
import {
  MappingContext,
  type Env,
  type FoundAnnotation,
  type OpaqueOp,
} from './mapping-context.ts';
import { inferRole, pytreePathToName } from './names.ts';
import { parseStableHlo } from './parser.ts';
import { annotationOf, frontendMeshes } from './file-shardings.ts';
import { markGradients, matchAliasesByPath } from './training.ts';

export interface ImportOptions {
  /** Role overrides by input name (slash form or JAX path) or by position. */
  readonly roles?: Readonly<Record<string, InputRole>>;
  /** The function to import; default `main` (or the only public function). */
  readonly entry?: string;
}

export interface ImportedInput {
  readonly index: number;
  readonly name: string;
  /** The pytree path as JAX printed it (`params['mlp']['wi']`). */
  readonly path: string;
  readonly role: InputRole;
  readonly shape: readonly number[];
  readonly dtype: string;
  /** The output that replaces it (donated buffer), if any. */
  readonly aliasedBy?: number;
}

export interface ImportedOutput {
  readonly index: number;
  readonly name: string;
  readonly path: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly aliases?: number;
}

/** What an import found, beside the program: for the summary and the CLI's JSON. */
export interface ImportReport {
  readonly module?: string;
  readonly functions: number;
  readonly ops: number;
  readonly inputs: readonly ImportedInput[];
  readonly outputs: readonly ImportedOutput[];
  readonly opaque: readonly OpaqueOp[];
  readonly warnings: readonly string[];
  readonly annotations: readonly FoundAnnotation[];
  readonly meshes: ModuleAst['meshes'];
  readonly numPartitions?: number;
  readonly training: boolean;
  readonly whileTripCountsAssumed: readonly string[];
}

export interface ImportResult {
  readonly program: Program;
  readonly report: ImportReport;
}

/**
 * Imports StableHLO text as JAX prints it (`jit(f).lower(...).as_text()`, `jax.export`) into a
 * Program. Throws only StableHloParseError (with line and column); anything the IR cannot hold
 * becomes an opaque op and is listed in the report.
 */
export function importStableHlo(text: string, options: ImportOptions = {}): ImportResult {
  try {
    return importModule(text, parseStableHlo(text), options);
  } catch (e) {
    if (e instanceof StableHloParseError) throw e;
    // a bug or a pathological input (stack depth): still the one typed error, at the start
    throw parseErrorAt(text, 0, `import failed: ${(e as Error)?.message ?? String(e)}`);
  }
}

function entryFunc(m: ModuleAst, text: string, entry?: string): FuncAst {
  const want = entry ?? 'main';
  const f =
    m.funcs.find((g) => g.name === want) ??
    (entry === undefined
      ? (m.funcs.filter((g) => g.visibility === 'public')[0] ?? m.funcs[0])
      : undefined);
  if (!f)
    throw parseErrorAt(
      text,
      0,
      `no function @${want}`,
      `one of ${m.funcs.map((g) => '@' + g.name).join(', ')}`,
    );
  return f;
}

function importModule(text: string, m: ModuleAst, options: ImportOptions): ImportResult {
  const main = entryFunc(m, text, options.entry);
  const locs = new LocationResolver(m.locAliases);
  const b = new ProgramBuilder(m.name ?? main.name, { family: 'stablehlo' });
  const cx = new MappingContext(b, text, locs, new Map(m.funcs.map((f) => [f.name, f])));
  const env: Env = { vars: new Map(), closed: true };

  // inputs: names from locations (or jax.arg_info), roles from names and donation
  const paths = main.args.map(
    (a, i) => attrStr(a.attrs?.get('jax.arg_info')) ?? locs.name(a.loc) ?? `arg${i}`,
  );
  const names = paths.map(pytreePathToName);
  const firstCount = new Map<string, number>();
  const firsts = names.map((n) => n.split('/')[0]);
  for (const f of firsts) firstCount.set(f, (firstCount.get(f) ?? 0) + 1);
  const unique = uniqueNames(names);
  const donatedTo = main.args.map((a) => attrNum(a.attrs?.get('tf.aliasing_output')));
  const inputs: Value[] = [];
  const infos: ImportedInput[] = [];
  main.args.forEach((a, i) => {
    const t = cx.tensor(a.type, { ...emptyOp, offset: main.offset });
    const donated = donatedTo[i] !== undefined || a.attrs?.get('jax.buffer_donor') !== undefined;
    const siblings = firstCount.get(firsts[i]) ?? 1;
    const role =
      options.roles?.[names[i]] ??
      options.roles?.[paths[i]] ??
      options.roles?.[String(i)] ??
      inferRole(names[i], donated, siblings);
    const v = b.input(unique[i], t.shape, t.dtype, role);
    inputs.push(v);
    env.vars.set(a.name, v);
    annotationOf(a.attrs, (dialect, s) =>
      cx.annotations.push({
        target: 'input',
        index: i,
        value: v.id,
        scope: v.scope,
        dialect,
        text: s,
      }),
    );
    infos.push({ index: i, name: v.name, path: paths[i], role, shape: t.shape, dtype: t.dtype });
  });

  const expanded = inlinedOpCount(m, main);
  if (expanded > MAX_OPS)
    throw parseErrorAt(
      text,
      main.offset,
      `@${main.name} has ${expanded.toExponential(2)} ops once its calls are inlined, more than ${MAX_OPS.toLocaleString('en-US')}`,
      'a smaller program',
    );
  const results = mapBlock(cx, main.body.ops, env, '', undefined);
  b.replaceScope('');
  if (results.length !== main.results.length)
    throw parseErrorAt(
      text,
      main.offset,
      `@${main.name} returns ${results.length} values but declares ${main.results.length}`,
    );

  // outputs: names from jax.result_info; aliases from donation, else matched by path and type
  const outPaths = main.results.map(
    (r, k) =>
      attrStr(r.attrs?.get('jax.result_info')) ||
      `result${main.results.length > 1 ? `[${k}]` : ''}`,
  );
  const aliasOf = new Map<number, number>();
  donatedTo.forEach((k, i) => k !== undefined && aliasOf.set(k, i));
  if (!aliasOf.size)
    matchAliasesByPath(outPaths.map(pytreePathToName), names, results, inputs, aliasOf);
  const outInfos: ImportedOutput[] = [];
  results.forEach((v, k) => {
    const alias = aliasOf.get(k);
    const name = pytreePathToName(outPaths[k]);
    b.output(name, v, alias === undefined ? undefined : inputs[alias]);
    annotationOf(main.results[k].attrs, (dialect, s) =>
      cx.annotations.push({
        target: 'output',
        index: k,
        value: v.id,
        scope: v.scope,
        dialect,
        text: s,
      }),
    );
    outInfos.push({
      index: k,
      name,
      path: outPaths[k],
      shape: v.type.shape,
      dtype: v.type.dtype,
      aliases: alias,
    });
  });
  const training = aliasOf.size > 0;
  b.meta = { ...b.meta, training, jaxInputPaths: paths, jaxOutputPaths: outPaths };
  const program = markGradients(nameValues(b.build(), cx.annotations, outInfos));
  for (const [k, i] of aliasOf) (infos[i] as { aliasedBy?: number }).aliasedBy = k;
  return {
    program,
    report: {
      module: m.name,
      functions: m.funcs.length,
      ops: cx.opCount,
      inputs: infos,
      outputs: outInfos,
      opaque: cx.opaque,
      warnings: cx.warnings,
      annotations: cx.annotations,
      meshes: m.meshes.size ? m.meshes : frontendMeshes(m.attrs),
      numPartitions: attrNum(m.attrs.get('mhlo.num_partitions')),
      training,
      whileTripCountsAssumed: cx.tripCountsAssumed,
    },
  };
}

/** Ops of a function with every call inlined (memoised per function; a call cycle counts as
 *  unbounded), so a module whose calls multiply is refused before it is built. */
function inlinedOpCount(m: ModuleAst, f: FuncAst): number {
  const byName = new Map(m.funcs.map((g) => [g.name, g]));
  const memo = new Map<string, number>();
  const count = (g: FuncAst): number => {
    const known = memo.get(g.name);
    if (known !== undefined) return known;
    memo.set(g.name, Infinity); // cycle guard
    const visit = (r: RegionAst): number => {
      let n = 0;
      for (const op of r.ops) {
        n += 1;
        for (const sub of op.regions) n += visit(sub);
        const callee = op.name === 'func.call' ? op.attrs.get('callee') : undefined;
        const target = callee?.t === 'symbol' ? byName.get(callee.v) : undefined;
        if (target) n += count(target);
      }
      return n;
    };
    const n = visit(g.body);
    memo.set(g.name, n);
    return n;
  };
  return count(f);
}

const emptyOp = {
  name: 'func.func',
  results: [],
  operands: [],
  attrs: new Map(),
  regions: [],
  resultTypes: [],
  offset: 0,
};

/** Input names made unique by a suffix on repeats (`x`, `x_1`). */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return k ? `${n}_${k}` : n;
  });
}

/** Names the values tactics and exports refer to: pinned intermediates and outputs. */
function nameValues(
  p: Program,
  annotations: readonly FoundAnnotation[],
  outs: readonly ImportedOutput[],
): Program {
  const values = p.values.slice();
  const rename = (id: number, name: string) => {
    if (!values[id].name) values[id] = { ...values[id], name };
  };
  for (const a of annotations)
    if (a.target === 'constraint')
      rename(a.value, `${a.scope ? a.scope + '/' : ''}sharding_constraint_${a.index}`);
  outs.forEach((o, k) => rename(p.outputs[k].value, o.name));
  return { ...p, values };
}
