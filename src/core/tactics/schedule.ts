import { z } from 'zod';
import { NAMED_TACTICS, TacticError, tacticToString, type Tactic } from './tactic.ts';

const selectorSchema = z
  .object({
    name: z.string().optional(),
    scope: z.string().optional(),
    role: z.array(z.enum(['data', 'param', 'optState'])).optional(),
    kind: z.array(z.enum(['input', 'activation', 'gradient', 'update'])).optional(),
  })
  .strict();

const axis = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an axis name');

export const tacticSchema = z.discriminatedUnion('tactic', [
  z
    .object({
      tactic: z.enum(NAMED_TACTICS),
      axis,
      scope: z.string().optional(),
      enabled: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      tactic: z.literal('tile'),
      axis,
      dim: z.number().int().nonnegative(),
      select: selectorSchema,
      enabled: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      tactic: z.literal('replicate'),
      axis,
      select: selectorSchema,
      enabled: z.boolean().optional(),
    })
    .strict(),
]);

/** A schedule as JSON: `{"version": 1, "tactics": [...]}` or a bare array of tactics. */
const tacticsSchema = z.array(tacticSchema).max(256);
export const scheduleSchema = z.object({ version: z.literal(1), tactics: tacticsSchema }).strict();

export function scheduleFromJson(json: unknown): Tactic[] {
  // a bare array is accepted too; each shape is checked on its own so errors point at a field
  const r = Array.isArray(json) ? tacticsSchema.safeParse(json) : scheduleSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new TacticError(
      `invalid schedule JSON at ${issue.path.join('.') || '(top)'}: ${issue.message}`,
    );
  }
  return (Array.isArray(r.data) ? r.data : r.data.tactics) as Tactic[];
}

export function scheduleToJson(s: readonly Tactic[]): { version: 1; tactics: Tactic[] } {
  return { version: 1, tactics: [...s] };
}

export function scheduleToString(s: readonly Tactic[]): string {
  return s
    .map((t) => (t.enabled === false ? `!${tacticToString(t)}` : tacticToString(t)))
    .join(',');
}

type Arg = { key?: string; value: string | number; quoted: boolean };

/**
 * Parses the short form: `BP(data),MP(model),Z3(data)`, `MP(model, scope="layers/[0-3]/")`,
 * `tile("layers/\\d+/attn/wq$", 1, model)`, `replicate("embed/", model, role=param)`; a leading
 * `!` disables a step. Errors give the column.
 */
export function parseSchedule(text: string): Tactic[] {
  const out: Tactic[] = [];
  let i = 0;
  const fail = (msg: string): never => {
    throw new TacticError(`schedule: ${msg} at column ${i + 1} of '${text}'`);
  };
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const ident = () => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const value = (): Arg => {
    ws();
    if (text[i] === '"') {
      let j = i + 1;
      let s = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\' && j + 1 < text.length) {
          s += text[j + 1] === '"' ? '"' : text[j] + text[j + 1];
          j += 2;
        } else s += text[j++];
      }
      if (j >= text.length) fail('unterminated string');
      i = j + 1;
      return { value: s, quoted: true };
    }
    const m = /^[^,()=\s]+/.exec(text.slice(i));
    if (!m) fail('expected a value');
    i += m![0].length;
    return /^\d+$/.test(m![0])
      ? { value: Number(m![0]), quoted: false }
      : { value: m![0], quoted: false };
  };
  ws();
  while (i < text.length) {
    let enabled = true;
    if (text[i] === '!') {
      enabled = false;
      i++;
      ws();
    }
    const start = i;
    const name = ident();
    ws();
    if (text[i] !== '(') fail(`expected '(' after ${name}`);
    i++;
    const args: Arg[] = [];
    ws();
    while (text[i] !== ')') {
      const save = i;
      const first = value();
      ws();
      if (text[i] === '=' && !first.quoted) {
        i++;
        args.push({ ...value(), key: String(first.value) });
      } else {
        i = save;
        args.push(value());
      }
      ws();
      if (text[i] === ',') i++;
      else if (text[i] !== ')') fail("expected ',' or ')'");
      ws();
    }
    i++;
    out.push(buildTactic(name, args, enabled, text.slice(start, i)));
    ws();
    if (i < text.length) {
      if (text[i] !== ',') fail("expected ',' between tactics");
      i++;
      ws();
    }
  }
  return out;
}

function buildTactic(name: string, args: Arg[], enabled: boolean, src: string): Tactic {
  const pos = args.filter((a) => a.key === undefined);
  const kw = new Map(args.filter((a) => a.key !== undefined).map((a) => [a.key!, String(a.value)]));
  const bad = (msg: string): never => {
    throw new TacticError(`schedule: ${src}: ${msg}`);
  };
  const en = enabled ? {} : { enabled: false };
  const selectorExtras = () => ({
    ...(kw.has('scope') ? { scope: kw.get('scope')! } : {}),
    ...(kw.has('role')
      ? { role: kw.get('role')!.split('|') as ('data' | 'param' | 'optState')[] }
      : {}),
    ...(kw.has('kind')
      ? { kind: kw.get('kind')!.split('|') as ('input' | 'activation' | 'gradient' | 'update')[] }
      : {}),
  });
  let t: unknown;
  if ((NAMED_TACTICS as readonly string[]).includes(name)) {
    if (pos.length !== 1) bad(`${name} takes one mesh axis, e.g. ${name}(data)`);
    t = {
      tactic: name,
      axis: String(pos[0].value),
      ...(kw.has('scope') ? { scope: kw.get('scope') } : {}),
      ...en,
    };
  } else if (name === 'tile') {
    if (pos.length !== 3 || typeof pos[1].value !== 'number')
      bad('tile takes (name pattern, dim, axis), e.g. tile("attn/wq$", 1, model)');
    t = {
      tactic: 'tile',
      axis: String(pos[2].value),
      dim: pos[1].value,
      select: { name: String(pos[0].value), ...selectorExtras() },
      ...en,
    };
  } else if (name === 'replicate') {
    if (pos.length !== 2)
      bad('replicate takes (name pattern, axis), e.g. replicate("embed/", model)');
    t = {
      tactic: 'replicate',
      axis: String(pos[1].value),
      select: { name: String(pos[0].value), ...selectorExtras() },
      ...en,
    };
  } else {
    bad(`unknown tactic '${name}'; known: ${[...NAMED_TACTICS, 'tile', 'replicate'].join(', ')}`);
  }
  const r = tacticSchema.safeParse(t);
  if (!r.success) bad(r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; '));
  return r.data as Tactic;
}
