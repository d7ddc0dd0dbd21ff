// Communication of one step by mesh axis and collective kind: a bar per (axis, kind) in the
// axis's colour, its length the time on the axis's stream, labelled with count and bytes.
// A click selects the first collective of that row (the inspector shows it).
import { memo } from 'react';
import { scaleLinear } from 'd3';
import { axisColor } from '../../core/view/axis-colors.ts';
import type { RunResult } from '../../worker/protocol.ts';
import { useWorkbench } from '../state/store.ts';
import { formatBytes, formatSeconds } from '../format.ts';

/** Memoised: progress updates re-render the results pane, not this chart. */
export const CommChart = memo(function CommChart(props: {
  run: RunResult;
  title?: string;
  testid?: string;
}) {
  const { run } = props;
  const axes = run.axes.map((a) => a.name);
  const rows = [...run.report.comm].sort(
    (a, b) =>
      axes.indexOf(a.axis.split(',')[0]) - axes.indexOf(b.axis.split(',')[0]) || b.timeS - a.timeS,
  );
  const max = Math.max(...rows.map((r) => r.timeS), 1e-12);
  const x = scaleLinear().domain([0, max]).range([0, 100]);
  const select = useWorkbench((s) => s.select);
  return (
    <figure className="chart comm-chart" data-testid={props.testid ?? 'comm-chart'}>
      <figcaption>
        {props.title ?? 'Communication by axis'}{' '}
        <span className="muted">
          {formatSeconds(run.report.commTimeS)} total, {formatSeconds(run.report.exposedCommTimeS)}{' '}
          exposed
        </span>
      </figcaption>
      {rows.length === 0 ? (
        <p className="muted empty">No communication: every device works alone.</p>
      ) : (
        <ul className="comm-rows">
          {rows.map((r) => {
            const color = axisColor(r.axis.split(',')[0], axes);
            const first = run.collectives.find(
              (c) => c.kind === r.kind && c.axes.join(',') === r.axis,
            );
            return (
              <li
                key={`${r.axis}/${r.kind}`}
                data-testid={`comm-row-${r.axis}-${r.kind}`}
                data-count={r.count}
                onClick={() => first && select({ kind: 'collective', index: first.index })}
                title={`${r.count} × ${r.kind} on ${r.axis}: ${formatBytes(r.bytes)} sent per device, ${formatSeconds(r.timeS)}`}
              >
                <span className="comm-label">
                  <span className="axis-name" style={{ color }}>
                    {r.axis}
                  </span>{' '}
                  {r.kind}
                </span>
                <span className="comm-bar-track">
                  <span
                    className="comm-bar"
                    style={{ width: `${Math.max(1, x(r.timeS))}%`, background: color }}
                  />
                </span>
                <span className="comm-figures num">
                  {r.count}× · {formatBytes(r.bytes)} · {formatSeconds(r.timeS)}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </figure>
  );
});
