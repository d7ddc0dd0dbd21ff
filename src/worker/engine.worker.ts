// The engine worker: a thin comlink wrapper over one EngineSession. Results go back with their
// typed arrays transferred, not copied.
import * as Comlink from 'comlink';
import { EngineSession } from './engine.ts';
import type { EngineApi, RunOutcome } from './protocol.ts';

const session = new EngineSession();

function transferred(out: RunOutcome): RunOutcome {
  if (!out.ok) return out;
  const t = out.result.timeline;
  const buffers = [
    t.track,
    t.name,
    t.start,
    t.dur,
    t.op,
    t.collective,
    t.scope,
    t.phase,
    t.memory,
  ].map((a) => a.buffer as ArrayBuffer);
  return Comlink.transfer(out, buffers);
}

/** How long a run waits, after building a new program, for the page to ask for its graph. */
const VIEW_WAIT_MS = 150;
let viewAsked: (() => void) | null = null;

const api: EngineApi = {
  async run(req, onProgress) {
    if (onProgress && session.prebuild(req)) {
      // let the page draw the new program's graph while the schedule propagates
      const asked = new Promise<void>((resolve) => (viewAsked = resolve));
      void onProgress({ stage: 'building', contextReady: true });
      await Promise.race([asked, new Promise((r) => setTimeout(r, VIEW_WAIT_MS))]);
      viewAsked = null;
    }
    return transferred(session.run(req, onProgress ? (p) => void onProgress(p) : undefined));
  },
  async auto(req, opts, onProgress) {
    return session.auto(req, opts, onProgress ? (p) => void onProgress(p) : undefined);
  },
  async graph(req) {
    const view = session.graph(req);
    // release the waiting run only after this answer is posted: resumed in a microtask, the run
    // would take the thread first and the page would get its graph with the run's result
    const release = viewAsked;
    if (release) setTimeout(release, 0);
    return view;
  },
  async inspect(target) {
    return session.inspect(target);
  },
  async value(id) {
    return session.value(id);
  },
  async trace(devices) {
    return session.trace(devices);
  },
  async crash() {
    // thrown outside any call, so it reaches the worker's global error handler like a real bug
    setTimeout(() => {
      throw new Error('the engine crashed (test hook)');
    });
  },
};

Comlink.expose(api);
