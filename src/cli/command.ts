import type { OptionsSpec, ParsedArgs, PositionalSpec } from './args.ts';
import { formatColumns } from './format.ts';
import type { CliIO } from './io.ts';

/**
 * One `shardlab <name>` command, in a file of its own under `commands/`. Its options are data,
 * so parsing, `--help` and errors are the same for every command; `run` returns the exit code
 * and throws UsageError / CliError for the two expected ways to fail.
 */
export interface Command<S extends OptionsSpec = OptionsSpec> {
  readonly name: string;
  /** One line, shown in `shardlab --help`. */
  readonly summary: string;
  /** Paragraphs shown in `shardlab <name> --help`, after the usage line. */
  readonly description?: string;
  readonly options: S;
  readonly positionals?: readonly PositionalSpec[];
  readonly examples?: readonly string[];
  run(args: ParsedArgs<S>, io: CliIO): number | Promise<number>;
}

/** Identity, so a command file gets its option names checked against its `run`. */
export function defineCommand<S extends OptionsSpec>(command: Command<S>): Command<S> {
  return command;
}

/** `shardlab <name> --help`: usage line, description, options, examples. */
export function commandHelp(c: Command): string {
  const usage = [`shardlab ${c.name}`];
  for (const [name, o] of Object.entries(c.options)) {
    const flag = o.type === 'string' ? `--${name} ${o.valueName ?? 'VALUE'}` : `--${name}`;
    usage.push(o.required ? flag : `[${flag}]`);
  }
  for (const p of c.positionals ?? []) {
    const n = p.name.toUpperCase() + (p.variadic ? '...' : '');
    usage.push(p.required ? n : `[${n}]`);
  }
  const rows: [string, string][] = Object.entries(c.options).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`,
    o.description + (o.required ? ' (required)' : ''),
  ]);
  rows.push(['-h, --help', 'show this help']);
  const lines = [`Usage: ${usage.join(' ')}`, '', c.description ?? c.summary, ''];
  if (c.positionals?.length) {
    lines.push(
      'Arguments:',
      ...formatColumns(c.positionals.map((p) => [p.name.toUpperCase(), p.description])),
      '',
    );
  }
  lines.push('Options:', ...formatColumns(rows));
  if (c.examples?.length) lines.push('', 'Examples:', ...c.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}
