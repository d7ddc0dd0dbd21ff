// The header: the run's status (progress, stale, cancel), undo/redo, share, strategy export and
// import, the Perfetto trace, help.
import { useRef, useState } from 'react';
import { MAX_LINK_CHARS } from '../../core/io/share-link.ts';
import { scheduleFromJson, scheduleToJson } from '../../core/tactics/schedule.ts';
import type { Progress } from '../../worker/protocol.ts';
import { cancelRun, engineClient, recompute } from '../state/engine-link.ts';
import { shareUrl } from '../state/persist.ts';
import { useWorkbench } from '../state/store.ts';

function progressText(p: Progress | null): string {
  if (!p) return 'starting…';
  if (p.stage === 'propagating') return `propagating tactic ${(p.done ?? 0) + 1} of ${p.total}`;
  return `${p.stage}…`;
}

function download(name: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

export function Toolbar(props: { onHelp(): void }) {
  const result = useWorkbench((s) => s.result);
  const canUndo = useWorkbench((s) => s.past.length > 0);
  const canRedo = useWorkbench((s) => s.future.length > 0);
  const { undo, redo, say } = useWorkbench.getState();
  const [link, setLink] = useState<string | null>(null);
  const file = useRef<HTMLInputElement>(null);
  const busy = result.stale && !result.error && !result.cancelled;

  const share = () => {
    const url = shareUrl(useWorkbench.getState().workspace, location.href);
    const chars = url.length - url.indexOf('#s=') - 3;
    if (chars > MAX_LINK_CHARS) {
      // a link this long would be refused when opened: say so now
      say(
        `This workspace needs ${chars} characters in a link, more than the ${MAX_LINK_CHARS} a link may hold (an imported file is large): export the strategy instead.`,
      );
      return;
    }
    setLink(url);
    void navigator.clipboard?.writeText(url).catch(() => undefined);
  };
  const exportStrategy = () => {
    const ws = useWorkbench.getState().workspace;
    const json = {
      ...scheduleToJson(ws.schedule),
      mesh: ws.mesh,
      hardware: ws.hardware,
      topology: ws.topology,
    };
    download('strategy.json', JSON.stringify(json, null, 2));
  };
  const importStrategy = async (f: File) => {
    try {
      const json = JSON.parse(await f.text()) as Record<string, unknown>;
      const { mesh, hardware, topology, ...rest } = json;
      const schedule = scheduleFromJson(Array.isArray(json) ? json : rest);
      const ws = useWorkbench.getState().workspace;
      const str = (v: unknown, name: string) => {
        if (v === undefined) return undefined;
        if (typeof v !== 'string') throw new Error(`'${name}' must be a string`);
        return v;
      };
      const topo = topology === null ? null : str(topology, 'topology');
      useWorkbench.getState().commit({
        ...ws,
        schedule,
        after: null,
        mesh: str(mesh, 'mesh') ?? ws.mesh,
        hardware: str(hardware, 'hardware') ?? ws.hardware,
        topology: topo === undefined ? ws.topology : topo,
      });
    } catch (e) {
      say(`Could not import ${f.name}: ${(e as Error).message}`);
    }
  };
  const exportTrace = async () => {
    const c = engineClient();
    if (!c) return;
    try {
      const n = result.run?.perDevice.length ?? 1;
      const trace = await c.trace(Array.from({ length: Math.min(n, 8) }, (_, d) => d));
      download('shardlab-trace.json', JSON.stringify(trace));
    } catch (e) {
      say(`Could not export the trace: ${(e as Error).message}`);
    }
  };

  return (
    <header className="toolbar">
      <h1>
        shard<span>lab</span>
      </h1>
      <div className="run-status" data-testid="run-status" aria-live="polite">
        {busy ? (
          <>
            <span className="spinner" aria-hidden />
            <span data-testid="progress">{progressText(result.progress)}</span>
            <button className="small ghost" data-testid="cancel" onClick={cancelRun}>
              Cancel
            </button>
          </>
        ) : result.cancelled ? (
          <>
            <span className="warn-text" data-testid="run-cancelled">
              Cancelled: the results are for an earlier workspace.
            </span>
            <button className="small ghost" onClick={recompute} data-testid="recompute">
              Recompute
            </button>
          </>
        ) : result.error ? (
          <span className="error" data-testid="run-error">
            {result.error.place === 'internal' ? 'Error' : `Check the ${result.error.place}`}:{' '}
            {result.error.message}
          </span>
        ) : result.run ? (
          <span className="muted" data-testid="run-done">
            up to date ·{' '}
            {Math.round(
              result.run.timing.partitionMs +
                result.run.timing.simulateMs +
                result.run.timing.buildMs,
            )}{' '}
            ms
            {result.run.timing.reusedSteps
              ? ` · ${result.run.timing.reusedSteps} steps reused`
              : ''}
          </span>
        ) : null}
      </div>
      <nav className="actions">
        <button onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">
          ↶ Undo
        </button>
        <button onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="redo">
          ↷ Redo
        </button>
        <button onClick={share} title="Copy a link to this workspace" data-testid="share">
          Share link
        </button>
        <button onClick={exportStrategy} title="Download the schedule, mesh and hardware as JSON">
          Export strategy
        </button>
        <button onClick={() => file.current?.click()} title="Load a strategy JSON">
          Import…
        </button>
        <input
          ref={file}
          type="file"
          accept="application/json,.json"
          hidden
          data-testid="import-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void importStrategy(f);
            e.target.value = '';
          }}
        />
        <button
          onClick={() => void exportTrace()}
          disabled={!result.run}
          title="Download the timeline for ui.perfetto.dev"
          data-testid="export-trace"
        >
          Perfetto trace
        </button>
        <button onClick={props.onHelp} title="Keyboard shortcuts (?)" className="icon">
          ?
        </button>
      </nav>
      {link && (
        <div className="share-box" data-testid="share-box">
          <input
            readOnly
            value={link}
            data-testid="share-url"
            onFocus={(e) => e.currentTarget.select()}
          />
          <span className="muted">copied · {link.length} characters</span>
          <button className="icon" onClick={() => setLink(null)} aria-label="Close">
            ×
          </button>
        </div>
      )}
    </header>
  );
}
