import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.ts';
import { UsageError } from './errors.ts';

const spec = {
  model: { type: 'string', short: 'm', valueName: 'SPEC', description: 'model', required: true },
  json: { type: 'boolean', description: 'json' },
} as const;

describe('parseArgs', () => {
  it('reads --name value, --name=value, -n value and flags', () => {
    expect(parseArgs(['--model', 'a', '--json'], spec).options).toEqual({ model: 'a', json: true });
    expect(parseArgs(['--model=a:b=1,c=2'], spec).options).toEqual({
      model: 'a:b=1,c=2',
      json: false,
    });
    expect(parseArgs(['-m', 'a'], spec).options.model).toBe('a');
  });

  it('sees --help before checking anything else', () => {
    expect(parseArgs(['--bogus', '-h'], spec).help).toBe(true);
    expect(
      parseArgs(['-m', 'a', '--', '-h'], spec, [{ name: 'file', description: 'f' }]).help,
    ).toBe(false);
  });

  it('names the culprit of each usage error', () => {
    const err = (argv: string[]) => {
      try {
        parseArgs(argv, spec);
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('expected a UsageError');
    };
    expect(err(['--model'])).toBe('option --model needs a value: --model SPEC');
    expect(err(['--model', 'a', '--model', 'b'])).toBe('option --model is given more than once');
    expect(err(['--model', 'a', '--json=yes'])).toBe(
      "option --json takes no value (got '--json=yes')",
    );
    expect(err(['--json'])).toBe('missing option --model SPEC');
    expect(err(['--modle', 'a'])).toBe("unknown option '--modle' (did you mean --model?)");
    expect(err(['--model', 'a', 'extra'])).toBe(
      "unexpected argument 'extra' (this command takes only options)",
    );
  });

  it('treats everything after -- as positional', () => {
    const r = parseArgs(['--model', 'a', '--', '--json'], spec, [
      { name: 'file', description: 'f' },
    ]);
    expect(r.positionals).toEqual(['--json']);
    expect(r.options.json).toBe(false);
  });
});
