// The graph layout's own module worker: elkjs (its bundled build runs in this thread) lays out
// each container of the visible graph, with the layouts cached here across requests, so the
// page's main thread never runs a layout.
import ELK from 'elkjs/lib/elk.bundled.js';
import { LayoutCache, layoutGraph, type LayoutRequest } from './layout.ts';

const elk = new ELK();
const cache = new LayoutCache();

self.onmessage = async (e: MessageEvent<{ id: number; req: LayoutRequest }>) => {
  const { id, req } = e.data;
  try {
    const t0 = performance.now();
    const boxes = await layoutGraph(req, (g) => elk.layout(g), cache);
    self.postMessage({ id, ok: true, boxes, ms: performance.now() - t0 });
  } catch (err) {
    self.postMessage({ id, ok: false, message: (err as Error).message ?? String(err) });
  }
};
