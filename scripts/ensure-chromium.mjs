#!/usr/bin/env node
// Makes sure Debian's Chromium is at /usr/bin/chromium for the Playwright tests
// (playwright.config.ts points there; Playwright's own browser downloads are not used).
// As root (CI) it installs the `chromium` package without prompting; otherwise it says how.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = '/usr/bin/chromium';

function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

if (existsSync(CHROMIUM)) process.exit(0);

const root = process.getuid?.() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!root || !hasApt) {
  console.error(
    `ensure-chromium: ${CHROMIUM} is missing. The end-to-end tests run in Debian's Chromium.\n` +
      (hasApt
        ? '  Install it with: sudo apt-get update && sudo apt-get install -y chromium'
        : '  Install Chromium so that it is at /usr/bin/chromium (on Debian/Ubuntu: apt-get install chromium).'),
  );
  process.exit(1);
}

console.log(`ensure-chromium: ${CHROMIUM} is missing; installing Debian's chromium package.`);
if (
  run('apt-get', ['update']) !== 0 ||
  run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']) !== 0
) {
  console.error('ensure-chromium: apt-get failed; see its output above.');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(
    `ensure-chromium: the chromium package installed, but ${CHROMIUM} is still missing.`,
  );
  process.exit(1);
}
console.log(`ensure-chromium: installed ${CHROMIUM}.`);
