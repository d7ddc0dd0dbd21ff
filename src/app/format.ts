// Figures as the page prints them: the CLI's formatting where it has one, so both shells agree.
export { formatBytes, formatCount, formatFlops, formatInt } from '../cli/format.ts';

/** Seconds with a unit that keeps three significant digits: 0.00123 → "1.23 ms". */
export function formatSeconds(s: number): string {
  const a = Math.abs(s);
  if (a >= 1) return `${s.toPrecision(3)} s`;
  if (a >= 1e-3) return `${(s * 1e3).toPrecision(3)} ms`;
  if (a >= 1e-6) return `${(s * 1e6).toPrecision(3)} µs`;
  if (a === 0) return '0 s';
  return `${(s * 1e9).toPrecision(3)} ns`;
}

export function formatPercent(f: number): string {
  return `${(f * 100).toFixed(1)}%`;
}

/** A signed relative change, for the compare view: +12.5% / −3.0%. */
export function formatDelta(now: number, before: number): string {
  if (before === 0) return now === 0 ? '±0%' : 'new';
  const d = (now - before) / Math.abs(before);
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  return `${sign}${Math.abs(d * 100).toFixed(1)}%`;
}
