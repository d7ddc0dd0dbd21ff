// The automatic partitioner's run: progress with the best strategy so far and a cancel button,
// then its schedule beside the expert baselines, to apply to the editor or dismiss.
import { useWorkbench } from '../state/store.ts';
import { formatBytes, formatSeconds } from '../format.ts';

export function AutoPanel() {
  const auto = useWorkbench((s) => s.auto);
  const current = useWorkbench((s) => s.result.run?.report ?? null);
  const { cancelAuto, applyAuto, dismissAuto } = useWorkbench.getState();
  if (!auto) return null;
  const p = auto.progress;
  return (
    <section className="panel auto-panel" data-testid="auto-panel" aria-labelledby="auto-h">
      <h2 id="auto-h">Automatic partitioner{auto.axes ? ` · ${auto.axes.join(', ')}` : ''}</h2>
      {auto.running && (
        <>
          <progress max={1} value={p?.fraction ?? 0} data-testid="auto-progress" />
          <p className="hint">
            {p ? `${p.evaluations} strategies simulated` : 'starting…'}
            {p?.best && (
              <>
                {' '}
                · best so far <code>{p.best.schedule}</code> {formatSeconds(p.best.stepTimeS)}
                {p.best.fits ? '' : ' (does not fit)'}
              </>
            )}
          </p>
          <button className="small" onClick={cancelAuto} data-testid="auto-cancel">
            Cancel
          </button>
        </>
      )}
      {auto.error && (
        <>
          <p className="error" role="alert">
            {auto.error}
          </p>
          <button className="small" onClick={dismissAuto}>
            Close
          </button>
        </>
      )}
      {auto.result && (
        <>
          <p>
            <code data-testid="auto-schedule">{auto.result.schedule || '(no tactic)'}</code>
          </p>
          <table className="auto-table">
            <thead>
              <tr>
                <th>strategy</th>
                <th className="num">step</th>
                <th className="num">memory</th>
              </tr>
            </thead>
            <tbody>
              <tr className="winner">
                <td>found{auto.result.cancelled ? ' (stopped early)' : ''}</td>
                <td className="num">{formatSeconds(auto.result.report.stepTimeS)}</td>
                <td className="num">{formatBytes(auto.result.report.peakMemoryBytes)}</td>
              </tr>
              {current && (
                <tr>
                  <td>current</td>
                  <td className="num">{formatSeconds(current.stepTimeS)}</td>
                  <td className="num">{formatBytes(current.peakMemoryBytes)}</td>
                </tr>
              )}
              {auto.result.baselines.map((b) => (
                <tr key={b.name} title={b.schedule}>
                  <td>{b.name}</td>
                  <td className="num">{formatSeconds(b.stepTimeS)}</td>
                  <td className={`num${b.fits ? '' : ' bad'}`}>{formatBytes(b.peakMemoryBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="hint">
            {auto.result.evaluations} strategies in {auto.result.searchTimeS.toFixed(1)} s
          </p>
          <div className="row">
            <button className="small primary" onClick={applyAuto} data-testid="auto-apply">
              Apply
            </button>
            <button className="small ghost" onClick={dismissAuto}>
              Dismiss
            </button>
          </div>
        </>
      )}
    </section>
  );
}
