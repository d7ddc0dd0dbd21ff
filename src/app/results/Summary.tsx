// The headline figures of one step: time, MFU, tokens/s, peak memory against HBM.
import { memo } from 'react';
import type { RunResult } from '../../worker/protocol.ts';
import { formatBytes, formatCount, formatDelta, formatPercent, formatSeconds } from '../format.ts';

interface Figure {
  readonly key: string;
  readonly label: string;
  readonly value: (r: RunResult) => number | null;
  readonly format: (v: number) => string;
  /** Whether a larger value is better (for the compare colouring). */
  readonly higherIsBetter: boolean;
}

export const FIGURES: readonly Figure[] = [
  {
    key: 'step',
    label: 'Step time',
    value: (r) => r.report.stepTimeS,
    format: formatSeconds,
    higherIsBetter: false,
  },
  {
    key: 'mfu',
    label: 'MFU',
    value: (r) => r.report.mfu,
    format: formatPercent,
    higherIsBetter: true,
  },
  {
    key: 'tokens',
    label: 'Tokens/s',
    value: (r) => r.report.tokensPerS,
    format: (v) => formatCount(v),
    higherIsBetter: true,
  },
  {
    key: 'memory',
    label: 'Peak memory / device',
    value: (r) => r.report.peakMemoryBytes,
    format: formatBytes,
    higherIsBetter: false,
  },
  {
    key: 'comm',
    label: 'Exposed comm.',
    value: (r) => r.report.exposedCommTimeS,
    format: formatSeconds,
    higherIsBetter: false,
  },
];

/** Memoised: progress updates re-render the results pane, not this chart. */
export const Summary = memo(function Summary(props: {
  run: RunResult;
  pinned?: RunResult | null;
  seq: number;
}) {
  const { run, pinned, seq } = props;
  const r = run.report;
  return (
    <div className="summary" data-testid="summary" data-run={seq}>
      {FIGURES.map((f) => {
        const v = f.value(run);
        const p = pinned ? f.value(pinned) : null;
        const better = v !== null && p !== null && v !== p && v > p === f.higherIsBetter;
        return (
          <div className="figure" key={f.key} data-testid={`figure-${f.key}`}>
            <span className="label">{f.label}</span>
            <span className="value" data-testid={`figure-${f.key}-value`}>
              {v === null ? '–' : f.format(v)}
            </span>
            {pinned && v !== null && p !== null && (
              <span
                className={`delta ${v === p ? '' : better ? 'good' : 'bad'}`}
                data-testid={`figure-${f.key}-delta`}
              >
                {f.format(p)} → {formatDelta(v, p)}
              </span>
            )}
          </div>
        );
      })}
      <div className={`figure fits ${r.fits ? 'good' : 'bad'}`} data-testid="figure-fits">
        <span className="label">HBM {formatBytes(r.hbmBytes)}</span>
        <span className="value">{r.fits ? 'fits' : 'does not fit'}</span>
        <span className="muted">
          {formatPercent(r.peakMemoryBytes / r.hbmBytes)} used · {r.devices} × {r.hardware}
        </span>
      </div>
    </div>
  );
});
