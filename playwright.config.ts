import { defineConfig } from '@playwright/test';

// The end-to-end tests run in Debian's Chromium (scripts/ensure-chromium.mjs installs it);
// Playwright's own browser downloads are never used.
// PW_PORT lets two test runs (e.g. two developers' sessions) use their own dev servers.
const PORT = Number(process.env.PW_PORT ?? 5179);
const BASE_URL = `http://127.0.0.1:${PORT}`;

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: process.env.CI ? 1 : undefined,
  reporter: process.env.CI ? 'line' : 'list',
  timeout: 60_000,
  use: {
    baseURL: BASE_URL,
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-quic',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
  // The Vite dev server on a port of its own, so a running `npm start` (5173) never collides.
  webServer: {
    command: `npx vite --host 127.0.0.1 --port ${PORT} --strictPort`,
    env: { SHARDLAB_E2E: '1' },
    url: BASE_URL,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
