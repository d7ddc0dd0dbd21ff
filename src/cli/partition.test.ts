import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureIO } from './io.ts';
import { main } from './main.ts';

async function cli(...argv: string[]) {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

interface PartitionJson {
  collectives: {
    kind: string;
    axes: string[];
    shape: number[];
    dtype: string;
    scope: string;
    phase: string;
    tripCount?: number;
  }[];
  conflicts: { message: string }[];
}

const TINY = 'gpt:layers=2,d_model=32,heads=4,vocab=64,seq=16,batch=4';

describe('shardlab partition', () => {
  it('prints the Megatron all-reduces of MP as JSON: [batch, seq, d_model] in bf16 on the model axis', async () => {
    const r = await cli(
      'partition',
      '--model',
      TINY,
      '--mesh',
      'data=2,model=2',
      '--schedule',
      'MP(model)',
      '--json',
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as PartitionJson;
    const fwd = json.collectives.filter((c) => c.phase === 'forward');
    expect(fwd).toHaveLength(4); // two per layer
    for (const c of fwd)
      expect(c).toMatchObject({
        kind: 'all-reduce',
        axes: ['model'],
        shape: [4, 16, 32],
        dtype: 'bf16',
      });
    expect(json.conflicts).toEqual([]);
  });

  it('reports a collective inside a loop once, with its trip count', async () => {
    const r = await cli(
      'partition',
      '--model',
      `${TINY},accum=4`,
      '--mesh',
      'data=2',
      '--schedule',
      'BP(data),Z2(data)',
      '--json',
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as PartitionJson;
    expect(json.collectives.some((c) => c.tripCount === 4)).toBe(true);
    expect(json.collectives.every((c) => c.tripCount === undefined || c.tripCount === 4)).toBe(
      true,
    );
  });

  it('applies only the first K tactics with --after', async () => {
    const all = JSON.parse(
      (
        await cli(
          'partition',
          '-m',
          TINY,
          '--mesh',
          'data=2,model=2',
          '-s',
          'BP(data),MP(model)',
          '--json',
        )
      ).stdout,
    ) as PartitionJson;
    const first = JSON.parse(
      (
        await cli(
          'partition',
          '-m',
          TINY,
          '--mesh',
          'data=2,model=2',
          '-s',
          'BP(data),MP(model)',
          '--after',
          '1',
          '--json',
        )
      ).stdout,
    ) as PartitionJson;
    expect(all.collectives.some((c) => c.axes.includes('model'))).toBe(true);
    expect(first.collectives.some((c) => c.axes.includes('model'))).toBe(false);
  });

  it('takes a JSON schedule file and prints a table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardlab-'));
    const file = join(dir, 'strategy.json');
    writeFileSync(file, JSON.stringify({ version: 1, tactics: [{ tactic: 'BP', axis: 'data' }] }));
    const r = await cli('partition', '-m', TINY, '--mesh', 'data=2', '-s', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/schedule BP\(data\)/);
    expect(r.stdout).toMatch(/all-reduce\s+data/);
  });

  it('--print shows the per-device program with its collectives', async () => {
    const r = await cli(
      'partition',
      '-m',
      `${TINY},train=false`,
      '--mesh',
      'model=2',
      '-s',
      'MP(model)',
      '--print',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /all_reduce\(%\d+\) \{axes=\[model\], reduction=sum\} : bf16\[4,16,32\]/,
    );
  });

  it('names the culprit of a bad mesh, schedule, tactic or --after', async () => {
    const bad = async (...args: string[]) => {
      const r = await cli('partition', '-m', TINY, ...args);
      expect(r.code).toBe(2);
      return r.stderr;
    };
    expect(await bad('--mesh', 'data=2,data=2', '-s', 'BP(data)')).toMatch(
      /--mesh: mesh axis 'data' appears twice/,
    );
    expect(await bad('--mesh', 'data=2', '-s', 'BP(data')).toMatch(
      /--schedule: schedule: .* at column 8/,
    );
    expect(await bad('--mesh', 'data=2', '-s', 'MP(model)')).toMatch(
      /unknown mesh axis 'model'; the mesh has data=2/,
    );
    expect(await bad('--mesh', 'data=3', '-s', 'BP(data)')).toMatch(
      /does not divide into 3 shards/,
    );
    expect(await bad('--mesh', 'data=2', '-s', 'BP(data)', '--after', '5')).toMatch(
      /--after 5: expected a whole number from 0 to 1/,
    );
    expect(await bad('--mesh', 'data=2', '-s', 'missing.json')).toMatch(
      /no such file 'missing.json'/,
    );
  });
});
