import type { ModelFamily } from './family.ts';
import { GNS_FAMILY } from './gns.ts';
import { GPT_FAMILY } from './gpt.ts';
import { MLP_FAMILY } from './mlp.ts';
import { MOE_FAMILY } from './moe.ts';
import { MULTIMODAL_FAMILY } from './multimodal.ts';
import { UNET_FAMILY } from './unet.ts';
import { VIT_FAMILY } from './vit.ts';
import type { OptionDef } from './options.ts';
import { PRESETS, type Preset } from './presets.ts';

/** Every model family, by name. Adding a family is one import and one entry here. */
export const FAMILIES: ReadonlyMap<string, ModelFamily> = new Map(
  [MLP_FAMILY, GPT_FAMILY, MOE_FAMILY, VIT_FAMILY, MULTIMODAL_FAMILY, UNET_FAMILY, GNS_FAMILY].map(
    (f) => [f.name, f],
  ),
);

export const PRESETS_BY_NAME: ReadonlyMap<string, Preset> = new Map(
  PRESETS.map((p) => [p.name, p]),
);

/** The families as the CLI and UI list them: name, description and the options table. */
export const MODEL_FAMILIES: readonly {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionDef[];
}[] = [...FAMILIES.values()].map((f) => ({
  name: f.name,
  description: f.description,
  options: f.options,
}));
