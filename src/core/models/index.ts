/** The model zoo's public surface: the spec language, the families and presets, and the layer helpers. */
export {
  buildModel,
  formatModelSpec,
  listPresets,
  parseModelSpec,
  presetParams,
  type ModelSpec,
  type PresetInfo,
} from './spec.ts';
export {
  ModelSpecError,
  formatOptionValue,
  parseOptionValue,
  type OptionDef,
  type OptionType,
  type OptionValue,
  type Options,
} from './options.ts';
export {
  COMMON_OPTIONS,
  type BuildInfo,
  type CommonOptions,
  type ComputeDType,
  type Ctx,
  type ModelFamily,
  type OptimizerName,
  type RematPolicy,
} from './family.ts';
export { FAMILIES, MODEL_FAMILIES, PRESETS_BY_NAME } from './registry.ts';
export { PRESETS, type Preset } from './presets.ts';
export { layerStack, type LayerFn } from './scan.ts';
