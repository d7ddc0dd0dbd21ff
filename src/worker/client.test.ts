import * as Comlink from 'comlink';
import { describe, expect, it } from 'vitest';
import { EngineClient } from './client.ts';
import type { Progress, RunOutcome, RunRequest, RunResult } from './protocol.ts';

// The client against fake workers: each is one end of a MessageChannel whose other end exposes a
// fake engine with comlink, as engine.worker.ts does. Runs finish when the test says so.

interface FakeEngine {
  started: RunRequest[];
  finish(i: number): void;
}

function fakeWorkers() {
  const engines: FakeEngine[] = [];
  const ports: (MessagePort & { terminated?: boolean })[] = [];
  const make = () => {
    const { port1, port2 } = new MessageChannel();
    const started: RunRequest[] = [];
    const pending: (() => void)[] = [];
    const engine: FakeEngine = { started, finish: (i) => pending[i]() };
    Comlink.expose(
      {
        run(req: RunRequest, onProgress?: (p: Progress) => void): Promise<RunOutcome> {
          started.push(req);
          void onProgress?.({ stage: 'building' });
          return new Promise((resolve) =>
            pending.push(() =>
              resolve({ ok: true, result: { mesh: req.mesh } as unknown as RunResult }),
            ),
          );
        },
      },
      port2,
    );
    engines.push(engine);
    const w = port1 as MessagePort & { terminated?: boolean; terminate(): void };
    w.terminate = () => {
      w.terminated = true;
      port1.close();
      port2.close();
    };
    ports.push(w);
    return w as unknown as Worker;
  };
  return { engines, ports, make };
}

const req = (mesh: string): RunRequest => ({
  model: { kind: 'preset', spec: 'mlp' },
  mesh,
  hardware: 'h100-80gb',
  topology: null,
  schedule: [],
  after: null,
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

function recorder() {
  const results: string[] = [];
  const crashes: string[] = [];
  const events = {
    progress: () => {},
    result: (_: RunOutcome, q: RunRequest) => results.push(q.mesh),
    crashed: (m: string) => crashes.push(m),
  };
  return { results, crashes, events };
}

describe('EngineClient', () => {
  it('runs one request at a time and only the newest of those waiting', async () => {
    const f = fakeWorkers();
    const r = recorder();
    const c = new EngineClient(r.events, f.make);
    c.request(req('a=1'));
    c.request(req('a=2'));
    c.request(req('a=3'));
    await until(() => f.engines[0].started.length === 1);
    f.engines[0].finish(0);
    await until(() => f.engines[0].started.length === 2);
    expect(f.engines[0].started.map((q) => q.mesh)).toEqual(['a=1', 'a=3']);
    f.engines[0].finish(1);
    await until(() => r.results.length === 1);
    // a=1's result was superseded before it arrived: only a=3 reaches the page
    expect(r.results).toEqual(['a=3']);
    c.dispose();
  });

  it('cancels by replacing the worker, which recomputes the last completed request', async () => {
    const f = fakeWorkers();
    const r = recorder();
    const c = new EngineClient(r.events, f.make);
    c.request(req('a=1'));
    await until(() => f.engines[0].started.length === 1);
    f.engines[0].finish(0);
    await until(() => r.results.length === 1);
    c.request(req('a=2'));
    await until(() => f.engines[0].started.length === 2);
    expect(c.cancel()).toBe(true);
    expect(f.ports[0].terminated).toBe(true);
    await until(() => f.engines.length === 2 && f.engines[1].started.length === 1);
    expect(f.engines[1].started[0].mesh).toBe('a=1');
    expect(c.cancel()).toBe(true); // the recompute itself is a run in flight
    expect(new EngineClient(recorder().events, fakeWorkers().make).cancel()).toBe(false);
    c.dispose();
  });

  it('restarts a crashed worker and sends the newest request again', async () => {
    const f = fakeWorkers();
    const r = recorder();
    const c = new EngineClient(r.events, f.make);
    c.request(req('a=1'));
    await until(() => f.engines[0].started.length === 1);
    c.request(req('a=2')); // waiting behind a=1
    f.ports[0].dispatchEvent(new Event('error'));
    expect(r.crashes).toEqual(['the engine worker failed']);
    await until(() => f.engines.length === 2 && f.engines[1].started.length === 1);
    expect(f.engines[1].started[0].mesh).toBe('a=2');
    f.engines[1].finish(0);
    await until(() => r.results.length === 1);
    expect(r.results).toEqual(['a=2']);
    c.dispose();
  });
});
