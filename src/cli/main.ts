import { readFileSync } from 'node:fs';
import { parseArgs, nearest } from './args.ts';
import { commandHelp, type Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';
import { formatColumns } from './format.ts';
import { processIO, type CliIO } from './io.ts';

/**
 * `shardlab <command> [options]`: finds the command, parses its options, runs it and turns what
 * it throws into an exit code (0 ok, 1 failure, 2 usage error). Never calls `process.exit`, so
 * tests run it in-process.
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(topHelp());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h') {
    io.out(topHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-V') {
    io.out(version());
    return EXIT_OK;
  }
  if (name === 'help') {
    const target = rest[0] === undefined ? undefined : findCommand(rest[0]);
    if (rest[0] !== undefined && !target) return unknownCommand(rest[0], io);
    io.out(target ? commandHelp(target) : topHelp());
    return EXIT_OK;
  }
  const command = findCommand(name);
  if (!command) return unknownCommand(name, io);
  try {
    const args = parseArgs(rest, command.options, command.positionals);
    if (args.help) {
      io.out(commandHelp(command));
      return EXIT_OK;
    }
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(
        `shardlab ${command.name}: ${e.message}\nRun 'shardlab ${command.name} --help' for usage.`,
      );
      return EXIT_USAGE;
    }
    if (e instanceof CliError) {
      io.err(`shardlab ${command.name}: ${e.message}`);
      return EXIT_FAILURE;
    }
    io.err(
      `shardlab ${command.name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    return EXIT_FAILURE;
  }
}

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

function unknownCommand(name: string, io: CliIO): number {
  const near = nearest(
    name,
    COMMANDS.map((c) => c.name),
  );
  io.err(
    `shardlab: unknown command '${name}'${near ? ` (did you mean '${near}'?)` : ''}\n` +
      `Commands: ${COMMANDS.map((c) => c.name).join(', ')}. Run 'shardlab --help' for usage.`,
  );
  return EXIT_USAGE;
}

function topHelp(): string {
  return [
    'Usage: shardlab <command> [options]',
    '',
    'Partition neural networks across accelerators: build models, inspect them, shard them.',
    '',
    'Commands:',
    ...formatColumns(COMMANDS.map((c) => [c.name, c.summary])),
    '',
    "Run 'shardlab <command> --help' for a command's options.",
  ].join('\n');
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
