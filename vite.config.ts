import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The end-to-end tests' server (playwright.config.ts sets SHARDLAB_E2E) neither watches files nor
// reloads the page: an edit in the working tree must not reload a page in the middle of a test.
const e2e = !!process.env.SHARDLAB_E2E;

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    strictPort: false,
    host: '127.0.0.1',
    ...(e2e ? { hmr: false, watch: null } : {}),
  },
  preview: { port: 4173, host: '127.0.0.1' },
  worker: { format: 'es' },
});
