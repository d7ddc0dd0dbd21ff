/**
 * Named, documented model options: each family declares a table of OptionDefs (name, type,
 * default, doc, allowed values, range) and the spec parser, the CLI help and the UI read it.
 */

/** A bad model spec: the message says which part was wrong and what would have been accepted. */
export class ModelSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSpecError';
  }
}

export type OptionValue = number | boolean | string | readonly number[];

/** int: a whole number; float: any number; bool: true|false; enum: one of `allowed`;
 *  ints: a '/'-separated list of whole numbers such as `1/2/2/2`. */
export type OptionType = 'int' | 'float' | 'bool' | 'enum' | 'ints';

export interface OptionDef {
  readonly name: string;
  readonly type: OptionType;
  readonly default: OptionValue;
  readonly doc: string;
  /** The values an enum accepts. */
  readonly allowed?: readonly string[];
  /** Inclusive bounds for numbers (for `ints`, for every element). */
  readonly min?: number;
  readonly max?: number;
}

export type Options = Readonly<Record<string, OptionValue>>;

const INT = /^[0-9]+$/;
const FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

function checkRange(def: OptionDef, n: number, raw: string): void {
  if (def.min !== undefined && n < def.min)
    throw new ModelSpecError(`${def.name}=${raw} is out of range: must be at least ${def.min}`);
  if (def.max !== undefined && n > def.max)
    throw new ModelSpecError(`${def.name}=${raw} is out of range: must be at most ${def.max}`);
}

/** Parses one option's text value, or throws a ModelSpecError naming the key and what it expected. */
export function parseOptionValue(def: OptionDef, raw: string): OptionValue {
  const bad = (what: string) =>
    new ModelSpecError(`${def.name}=${raw} does not parse: expected ${what}`);
  switch (def.type) {
    case 'int': {
      if (!INT.test(raw)) throw bad('a whole number');
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) throw bad('a whole number below 2^53');
      checkRange(def, n, raw);
      return n;
    }
    case 'float': {
      if (!FLOAT.test(raw)) throw bad('a number');
      const n = Number(raw);
      checkRange(def, n, raw);
      return n;
    }
    case 'bool':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw bad('true or false');
    case 'enum':
      if (!def.allowed?.includes(raw)) throw bad(`one of ${def.allowed?.join('|')}`);
      return raw;
    case 'ints': {
      const parts = raw.split('/');
      if (!parts.every((p) => INT.test(p)))
        throw bad("whole numbers separated by '/', e.g. 1/2/2/2");
      const ns = parts.map(Number);
      for (const n of ns) checkRange(def, n, raw);
      return ns;
    }
  }
}

/** The text form of a value, the inverse of parseOptionValue. */
export function formatOptionValue(v: OptionValue): string {
  return Array.isArray(v) ? v.join('/') : String(v);
}

/** The defaults of a table as an options record. */
export function optionDefaults(defs: readonly OptionDef[]): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const d of defs) out[d.name] = d.default;
  return out;
}

// ---- typed readers (the table guarantees the type; these keep model code free of casts) ----

export function optInt(o: Options, name: string): number {
  const v = o[name];
  if (typeof v !== 'number') throw new ModelSpecError(`option ${name} is missing or not a number`);
  return v;
}

/** A number option, whole or not (floats such as eps, rope_theta, capacity_factor). */
export function optNum(o: Options, name: string): number {
  return optInt(o, name);
}

export function optBool(o: Options, name: string): boolean {
  const v = o[name];
  if (typeof v !== 'boolean')
    throw new ModelSpecError(`option ${name} is missing or not true|false`);
  return v;
}

export function optEnum<T extends string>(o: Options, name: string, allowed: readonly T[]): T {
  const v = o[name];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new ModelSpecError(`option ${name} must be one of ${allowed.join('|')}`);
  return v as T;
}

export function optInts(o: Options, name: string): readonly number[] {
  const v = o[name];
  if (!Array.isArray(v)) throw new ModelSpecError(`option ${name} is missing or not a list`);
  return v as readonly number[];
}
