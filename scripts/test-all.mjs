#!/usr/bin/env node
// `npm test`: every suite in order, stopping at the first failure, then one summary line.
// Each suite is an npm script, so `npm run <script>` reruns one on its own.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const suites = [
  { name: 'typecheck', script: 'typecheck' },
  { name: 'lint', script: 'lint' },
  { name: 'unit', script: 'test:unit' },
  { name: 'e2e', script: 'test:e2e' },
  {
    name: 'python',
    script: 'test:py',
    when: () => existsSync('python/tests'),
    why: 'no python/tests',
  },
];

const results = [];
for (const suite of suites) {
  if (suite.when && !suite.when()) {
    results.push({ ...suite, status: 'skipped', note: suite.why });
    continue;
  }
  if (results.some((r) => r.status === 'failed')) {
    results.push({ ...suite, status: 'not run' });
    continue;
  }
  console.log(`\n=== ${suite.name}: npm run ${suite.script}\n`);
  const start = performance.now();
  const r = spawnSync('npm', ['run', '--silent', suite.script], { stdio: 'inherit' });
  const seconds = (performance.now() - start) / 1000;
  const status = r.status === 0 ? 'passed' : 'failed';
  const note = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
  results.push({ ...suite, status, note: status === 'failed' ? note : undefined, seconds });
}

console.log('\n=== summary');
for (const r of results) {
  const time = r.seconds === undefined ? '' : ` in ${r.seconds.toFixed(1)} s`;
  console.log(`  ${r.status.padEnd(8)} ${r.name}${time}${r.note ? ` (${r.note})` : ''}`);
}
const count = (s) => results.filter((r) => r.status === s).length;
const extra = ['skipped', 'not run']
  .filter(count)
  .map((s) => `, ${count(s)} ${s}`)
  .join('');
console.log(`${count('passed')} passed, ${count('failed')} failed${extra}`);
process.exit(count('failed') ? 1 : 0);
