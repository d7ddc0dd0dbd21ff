/**
 * The two ways a command fails on purpose. Both print their message alone (no stack trace):
 * a usage error means "you typed it wrong" (exit 2), a CLI error means "it did not work" (exit 1).
 * Anything else that escapes a command is a bug and prints its stack.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
