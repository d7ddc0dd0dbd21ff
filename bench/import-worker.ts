// `npx tsx bench/import-worker.ts [--runs N]`: StableHLO import timed inside a Web Worker in
// Debian's Chromium (where the workbench imports files), beside `npm run bench -- import`, which
// times it in Node. The same modules: a real JAX fixture, and zoo training steps printed by the
// exporter at about 500 KB and 46 MB. A module worker on the Vite dev server imports the
// importer; each text is posted once, then imported N times (after one warm-up). Nothing is
// asserted: figures for docs/benchmarks.md. Targets: 500 KB < 200 ms, 50 MB < 10 s.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import { programToStableHlo } from '../src/core/io/export/stablehlo.ts';
import { buildModel, parseModelSpec } from '../src/core/models/index.ts';

const argv = process.argv.slice(2);
const runsAt = argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
const PORT = 5192;

const exported = (spec: string) => programToStableHlo(buildModel(parseModelSpec(spec)));
const CASES: [string, string, number][] = [
  [
    'JAX transformer + Adam step (fixture)',
    readFileSync(
      fileURLToPath(new URL('../src/core/io/fixtures/transformer_adam.mlir', import.meta.url)),
      'utf8',
    ),
    runs * 4,
  ],
  [
    'gpt 5 layers, exported',
    exported('gpt:layers=5,d_model=32,heads=4,ffn=64,seq=8,vocab=50,batch=2'),
    runs * 2,
  ],
  [
    'gpt 480 layers, exported',
    exported('gpt:layers=480,d_model=32,heads=4,ffn=64,seq=8,vocab=50,batch=2'),
    Math.max(1, Math.ceil(runs / 2)),
  ],
];

// the worker: import the importer from the dev server, then time each posted text
const WORKER = `
const { importStableHlo } = await import('http://127.0.0.1:${PORT}/src/core/io/stablehlo/import.ts');
onmessage = ({ data: { text, runs } }) => {
  importStableHlo(text); // warm-up
  const times = [];
  let ops = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    ops = importStableHlo(text).report.ops;
    times.push(performance.now() - t0);
  }
  postMessage({ times, ops });
};
postMessage('ready');
`;

const server = await createServer({
  server: { port: PORT, strictPort: true, host: '127.0.0.1' },
  logLevel: 'error',
});
await server.listen();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  // a static file of the dev server: its origin, without the app (which may navigate)
  await page.goto(`http://127.0.0.1:${PORT}/favicon.svg`);
  await page.evaluate((code) => {
    const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })), {
      type: 'module',
    });
    (window as unknown as { __importWorker: Worker }).__importWorker = w;
    return new Promise<void>((resolve) => (w.onmessage = () => resolve()));
  }, WORKER);
  console.log(`Chromium ${browser.version()}, module worker on the Vite dev server`);
  for (const [name, text, n] of CASES) {
    const r = await page.evaluate(
      ({ text, runs }) => {
        const w = (window as unknown as { __importWorker: Worker }).__importWorker;
        return new Promise<{ times: number[]; ops: number }>((resolve) => {
          w.onmessage = (e) => resolve(e.data);
          w.postMessage({ text, runs });
        });
      },
      { text, runs: n },
    );
    const sorted = [...r.times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    const kb = Math.round(text.length / 1024).toLocaleString('en');
    console.log(
      `${name} (${kb} KB, ${r.ops.toLocaleString('en')} ops): median ${median.toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms over ${n} runs`,
    );
  }
} finally {
  await browser.close();
  await server.close();
}
