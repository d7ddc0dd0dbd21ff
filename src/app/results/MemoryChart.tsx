// Per-device peak memory as stacked bars (parameters, gradients, optimizer state, activations,
// temporaries) against the device's HBM. Devices with the same figures share one bar, so a mesh
// of thousands of devices still draws a handful.
import { memo } from 'react';
import { scaleLinear } from 'd3';
import type { RunResult } from '../../worker/protocol.ts';
import { formatBytes } from '../format.ts';

export const MEMORY_PARTS = [
  { key: 'params', label: 'parameters', color: '#4c6a92' },
  { key: 'grads', label: 'gradients', color: '#8fa9c9' },
  { key: 'optState', label: 'optimizer state', color: '#c9a227' },
  { key: 'activations', label: 'activations', color: '#6aa57a' },
  { key: 'temp', label: 'temporaries', color: '#c98b6b' },
] as const;

export interface DeviceGroup {
  readonly first: number;
  readonly last: number;
  readonly peak: number;
}

/** Consecutive devices with the same peak form one group. */
export function groupDevices(perDevice: readonly number[]): DeviceGroup[] {
  const groups: DeviceGroup[] = [];
  perDevice.forEach((peak, d) => {
    const g = groups[groups.length - 1];
    if (g && g.peak === peak) groups[groups.length - 1] = { ...g, last: d };
    else groups.push({ first: d, last: d, peak });
  });
  return groups;
}

/** Memoised: progress updates re-render the results pane, not this chart. */
export const MemoryChart = memo(function MemoryChart(props: {
  run: RunResult;
  title?: string;
  testid?: string;
}) {
  const { run } = props;
  const r = run.report;
  const b = r.memoryBreakdown;
  const groups =
    run.perDevice.length <= 16
      ? run.perDevice.map((peak, d) => ({ first: d, last: d, peak }))
      : groupDevices(run.perDevice);
  const top = Math.max(...run.perDevice, 1);
  // capacity far above the bars would flatten them: then the scale stops above the peak and
  // the capacity is written at the top instead of drawn
  const capacityShown = r.hbmBytes <= top * 3;
  const max = capacityShown ? Math.max(r.hbmBytes, top) * 1.05 : top * 1.25;
  const W = 420;
  const H = 150;
  const barW = Math.max(6, Math.min(36, (W - 56) / groups.length - 4));
  const y = scaleLinear().domain([0, max]).range([H, 0]);
  const total = MEMORY_PARTS.reduce((s, p) => s + b[p.key], 0) || 1;
  return (
    <figure
      className="chart memory-chart"
      data-testid={props.testid ?? 'memory-chart'}
      data-peak={r.peakMemoryBytes}
      data-activations={b.activations}
    >
      <figcaption>
        {props.title ?? 'Memory per device'}{' '}
        <span className="muted">
          peak {formatBytes(r.peakMemoryBytes)} of {formatBytes(r.hbmBytes)}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H + 22}`} role="img" aria-label="memory per device">
        {capacityShown ? (
          <>
            <line x1={46} x2={W} y1={y(r.hbmBytes)} y2={y(r.hbmBytes)} className="capacity" />
            <text x={W} y={y(r.hbmBytes) + 10} className="axis-label" textAnchor="end">
              HBM {formatBytes(r.hbmBytes)}
            </text>
          </>
        ) : (
          <text x={W} y={9} className="axis-label" textAnchor="end">
            HBM {formatBytes(r.hbmBytes)} ↑ off scale ({(r.hbmBytes / top).toFixed(0)}× the peak)
          </text>
        )}
        {y.ticks(3).map((v) => (
          <g key={v}>
            <line x1={46} x2={W} y1={y(v)} y2={y(v)} className="gridline" />
            <text x={44} y={y(v) + 3} className="axis-label" textAnchor="end">
              {formatBytes(v).replace('.00', '')}
            </text>
          </g>
        ))}
        {groups.map((g, i) => {
          let acc = 0;
          const x = 50 + i * (barW + 4);
          return (
            <g key={g.first} data-testid="memory-bar">
              <title>
                {g.first === g.last ? `device ${g.first}` : `devices ${g.first}–${g.last}`}:{' '}
                {formatBytes(g.peak)}
                {MEMORY_PARTS.map(
                  (p) => `\n${p.label}: ${formatBytes((b[p.key] / total) * g.peak)}`,
                ).join('')}
              </title>
              {MEMORY_PARTS.map((p) => {
                const v = (b[p.key] / total) * g.peak;
                const y0 = y(acc);
                acc += v;
                return (
                  <rect
                    key={p.key}
                    x={x}
                    width={barW}
                    y={y(acc)}
                    height={Math.max(0, y0 - y(acc))}
                    fill={p.color}
                  />
                );
              })}
              {groups.length <= 16 && (
                <text x={x + barW / 2} y={H + 14} textAnchor="middle" className="axis-label">
                  {g.first === g.last ? g.first : `${g.first}–${g.last}`}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <ul className="legend">
        {MEMORY_PARTS.map((p) => (
          <li key={p.key}>
            <span className="swatch" style={{ background: p.color }} />
            {p.label} <span className="muted">{formatBytes(b[p.key])}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
});
