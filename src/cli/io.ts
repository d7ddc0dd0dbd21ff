/** Where a command writes. The real CLI binds this to the process; tests capture it. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** The width of the terminal stdout writes to; undefined when it is not a terminal. */
  readonly columns?: number;
}

/** Each `out`/`err` call writes whole lines. */
const asLine = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/** Writes lines to the process streams. */
export const processIO: CliIO = {
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  out: (text) => void process.stdout.write(asLine(text)),
  err: (text) => void process.stderr.write(asLine(text)),
};

/** Collects what a command writes, for tests and for callers that want the text. */
export function captureIO(): CliIO & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (t) => void out.push(asLine(t)),
    err: (t) => void err.push(asLine(t)),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
