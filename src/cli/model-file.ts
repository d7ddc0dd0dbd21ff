import { existsSync, readFileSync, statSync } from 'node:fs';
import { importStableHlo, type ImportResult } from '../core/io/stablehlo/import.ts';
import { StableHloParseError } from '../core/io/stablehlo/errors.ts';
import { CliError, UsageError } from './errors.ts';

/** `--model` names a file (StableHLO text) rather than a zoo spec. */
export function isModelFile(spec: string): boolean {
  return /\.(mlir|stablehlo|txt)$/i.test(spec) || (spec.includes('/') && existsSync(spec));
}

/** Reads and imports a StableHLO file; a malformed one is reported as FILE:LINE:COL: reason. */
export function importModelFile(path: string): ImportResult {
  if (!existsSync(path) || !statSync(path).isFile())
    throw new UsageError(`--model: no such file '${path}'`);
  const text = readFileSync(path, 'utf8');
  try {
    return importStableHlo(text);
  } catch (e) {
    if (e instanceof StableHloParseError)
      throw new CliError(
        `${path}:${e.line}:${e.column}: ${e.reason}${e.expected ? ` (expected ${e.expected})` : ''}`,
      );
    throw e;
  }
}
