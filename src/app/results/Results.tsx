// The results pane: summary, memory, communication and the timeline of the latest run, marked
// stale while the worker recomputes; with a pinned run, the pinned charts sit beside.
import { scheduleToString } from '../../core/tactics/schedule.ts';
import { useWorkbench } from '../state/store.ts';
import { CommChart } from './CommChart.tsx';
import { MemoryChart } from './MemoryChart.tsx';
import { Summary } from './Summary.tsx';
import { Timeline } from './Timeline.tsx';

const workspaceSchedule = () => {
  const ws = useWorkbench.getState().workspace;
  const steps = ws.schedule.filter((t) => t.enabled !== false);
  return ws.after === null
    ? steps
    : ws.schedule.slice(0, ws.after).filter((t) => t.enabled !== false);
};

export function Results() {
  const result = useWorkbench((s) => s.result);
  const pinned = useWorkbench((s) => s.pinned);
  const { pin, unpin } = useWorkbench.getState();
  const run = result.run;
  if (!run)
    return (
      <section className="results empty" data-testid="results">
        {result.error ? (
          <p className="error" role="alert">
            {result.error.message}
          </p>
        ) : (
          <p className="muted">Computing the first run…</p>
        )}
      </section>
    );
  return (
    <section
      className={`results${result.stale ? ' stale' : ''}`}
      data-testid="results"
      data-stale={result.stale}
    >
      <div className="results-head">
        <Summary run={run} pinned={pinned?.run} seq={result.seq} />
        <div className="compare-actions">
          {pinned ? (
            <button className="small" onClick={unpin} data-testid="unpin">
              Unpin “{pinned.label}”
            </button>
          ) : (
            <button
              className="small"
              onClick={() => pin(scheduleToString(workspaceSchedule()) || 'no tactics')}
              data-testid="pin"
              title="Keep this result to compare the next ones with it"
            >
              Pin to compare
            </button>
          )}
        </div>
      </div>
      <div className={`charts${pinned ? ' compare' : ''}`}>
        <div className="chart-col">
          {pinned && <h3 className="col-title">Current</h3>}
          <MemoryChart run={run} />
          <CommChart run={run} />
        </div>
        {pinned && (
          <div className="chart-col pinned" data-testid="pinned-charts">
            <h3 className="col-title">Pinned: {pinned.label}</h3>
            <MemoryChart run={pinned.run} testid="pinned-memory-chart" />
            <CommChart run={pinned.run} testid="pinned-comm-chart" />
          </div>
        )}
      </div>
      <Timeline run={run} />
    </section>
  );
}
