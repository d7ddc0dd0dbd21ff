#!/usr/bin/env node
// Makes sure Debian's Chromium is at /usr/bin/chromium for the Playwright tests
// (playwright.config.ts points there; Playwright's own browser downloads are not used).
// As root (CI) it installs the `chromium` package without prompting; otherwise it says how.
import { existsSync } from 'node:fs';
import { aptInstall } from './lib/system.mjs';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const why = `ensure-chromium: ${CHROMIUM} is missing; the end-to-end tests run in Debian's Chromium.`;
  if (!aptInstall(['chromium'], why) || !existsSync(CHROMIUM)) {
    console.error(`ensure-chromium: ${CHROMIUM} is still missing.`);
    process.exit(1);
  }
  console.log(`ensure-chromium: installed ${CHROMIUM}.`);
}
