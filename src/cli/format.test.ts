import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatFlops, formatTable } from './format.ts';

describe('format', () => {
  it('formats counts with one decimal and moves up a scale rather than print 1000.0', () => {
    expect([124_439_808, 174_604_259_328, 999_960_000, 960].map(formatCount)).toEqual([
      '124.4M',
      '174.6B',
      '1.0B',
      '960',
    ]);
  });

  it('formats bytes in binary units and FLOPs with SI prefixes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.50 GiB');
    expect(formatFlops(3.14e18)).toBe('3.14 EFLOP');
  });

  it('aligns table columns and trims trailing spaces', () => {
    const t = formatTable(
      [
        { a: 'x', n: 1 },
        { a: 'long', n: 100 },
      ],
      [
        { header: 'a', value: (r) => r.a },
        { header: 'n', value: (r) => String(r.n), align: 'right' },
      ],
    );
    expect(t).toBe(['a       n', '----  ---', 'x       1', 'long  100'].join('\n'));
  });

  it('cuts the last column to a maximum width', () => {
    const t = formatTable(
      [{ a: 'x', d: 'a long description' }],
      [
        { header: 'a', value: (r) => r.a },
        { header: 'description', value: (r) => r.d },
      ],
      16,
    );
    expect(t.split('\n').at(-1)).toBe('x  a long descr…');
  });
});
