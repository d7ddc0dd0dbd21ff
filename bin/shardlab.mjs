#!/usr/bin/env node
// The `shardlab` executable: runs the TypeScript CLI (src/cli/main.ts) through tsx, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');

// `shardlab show --print | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = await main(process.argv.slice(2));
