import { describe, expect, it } from 'vitest';
import { captureIO } from './io.ts';
import { main } from './main.ts';

/** Runs the CLI in-process and returns its exit code and output. */
async function cli(...argv: string[]) {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

interface PresetJson {
  name: string;
  family: string;
  params: number;
  publishedParams: number | string;
  description: string;
}

interface ShowJson {
  params: number;
  ops: number;
  flops: number;
  tokensPerStep: number;
  training: boolean;
  flopsByPhase: { forward: number; backward: number; optimizer: number };
}

// Parameter counts worked out from the published hyper-parameters (docs: shared model-configs
// reference), independent of the zoo's code.
const KNOWN_PARAMS: Record<string, number> = {
  'gpt2-small': 124_439_808,
  'llama2-7b': 6_738_415_616,
  'gpt3-175b': 174_604_259_328,
};

describe('shardlab models', () => {
  it('prints a table of presets with parameter counts', async () => {
    const r = await cli('models');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const header = r.stdout.split('\n')[0];
    expect(header).toMatch(/^name\s+family\s+params\s+published\s+description$/);
    const gpt2 = r.stdout.split('\n').find((l) => l.startsWith('gpt2-small '));
    expect(gpt2).toMatch(/\s124\.4M\s/);
    expect(r.stdout).toMatch(/^gpt3-175b\s.*\s174\.6B\s/m);
  });

  it('prints JSON with exact parameter counts that match the published architectures', async () => {
    const r = await cli('models', '--json');
    expect(r.code).toBe(0);
    const presets = JSON.parse(r.stdout) as PresetJson[];
    for (const p of presets) {
      expect(Object.keys(p).sort()).toEqual([
        'description',
        'family',
        'name',
        'params',
        'publishedParams',
      ]);
    }
    for (const [name, params] of Object.entries(KNOWN_PARAMS)) {
      expect(presets.find((p) => p.name === name)?.params, name).toBe(params);
    }
    const gpt2 = presets.find((p) => p.name === 'gpt2-small')!;
    expect(Math.abs(gpt2.params / 124e6 - 1)).toBeLessThan(0.01);
  });
});

describe('shardlab show', () => {
  it('prints the statistics of a preset', async () => {
    const r = await cli('show', '--model', 'gpt2-small');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gpt2-small/);
    expect(r.stdout).toMatch(/parameters\s+124\.4M \(124,439,808\)/);
    for (const label of [
      'ops',
      'FLOPs per step',
      'tokens per step',
      'parameter bytes',
      'FLOPs backward',
    ]) {
      expect(r.stdout).toContain(label);
    }
  });

  it('prints JSON whose FLOPs are about 2 × params × tokens per forward pass', async () => {
    const r = await cli('show', '-m', 'gpt2-small', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as ShowJson;
    expect(s.params).toBe(KNOWN_PARAMS['gpt2-small']);
    expect(Number.isInteger(s.ops) && s.ops > 0).toBe(true);
    const { forward, backward, optimizer } = s.flopsByPhase;
    expect(forward + backward + optimizer).toBeCloseTo(s.flops, -3);
    // A matmul does 2 FLOPs per parameter per token (the tied embedding's included, as logits);
    // attention scores and the elementwise ops add a little. Backward doubles it, for 6 in all.
    const perParamToken = s.training ? 6 : 2;
    const ratio = s.flops / (perParamToken * s.params * s.tokensPerStep);
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1.3);
  });

  it('accepts overrides in the spec', async () => {
    const base = JSON.parse((await cli('show', '--model', 'gpt2-small', '--json')).stdout);
    const r = await cli('show', '--model=gpt2-small:batch=1', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.params).toBe(base.params);
    expect(s.tokensPerStep).toBe(1024);
  });

  it('prints the program text with --print', async () => {
    const r = await cli('show', '--model', 'gpt2-small:layers=1', '--print');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^program /);
    expect(r.stdout).toContain('func @main(');
    expect(r.stdout).toContain('parameters');
  });

  it("reports a bad spec with the zoo's message and exit code 2, without a stack trace", async () => {
    const r = await cli('show', '--model', 'gpt2-small:bogus=3');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('bogus');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports an unknown preset with exit code 2', async () => {
    const r = await cli('show', '--model', 'gpt5-huge');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gpt5-huge');
  });

  it('requires --model', async () => {
    const r = await cli('show');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing option --model SPEC');
    expect(r.stderr).toContain('shardlab show --help');
  });
});

describe('shardlab (dispatch)', () => {
  it('lists the commands for --help', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: shardlab <command>/);
    expect(r.stdout).toMatch(/^\s+models\s/m);
    expect(r.stdout).toMatch(/^\s+show\s/m);
  });

  it('prints usage to stderr with exit code 2 when no command is given', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Usage:/);
  });

  it('prints per-command help for --help and for help <command>', async () => {
    const a = await cli('show', '--help');
    const b = await cli('help', 'show');
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^Usage: shardlab show --model SPEC \[--print\] \[--json\]/);
    expect(a.stdout).toContain('-m, --model SPEC');
    expect(b.stdout).toBe(a.stdout);
  });

  it('rejects an unknown command with exit code 2 and a suggestion', async () => {
    const r = await cli('shwo');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown command 'shwo' (did you mean 'show'?)");
  });

  it('rejects an unknown option with exit code 2 and a suggestion', async () => {
    const r = await cli('models', '--jsno');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--jsno' (did you mean --json?)");
  });
});
