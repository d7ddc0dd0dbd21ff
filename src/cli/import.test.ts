import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

describe('shardlab import', () => {
  it('--json gives ops, params, functions, inputs with roles and the shardings in the file', async () => {
    const r = await cli('import', fixturePath('mlp_sdy'), '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.ops).toBe(16);
    expect(j.params).toBe(272);
    expect(j.functions).toBe(2);
    expect(j.inputs.map((i: { path: string; role: string }) => `${i.path}:${i.role}`)).toEqual([
      "params['mlp']['bi']:param",
      "params['mlp']['wi']:param",
      "params['mlp']['wo']:param",
      'x:data',
      'y:data',
    ]);
    expect(j.mesh).toEqual({
      axes: [
        { name: 'data', size: 4 },
        { name: 'model', size: 2 },
      ],
    });
    expect(j.shardings.map((s: { name: string; spec: string[][] }) => [s.name, s.spec])).toEqual([
      ['params/mlp/bi', [['model']]],
      ['params/mlp/wi', [[], ['model']]],
      ['params/mlp/wo', [['model'], []]],
      ['x', [['data'], []]],
      ['y', [['data'], []]],
      ['sharding_constraint_0', [['data'], ['model']]],
    ]);
    expect(j.schedule).toBe(
      'tile("^params/mlp/bi$", 0, model),tile("^params/mlp/wi$", 1, model),tile("^params/mlp/wo$", 0, model),' +
        'tile("^x$", 0, data),tile("^y$", 0, data),tile("^sharding_constraint_0$", 0, data),tile("^sharding_constraint_0$", 1, model)',
    );
  });

  it('reads GSPMD strings against --mesh to the same specs as the Shardy file', async () => {
    const sdy = JSON.parse((await cli('import', fixturePath('mlp_sdy'), '--json')).stdout);
    const r = await cli('import', fixturePath('mlp_gspmd'), '--mesh', 'data=4,model=2', '--json');
    const j = JSON.parse(r.stdout);
    expect(j.schedule).toBe(sdy.schedule);
  });

  it('a malformed file fails with FILE:LINE:COL and the reason, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardlab-import-'));
    const file = join(dir, 'bad.mlir');
    writeFileSync(
      file,
      'module @m {\n  func.func public @main(%a: tensor<4xf32>) -> tensor<4xf32> {\n    return %b : tensor<4xf32>\n  }\n}\n',
    );
    const r = await cli('import', file);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `shardlab import: ${file}:3:5: use of undefined value %b (expected a value defined before its use)`,
    );
  });
});

describe('pipeline commands take --model FILE.mlir', () => {
  it('partition on an imported training step lists the collectives of BP as JSON', async () => {
    const r = await cli(
      'partition',
      '--model',
      fixturePath('mlp_train'),
      '--mesh',
      'data=2',
      '--schedule',
      'BP(data)',
      '--json',
    );
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout);
    // data parallelism: each parameter gradient (wi, bi, wo) and the loss are all-reduced
    const kinds = j.collectives.map((c: { kind: string }) => c.kind);
    expect(kinds.every((k: string) => k === 'all-reduce')).toBe(true);
    expect(kinds.length).toBe(4);
  });

  it('a missing model file is a usage error naming it; .stablehlo and .txt files are read too', async () => {
    const r = await cli('show', '--model', 'nope/train_step.mlir');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--model: no such file 'nope/train_step.mlir'");
    const dir = mkdtempSync(join(tmpdir(), 'shardlab-import-'));
    for (const ext of ['stablehlo', 'txt']) {
      const file = join(dir, `mlp.${ext}`);
      writeFileSync(file, readFileSync(fixturePath('mlp_train'), 'utf8'));
      expect(JSON.parse((await cli('show', '--model', file, '--json')).stdout).params).toBe(272);
    }
  });

  it('show and simulate accept the file too', async () => {
    const show = JSON.parse(
      (await cli('show', '--model', fixturePath('cnn_train'), '--json')).stdout,
    );
    expect(show.params).toBe(232);
    const sim = await cli(
      'simulate',
      '--model',
      fixturePath('moe_train'),
      '--mesh',
      'data=2',
      '--schedule',
      'BP(data)',
      '--json',
    );
    expect(sim.code).toBe(0);
    expect(JSON.parse(sim.stdout).peakMemoryBytes).toBeGreaterThan(0);
  });
});
