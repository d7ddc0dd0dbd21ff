import type { InputRole, Program, Value, ValueId, ValueKind } from '../ir/program.ts';

/**
 * Which values a tactic acts on, kept apart from model code: regular expressions on the value's
 * name and scope, and sets of roles (program inputs) and kinds. All given criteria must hold.
 */
export interface Selector {
  readonly name?: string;
  readonly scope?: string;
  readonly role?: readonly InputRole[];
  readonly kind?: readonly ValueKind[];
}

export class SelectorError extends Error {}

export function compileRegex(source: string, what: string): RegExp {
  try {
    return new RegExp(source);
  } catch (e) {
    throw new SelectorError(
      `${what} /${source}/ is not a valid regular expression: ${(e as Error).message}`,
    );
  }
}

/** A predicate over values; throws SelectorError for a bad regular expression. */
export function selectorPredicate(s: Selector): (v: Value) => boolean {
  const name = s.name !== undefined ? compileRegex(s.name, 'name pattern') : undefined;
  const scope = s.scope !== undefined ? compileRegex(s.scope, 'scope pattern') : undefined;
  return (v) =>
    (!name || name.test(v.name)) &&
    (!scope || scope.test(v.scope)) &&
    (!s.role || (v.role !== undefined && s.role.includes(v.role))) &&
    (!s.kind || s.kind.includes(v.kind));
}

/** Program inputs matching the selector (names are only meaningful on inputs and named values). */
export function selectInputs(p: Program, s: Selector): ValueId[] {
  const pred = selectorPredicate(s);
  return p.main.params.filter((id) => pred(p.values[id]));
}

/** Any value of the program matching the selector. */
export function selectValues(p: Program, s: Selector): ValueId[] {
  const pred = selectorPredicate(s);
  const out: ValueId[] = [];
  for (const v of p.values) if (pred(v)) out.push(v.id);
  return out;
}

export function selectorToString(s: Selector): string {
  const parts: string[] = [];
  if (s.name !== undefined) parts.push(`name~/${s.name}/`);
  if (s.scope !== undefined) parts.push(`scope~/${s.scope}/`);
  if (s.role) parts.push(`role=${s.role.join('|')}`);
  if (s.kind) parts.push(`kind=${s.kind.join('|')}`);
  return parts.join(' ') || 'everything';
}
