import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('bin/shardlab.mjs', () => {
  it('runs the TypeScript CLI through tsx as a real process', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      'bin/shardlab.mjs',
      'models',
      '--json',
    ]);
    const presets = JSON.parse(stdout) as { name: string; params: number }[];
    expect(presets.find((p) => p.name === 'gpt2-small')?.params).toBe(124_439_808);
  });

  it('exits with code 2 on a usage error', async () => {
    const run = promisify(execFile)(process.execPath, ['bin/shardlab.mjs', 'nope']);
    await expect(run).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unknown command 'nope'"),
    });
  });
});
