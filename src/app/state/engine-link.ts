// Connects the store to the engine worker: every change of the workspace's engine inputs sends a
// run request (the client keeps only the newest waiting), results and progress come back into
// the store, and a crash is reported while the client restarts the worker with the same state.
import { EngineClient, defaultWorker } from '../../worker/client.ts';
import { attachEngine, runRequestOf, useWorkbench, type Workspace } from './store.ts';

export const runRequest = runRequestOf;

let current: EngineClient | null = null;
/** The running client (null before startEngine): cancel, trace export, the test hook. */
export const engineClient = (): EngineClient | null => current;

const keyOf = (ws: Workspace) => JSON.stringify(runRequest(ws));

export function startEngine(make: () => Worker = defaultWorker): EngineClient {
  const store = useWorkbench;
  const client = new EngineClient(
    {
      progress: (p) => store.getState().setRunning(p),
      result: (out, req, ms) => {
        store.getState().setResult(out, JSON.stringify(req) !== keyOf(store.getState().workspace));
        performance.mark('shardlab:result', { detail: { ms } });
      },
      crashed: (message) =>
        store
          .getState()
          .setNotice(`The engine stopped (${message}). It was restarted with your workspace.`),
    },
    make,
  );
  attachEngine(client);
  current = client;
  let last = '';
  const send = (ws: Workspace) => {
    const key = keyOf(ws);
    if (key === last) return;
    last = key;
    client.request(runRequest(ws));
  };
  store.subscribe((s) => send(s.workspace));
  send(store.getState().workspace);
  recomputeFn = () => {
    last = '';
    send(store.getState().workspace);
  };
  return client;
}

let recomputeFn = () => {};

/** Stops the run in progress; the page keeps the older result, marked as such. */
export function cancelRun(): void {
  if (current?.cancel()) useWorkbench.getState().setCancelled();
}

/** Runs the current workspace again (after a cancel). */
export function recompute(): void {
  recomputeFn();
}
