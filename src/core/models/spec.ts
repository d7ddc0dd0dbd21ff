import { ProgramBuilder } from '../ir/builder.ts';
import type { Program } from '../ir/program.ts';
import { programStats } from '../ir/stats.ts';
import { COMMON_OPTIONS, commonOptions, rootCtx, type CommonOptions } from './family.ts';
import {
  ModelSpecError,
  formatOptionValue,
  optionDefaults,
  parseOptionValue,
  type OptionDef,
  type OptionValue,
  type Options,
} from './options.ts';
import { FAMILIES, PRESETS_BY_NAME } from './registry.ts';
import { PRESETS } from './presets.ts';
import { withTraining } from './training.ts';

export { ModelSpecError } from './options.ts';
export { MODEL_FAMILIES } from './registry.ts';
export { COMMON_OPTIONS } from './family.ts';

/**
 * The model spec language of the CLI and UI:
 *   gpt3-175b                      a preset
 *   gpt3-175b:batch=32,train=false a preset with overrides
 *   gpt:layers=48,d_model=6144,... a family with options
 * Keys are the family's options plus the common ones (batch, train, remat, accum, dtype, optimizer).
 */
export interface ModelSpec {
  readonly family: string;
  readonly preset?: string;
  /** Every family option, resolved: defaults, then the preset's, then the spec's overrides. */
  readonly options: Options;
  readonly common: CommonOptions;
}

const KEY = /^[a-z][a-z0-9_]*$/;

export function parseModelSpec(spec: string): ModelSpec {
  const text = spec.trim();
  if (!text)
    throw new ModelSpecError(
      `empty model spec: expected a preset (${[...PRESETS_BY_NAME.keys()].join(', ')}) or a family with options, e.g. gpt:layers=12`,
    );
  const colon = text.indexOf(':');
  const head = (colon < 0 ? text : text.slice(0, colon)).trim();
  const preset = PRESETS_BY_NAME.get(head);
  const family = FAMILIES.get(preset?.family ?? head);
  if (!family)
    throw new ModelSpecError(
      `unknown model '${head}': expected a preset (${[...PRESETS_BY_NAME.keys()].join(', ')}) or a family (${[...FAMILIES.keys()].join(', ')})`,
    );
  const defs = new Map<string, OptionDef>(
    [...family.options, ...COMMON_OPTIONS].map((d) => [d.name, d]),
  );
  const values: Record<string, OptionValue> = {
    ...optionDefaults(family.options),
    ...optionDefaults(COMMON_OPTIONS),
    ...preset?.options,
  };
  const where = preset
    ? `preset '${preset.name}' (family ${family.name})`
    : `family '${family.name}'`;
  if (colon >= 0) {
    const seen = new Set<string>();
    for (const part of text.slice(colon + 1).split(',')) {
      const item = part.trim();
      const eq = item.indexOf('=');
      if (eq < 0) throw new ModelSpecError(`option '${item}' is not key=value (in '${text}')`);
      const key = item.slice(0, eq).trim();
      const raw = item.slice(eq + 1).trim();
      const def = KEY.test(key) ? defs.get(key) : undefined;
      if (!def)
        throw new ModelSpecError(
          `unknown option '${key}' for ${where}; valid keys: ${[...defs.keys()].join(', ')}`,
        );
      if (seen.has(key)) throw new ModelSpecError(`option '${key}' is given twice (in '${text}')`);
      seen.add(key);
      if (!raw) throw new ModelSpecError(`option '${key}' has no value (in '${text}')`);
      values[key] = parseOptionValue(def, raw);
    }
  }
  const options: Record<string, OptionValue> = {};
  for (const d of family.options) options[d.name] = values[d.name];
  const common = commonOptions(values);
  const problem =
    (common.accum > 1 && !common.train ? `accum=${common.accum} needs train=true` : undefined) ??
    family.check?.(options, common);
  if (problem) throw new ModelSpecError(`${problem} (in '${text}')`);
  return { family: family.name, ...(preset ? { preset: preset.name } : {}), options, common };
}

/** The canonical text of a spec: the family with every option, so it parses back to the same spec. */
export function formatModelSpec(s: ModelSpec): string {
  const all = { ...s.options, ...s.common } as Record<string, OptionValue>;
  return `${s.family}:${Object.entries(all)
    .map(([k, v]) => `${k}=${formatOptionValue(v)}`)
    .join(',')}`;
}

/** The forward program of a spec, or (train=true) its training step. */
export function buildModel(spec: ModelSpec | string): Program {
  const s = typeof spec === 'string' ? parseModelSpec(spec) : spec;
  const family = FAMILIES.get(s.family);
  if (!family)
    throw new ModelSpecError(
      `unknown family '${s.family}'; families: ${[...FAMILIES.keys()].join(', ')}`,
    );
  const c = s.common;
  const b = new ProgramBuilder(s.preset ?? s.family);
  const info = family.build(rootCtx(b, c.dtype), s.options, c);
  const micro = c.train ? c.accum : 1;
  b.meta = {
    family: s.family,
    ...(s.preset ? { preset: s.preset } : {}),
    tokensPerStep: info.tokensPerMicroBatch * micro,
    training: c.train,
    microBatches: micro,
    remat: c.remat,
    batch: c.batch,
    dtype: c.dtype,
    optimizer: c.optimizer,
    config: { ...s.options },
  };
  const forward = b.build();
  return c.train ? withTraining(forward, c, info.tokensPerMicroBatch) : forward;
}

export interface PresetInfo {
  readonly name: string;
  readonly family: string;
  readonly description: string;
  /** Parameters of the built program. */
  readonly params: number;
  readonly publishedParams: number;
  readonly source: string;
}

const paramCache = new Map<string, number>();

/** Parameter count of a preset, from its forward program (built once, then cached). */
export function presetParams(name: string): number {
  let n = paramCache.get(name);
  if (n === undefined) {
    n = programStats(buildModel(`${name}:train=false,batch=1`)).params;
    paramCache.set(name, n);
  }
  return n;
}

export function listPresets(): PresetInfo[] {
  return PRESETS.map((p) => ({
    name: p.name,
    family: p.family,
    description: p.description,
    params: presetParams(p.name),
    publishedParams: p.publishedParams,
    source: p.source,
  }));
}
