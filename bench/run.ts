// `npm run bench [-- NAME...] [-- --runs N]`: runs bench/NAME.bench.ts (every one by default) and
// prints, per case, the median and minimum wall time in ms over N runs after one warm-up.
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measure, type Bench } from './bench.ts';
import { formatTable } from '../src/cli/format.ts';

const dir = dirname(fileURLToPath(import.meta.url));

function usage(message: string): never {
  console.error(`bench: ${message}\nUsage: npm run bench -- [NAME...] [--runs N]`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let runs: number | undefined;
const names: string[] = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') {
    runs = Number(argv[++i]);
    if (!Number.isInteger(runs) || runs < 1) usage(`--runs needs a positive integer`);
  } else if (argv[i].startsWith('-')) usage(`unknown option '${argv[i]}'`);
  else names.push(argv[i]);
}

const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => basename(f, '.bench.ts'))
  .sort();
for (const n of names) {
  if (!available.includes(n)) usage(`no bench/${n}.bench.ts (have: ${available.join(', ')})`);
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
for (const name of names.length ? names : available) {
  const mod = (await import(pathToFileURL(join(dir, `${name}.bench.ts`)).href)) as {
    default: readonly Bench[];
  };
  const results = mod.default.map((b) => measure(b, runs));
  console.log(`\n${name}`);
  console.log(
    formatTable(results, [
      { header: 'case', value: (r) => r.name },
      { header: 'runs', value: (r) => String(r.runs), align: 'right' },
      { header: 'median ms', value: (r) => r.medianMs.toFixed(1), align: 'right' },
      { header: 'min ms', value: (r) => r.minMs.toFixed(1), align: 'right' },
      { header: 'notes', value: (r) => r.notes },
    ]),
  );
}
