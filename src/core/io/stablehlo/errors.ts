/**
 * The one error the StableHLO importer throws: the input is malformed (or names something the IR
 * cannot hold in a way that cannot be made opaque). It carries the 1-based line and column of the
 * offending token and what the parser expected there.
 */
export class StableHloParseError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly expected?: string,
  ) {
    super(`StableHLO ${line}:${column}: ${reason}${expected ? ` (expected ${expected})` : ''}`);
    this.name = 'StableHloParseError';
  }
}

/** Line and column (1-based) of an offset; computed only when an error is reported. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

export function parseErrorAt(
  text: string,
  offset: number,
  reason: string,
  expected?: string,
): StableHloParseError {
  const { line, column } = lineColumn(text, offset);
  return new StableHloParseError(reason, line, column, expected);
}
