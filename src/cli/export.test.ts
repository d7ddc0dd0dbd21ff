import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../core/io/stablehlo/fixtures.test-util.ts';
import { captureIO } from './io.ts';
import { main } from './main.ts';

async function cli(...argv: string[]) {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

const BASE = [
  'export',
  '--model',
  fixturePath('transformer_adam'),
  '--mesh',
  'data=2,model=2',
  '--schedule',
];

describe('shardlab export', () => {
  it('--format strategy prints the version-1 strategy JSON with every input in flattened order', async () => {
    const r = await cli(...BASE, 'BP(data),MP(model)', '--format', 'strategy');
    expect(r.stderr).toBe('');
    const s = JSON.parse(r.stdout);
    expect(Object.keys(s)).toEqual([
      'version',
      'mesh',
      'inputs',
      'outputs',
      'constraints',
      'schedule',
    ]);
    expect(s.inputs.length).toBe(30);
    expect(s.inputs.map((i: { index: number }) => i.index)).toEqual([...Array(30).keys()]);
    const wq = s.inputs.find(
      (i: { name: string }) => i.name === "params['layers_0']['attn']['wq']",
    );
    expect(wq.spec).toEqual([[], ['model']]);
    const tok = s.inputs.find((i: { name: string }) => i.name === 'tok');
    expect(tok.spec).toEqual([['data'], []]);
  });

  it('--format jax --out writes the snippet to a file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'shardlab-export-')), 'strategy.py');
    const r = await cli(...BASE, 'BP(data),Z3(model)', '--format', 'jax', '--out', out);
    expect(r.code).toBe(0);
    const py = readFileSync(out, 'utf8');
    expect(py).toContain('from jax.sharding import NamedSharding, PartitionSpec as P');
    expect(py).toContain(`"params['embed']": P(`);
  });

  it('--format stablehlo --gspmd writes Shardy and GSPMD annotations', async () => {
    const r = await cli(...BASE, 'BP(data)', '--format', 'stablehlo', '--gspmd');
    expect(r.stdout).toContain('sdy.mesh @mesh = <["data"=2, "model"=2]>');
    expect(r.stdout).toContain('mhlo.sharding = "{devices=[2,1,2]<=[4] last_tile_dim_replicate}"');
  });

  it('an unknown format is a usage error', async () => {
    const r = await cli(...BASE, 'BP(data)', '--format', 'onnx');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--format: 'onnx' is not one of strategy, jax, stablehlo");
  });
});
