/** Number and table formatting for terminal output. Pure functions, no I/O. */

/** `n` divided by the largest scale it reaches, with `digits` decimals and that scale's suffix.
 *  A value that would round up to the next scale takes it ("1.0B", not "1000.0M"). */
function scaled(
  n: number,
  scales: readonly (readonly [number, string])[],
  digits: number,
): [string, string] {
  for (const [scale, suffix] of scales)
    if (Math.abs(n) >= scale * (1 - (0.5 * 10 ** -digits) / 1000))
      return [(n / scale).toFixed(digits), suffix];
  return [String(n), ''];
}

const COUNT_SCALES = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'K'],
] as const;

const SI_PREFIXES = [
  [1e18, 'E'],
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'K'],
] as const;

/** A count with one decimal and a suffix: 124439808 → "124.4M", 1.75e11 → "175.0B". */
export function formatCount(n: number): string {
  return scaled(n, COUNT_SCALES, 1).join('');
}

/** An integer with thousands separators: 124439808 → "124,439,808". */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const BYTE_SCALES = [
  [2 ** 50, 'PiB'],
  [2 ** 40, 'TiB'],
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
] as const;

/** Bytes in binary units: 1.5 × 2^30 → "1.50 GiB". */
export function formatBytes(n: number): string {
  const [value, unit] = scaled(n, BYTE_SCALES, 2);
  return `${value} ${unit || 'B'}`;
}

/** FLOPs with an SI prefix: 3.14e18 → "3.14 EFLOP". */
export function formatFlops(n: number): string {
  const [value, prefix] = scaled(n, SI_PREFIXES, 2);
  return `${value} ${prefix}FLOP`;
}

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  readonly align?: 'left' | 'right';
}

/** A plain-text table: a header row, a rule, then one line per row; trailing spaces trimmed.
 *  With `maxWidth` (a terminal's columns), the last column is cut to fit, ending in "…". */
export function formatTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  maxWidth?: number,
): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...cells.map((row) => row[i].length)),
  );
  const last = columns.length - 1;
  if (maxWidth !== undefined) {
    const before = widths.slice(0, last).reduce((s, w) => s + w + 2, 0);
    widths[last] = Math.min(widths[last], Math.max(columns[last].header.length, maxWidth - before));
  }
  const fit = (cell: string, w: number) => (cell.length > w ? `${cell.slice(0, w - 1)}…` : cell);
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => {
        const text = fit(cell, widths[i]);
        return columns[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

/** Two indented columns, the first padded: help option lists, `label  value` summaries. */
export function formatColumns(rows: readonly (readonly [string, string])[]): string[] {
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
}
