// `npx tsx bench/workbench-ui.ts [--runs N]`: the workbench measured in Chromium (not part of
// `npm run bench`, which times core functions in Node). It starts a Vite dev server, opens the
// page in Debian's Chromium, loads a 24-layer training step (gpt2-medium, 24 layers) on
// data=4,model=2, then N times adds a tactic through the store's dropTactic (what a drop on the
// graph calls) and times until the charts have re-rendered with the new result (MutationObserver
// on the summary's run counter, then the next animation frame). A long-task observer records
// the main thread's longest task meanwhile. Nothing is asserted: figures for docs/benchmarks.md.
import { chromium } from '@playwright/test';
import { build, createServer, preview } from 'vite';

const argv = process.argv.slice(2);
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 10;
// --prod: a production build served by `vite preview` (what users get); default the dev server
const prod = argv.includes('--prod');
const MODEL = process.env.WB_MODEL ?? 'gpt2-medium:batch=16';
const MESH = 'data=4,model=2';

interface Shardlab {
  store: {
    getState(): {
      load(ws: unknown): void;
      workspace: { schedule: unknown[] };
      dropTactic(d: { tactic: string; axis?: string }): void;
      setSchedule(s: unknown[]): void;
      result: { stale: boolean; seq: number; run: { model: { ops: number } } | null };
    };
  };
}

const PORT = 5191;
const OUT = '/tmp/shardlab-workbench-bench';
let server: { close(): Promise<void> };
if (prod) {
  await build({ build: { outDir: OUT, emptyOutDir: true }, logLevel: 'error' });
  const p = await preview({
    build: { outDir: OUT },
    preview: { port: PORT, strictPort: true, host: '127.0.0.1' },
    logLevel: 'error',
  });
  server = { close: () => new Promise<void>((r) => p.httpServer.close(() => r())) };
} else {
  const s = await createServer({
    server: { port: PORT, strictPort: true, host: '127.0.0.1' },
    logLevel: 'error',
  });
  await s.listen();
  server = s;
}
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // tsx compiles the functions below with esbuild's keepNames, which calls a __name helper
  await page.addInitScript('window.__name = (f) => f;');
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; dur: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__longTasks.push({ start: e.startTime, dur: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`http://127.0.0.1:${PORT}/`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.waitForFunction(() => {
    const s = (window as unknown as { __shardlab?: Shardlab }).__shardlab?.store.getState();
    return s && !s.result.stale && s.result.run;
  });
  // the 24-layer model, no tactics, settled
  const loadMs = await page.evaluate(
    async ([model, mesh]) => {
      const sl = (window as unknown as { __shardlab: Shardlab }).__shardlab;
      const t0 = performance.now();
      sl.store.getState().load({
        version: 1,
        model: { kind: 'preset', spec: model },
        mesh,
        hardware: 'h100-80gb',
        topology: null,
        schedule: [],
        after: null,
        view: { expanded: [], selected: null, search: '' },
      });
      await new Promise<void>((resolve) => {
        const check = () => {
          const r = sl.store.getState().result;
          if (!r.stale && r.run) resolve();
          else setTimeout(check, 5);
        };
        check();
      });
      return performance.now() - t0;
    },
    [MODEL, MESH],
  );
  const ops = await page.evaluate(
    () =>
      (window as unknown as { __shardlab: Shardlab }).__shardlab.store.getState().result.run!.model
        .ops,
  );
  const steps = [
    { tactic: 'BP', axis: 'data' },
    { tactic: 'MP', axis: 'model' },
    { tactic: 'Z1', axis: 'data' },
  ];
  const times: number[] = [];
  const longest: number[] = [];
  // main-thread CPU time (not wall time): what the page itself spends, whatever the machine's load
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const threadTime = async () => {
    const { metrics } = (await cdp.send('Performance.getMetrics')) as {
      metrics: { name: string; value: number }[];
    };
    return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? 0) * 1000;
  };
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++)
    for (let k = 0; k < steps.length; k++) {
      const cpu0 = await threadTime();
      const out = await page.evaluate(
        async ([step, k]) => {
          const w = window as unknown as {
            __shardlab: Shardlab;
            __longTasks: { start: number; dur: number }[];
          };
          const st = w.__shardlab.store;
          if (k === 0) {
            st.getState().setSchedule([]);
            await new Promise<void>((res) => {
              const c = () => (st.getState().result.stale ? setTimeout(c, 5) : res());
              c();
            });
          }
          const summary = document.querySelector('[data-testid="summary"]')!;
          const seq = Number(summary.getAttribute('data-run'));
          const t0 = performance.now();
          const done = new Promise<number>((resolve) => {
            const mo = new MutationObserver(() => {
              const s = st.getState();
              if (Number(summary.getAttribute('data-run')) > seq && !s.result.stale) {
                mo.disconnect();
                requestAnimationFrame(() => resolve(performance.now()));
              }
            });
            mo.observe(summary, { attributes: true });
          });
          st.getState().dropTactic(step as { tactic: string; axis: string });
          const t1 = await done;
          // long tasks are reported after they end: give the observer a frame
          await new Promise((r) => setTimeout(r, 50));
          const during = w.__longTasks.filter((t) => t.start >= t0 && t.start <= t1);
          return { ms: t1 - t0, longest: Math.max(0, ...during.map((t) => t.dur)) };
        },
        [steps[k], k] as const,
      );
      const cpuMs = (await threadTime()) - cpu0;
      if (r > 0) {
        // the first round warms up the worker's caches and the JIT
        cpu.push(cpuMs);
        times.push(out.ms);
        longest.push(out.longest);
      }
    }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(
    `model ${MODEL} (${ops} ops), mesh ${MESH}, Chromium headless, ${prod ? 'production build' : 'dev server'}`,
  );
  console.log(
    `load 24-layer model → settled results: ${loadMs.toFixed(0)} ms (first build, no tactics)`,
  );
  console.log(
    `drop tactic → charts updated: median ${median.toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms over ${times.length} drops`,
  );
  const cpuSorted = [...cpu].sort((a, b) => a - b);
  console.log(
    `main-thread CPU time per drop (includes the 50 ms observer wait): median ${cpuSorted[Math.floor(cpu.length / 2)].toFixed(0)} ms, max ${cpuSorted[cpu.length - 1].toFixed(0)} ms`,
  );
  const byDrop = [...longest].sort((a, b) => a - b);
  console.log(
    `longest main-thread task per drop (0: none over 50 ms): median ${byDrop[Math.floor(byDrop.length / 2)].toFixed(0)} ms, max ${byDrop[byDrop.length - 1].toFixed(0)} ms`,
  );
} finally {
  await browser.close();
  await server.close();
}
