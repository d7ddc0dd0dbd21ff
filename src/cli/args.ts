import { UsageError } from './errors.ts';

/** One `--option` of a command. Booleans take no value; strings take exactly one. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly description: string;
  /** One letter for `-x`. */
  readonly short?: string;
  /** How help shows the value: `--model SPEC`. */
  readonly valueName?: string;
  readonly required?: boolean;
}

export type OptionsSpec = Readonly<Record<string, OptionSpec>>;

/** A positional argument; only the last one may be `variadic`. */
export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  readonly variadic?: boolean;
}

export type ParsedOptions<S extends OptionsSpec> = {
  readonly [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean : string | undefined;
};

export interface ParsedArgs<S extends OptionsSpec> {
  readonly options: ParsedOptions<S>;
  readonly positionals: readonly string[];
  /** `--help` or `-h` was given; nothing else was checked. */
  readonly help: boolean;
}

/**
 * Parses `argv` against a command's options: `--name value`, `--name=value`, `-n value`, `--flag`,
 * and `--` to end options. Throws a UsageError that names the culprit and, for a misspelt
 * option, the nearest valid one.
 */
export function parseArgs<S extends OptionsSpec>(
  argv: readonly string[],
  spec: S,
  positionals: readonly PositionalSpec[] = [],
): ParsedArgs<S> {
  const end = argv.indexOf('--');
  const flags = end < 0 ? argv : argv.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    return { options: defaults(spec) as ParsedOptions<S>, positionals: [], help: true };
  }
  const values: Record<string, string | boolean | undefined> = defaults(spec);
  const seen = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq >= 0 ? arg.slice(0, eq) : arg;
    const name = lookupOption(flag, spec);
    const opt = spec[name];
    if (seen.has(name)) throw new UsageError(`option --${name} is given more than once`);
    seen.add(name);
    if (opt.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value (got '${arg}')`);
      values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('-')) value = argv[++i];
    if (value === undefined || value === '') {
      throw new UsageError(`option --${name} needs a value: --${name} ${opt.valueName ?? 'VALUE'}`);
    }
    values[name] = value;
  }
  for (const [name, opt] of Object.entries(spec)) {
    if (opt.required && values[name] === undefined) {
      throw new UsageError(`missing option --${name} ${opt.valueName ?? 'VALUE'}`);
    }
  }
  checkPositionals(rest, positionals);
  return { options: values as ParsedOptions<S>, positionals: rest, help: false };
}

function defaults(spec: OptionsSpec): Record<string, string | boolean | undefined> {
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, opt] of Object.entries(spec))
    values[name] = opt.type === 'boolean' ? false : undefined;
  return values;
}

function lookupOption(flag: string, spec: OptionsSpec): string {
  if (flag.startsWith('--')) {
    const name = flag.slice(2);
    if (Object.hasOwn(spec, name)) return name;
  } else if (flag.length === 2) {
    const hit = Object.entries(spec).find(([, o]) => o.short === flag[1]);
    if (hit) return hit[0];
  }
  const near = nearest(flag.replace(/^-+/, ''), Object.keys(spec));
  throw new UsageError(`unknown option '${flag}'${near ? ` (did you mean --${near}?)` : ''}`);
}

function checkPositionals(rest: readonly string[], specs: readonly PositionalSpec[]): void {
  const variadic = specs.at(-1)?.variadic === true;
  if (!variadic && rest.length > specs.length) {
    const extra = rest[specs.length];
    throw new UsageError(
      specs.length
        ? `unexpected argument '${extra}'`
        : `unexpected argument '${extra}' (this command takes only options)`,
    );
  }
  const missing = specs.slice(rest.length).find((p) => p.required);
  if (missing) throw new UsageError(`missing argument ${missing.name.toUpperCase()}`);
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
