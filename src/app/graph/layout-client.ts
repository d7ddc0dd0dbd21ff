// The page's side of the layout worker: one worker, requests numbered, a restart if it dies.
import type { LayoutRequest, LayoutResult } from './layout.ts';

type Pending = { resolve: (r: LayoutResult) => void; reject: (e: Error) => void };

let worker: Worker | null = null;
let next = 0;
const pending = new Map<number, Pending>();

function start(): Worker {
  const w = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent) => {
    const d = e.data as { id: number; ok: boolean; boxes?: LayoutResult; message?: string };
    const p = pending.get(d.id);
    if (!p) return;
    pending.delete(d.id);
    if (d.ok) p.resolve(d.boxes!);
    else p.reject(new Error(`graph layout failed: ${d.message}`));
  };
  w.onerror = (e) => {
    // a crashed worker fails what it held; the next request starts a fresh one
    for (const p of pending.values())
      p.reject(new Error(`graph layout worker crashed: ${e.message}`));
    pending.clear();
    w.terminate();
    worker = null;
  };
  return w;
}

export function layoutInWorker(req: LayoutRequest): Promise<LayoutResult> {
  worker ??= start();
  const id = ++next;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker!.postMessage({ id, req });
  });
}

/**
 * Starts the worker and runs one tiny layout, so that loading elkjs overlaps the engine's first
 * run instead of following it.
 */
export function warmLayout(): void {
  if (worker) return;
  void layoutInWorker({
    nodes: [{ id: 'warm', parent: '', kind: 'op', open: false }],
    edges: [],
  }).catch(() => undefined);
}
