// The page's side of the engine worker: one run in flight at a time, only the newest request
// waiting behind it (older ones are dropped: their result would be stale on arrival), cancel by
// terminating the worker, and crash recovery (the worker's `error` event or a failed call): a
// fresh worker and the newest request sent again. The state lives in the page's store, so a
// restart loses nothing but the worker's caches.
import * as Comlink from 'comlink';
import type {
  AutoOutcome,
  AutoProgress,
  AutoRequest,
  EngineApi,
  GraphRequest,
  GraphView,
  InspectTarget,
  Inspection,
  Progress,
  RunOutcome,
  RunRequest,
  ValueBrief,
} from './protocol.ts';
import type { ChromeTrace } from '../core/sim/trace.ts';

export interface ClientEvents {
  /** A run started (progress null) or moved to a new stage. */
  progress(p: Progress | null): void;
  /** The outcome of the newest request (never of a superseded one). */
  result(out: RunOutcome, req: RunRequest, ms: number): void;
  /** The worker died and was restarted; the newest request is being recomputed. */
  crashed(message: string): void;
}

type MakeWorker = () => Worker;

export const defaultWorker: MakeWorker = () =>
  new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' });

class Restarted extends Error {}

export class EngineClient {
  private worker!: Worker;
  private api!: Comlink.Remote<EngineApi>;
  /** Rejects every pending call when the worker is replaced. */
  private abort!: Promise<never>;
  private rejectAll!: (e: Error) => void;
  private inFlight: RunRequest | null = null;
  private waiting: RunRequest | null = null;
  private latest: RunRequest | null = null;
  /** The last request that completed: after a cancel the fresh worker recomputes it, so the
   *  views (graph, inspector) have a context again. */
  private done: RunRequest | null = null;
  private generation = 0;
  private autoRunning = false;

  constructor(
    private readonly events: ClientEvents,
    private readonly make: MakeWorker = defaultWorker,
  ) {
    this.start();
  }

  private start(): void {
    const gen = ++this.generation;
    this.worker = this.make();
    this.api = Comlink.wrap<EngineApi>(this.worker);
    this.abort = new Promise<never>((_, reject) => (this.rejectAll = reject));
    this.abort.catch(() => undefined);
    this.worker.addEventListener('error', (e) => {
      e.preventDefault();
      if (gen === this.generation) this.crash(e.message || 'the engine worker failed');
    });
  }

  private restart(): void {
    this.rejectAll(new Restarted('the engine was restarted'));
    this.worker.terminate();
    this.inFlight = null;
    this.start();
  }

  private crash(message: string): void {
    this.restart();
    this.events.crashed(message);
    const req = this.waiting ?? this.latest;
    this.waiting = null;
    if (req) this.request(req);
  }

  /** Asks for a run of this workspace; an older waiting request is dropped. */
  request(req: RunRequest): void {
    this.latest = req;
    if (this.inFlight) {
      this.waiting = req;
      return;
    }
    void this.send(req);
  }

  private async send(req: RunRequest): Promise<void> {
    this.inFlight = req;
    const gen = this.generation;
    this.events.progress(null);
    const t0 = performance.now();
    let out: RunOutcome;
    try {
      out = await Promise.race([
        this.api.run(
          req,
          Comlink.proxy((p: Progress) => {
            if (gen === this.generation && this.inFlight === req) this.events.progress(p);
          }),
        ),
        this.abort,
      ]);
    } catch (e) {
      if (e instanceof Restarted) return;
      if (gen === this.generation) this.crash((e as Error).message);
      return;
    }
    if (gen !== this.generation) return;
    this.inFlight = null;
    const next = this.waiting;
    this.waiting = null;
    if (next) void this.send(next);
    else {
      if (out.ok) this.done = req;
      this.events.result(out, req, performance.now() - t0);
    }
  }

  /** Stops the run in progress (the worker is replaced); the store keeps the older result. */
  cancel(): boolean {
    if (!this.inFlight) return false;
    this.waiting = null;
    this.restart();
    if (this.done) this.request(this.done);
    return true;
  }

  get busy(): boolean {
    return this.inFlight !== null;
  }

  private call<T>(f: (api: Comlink.Remote<EngineApi>) => Promise<T>): Promise<T> {
    return Promise.race([f(this.api), this.abort]);
  }

  graph(req: GraphRequest): Promise<GraphView> {
    return this.call((a) => a.graph(req));
  }
  inspect(target: InspectTarget): Promise<Inspection> {
    return this.call((a) => a.inspect(target));
  }
  value(id: number): Promise<ValueBrief | null> {
    return this.call((a) => a.value(id));
  }
  trace(devices?: readonly number[]): Promise<ChromeTrace> {
    return this.call((a) => a.trace(devices));
  }
  /**
   * Runs the automatic partitioner. The worker is busy until it ends: runs asked meanwhile wait.
   * `cancelAuto` stops it by restarting the worker (the views' context is recomputed).
   */
  async auto(
    req: RunRequest,
    opts: AutoRequest,
    onProgress: (p: AutoProgress) => void,
  ): Promise<AutoOutcome | null> {
    this.autoRunning = true;
    try {
      // (comlink's Remote type splits the union; the value is an AutoOutcome)
      return await this.call(
        (a) => a.auto(req, opts, Comlink.proxy(onProgress)) as Promise<AutoOutcome>,
      );
    } catch (e) {
      if (e instanceof Restarted) return null;
      throw e;
    } finally {
      this.autoRunning = false;
    }
  }

  cancelAuto(): void {
    if (!this.autoRunning) return;
    const pending = this.waiting ?? this.inFlight ?? this.done;
    this.waiting = null;
    this.restart();
    if (pending) this.request(pending);
  }

  /** Test hook (dev builds only): makes the worker die as a real bug would. */
  crashWorker(): Promise<void> {
    return this.call((a) => a.crash());
  }

  dispose(): void {
    this.rejectAll(new Restarted('disposed'));
    this.worker.terminate();
  }
}
