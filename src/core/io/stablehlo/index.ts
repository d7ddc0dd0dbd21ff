/** The StableHLO side of src/core/io: what the shells (CLI, worker) call. */
export { importStableHlo } from './import.ts';
export type {
  ImportOptions,
  ImportReport,
  ImportResult,
  ImportedInput,
  ImportedOutput,
} from './import.ts';
export { StableHloParseError } from './errors.ts';
export type { FoundAnnotation, OpaqueOp } from './mapping-context.ts';
export { readAnnotations } from '../sharding/annotations.ts';
export type { FoundSharding, FoundShardings } from '../sharding/annotations.ts';
export { gspmdFromSpec, specFromGspmd } from '../sharding/gspmd.ts';
export { parseSdySharding, printSdySharding } from '../sharding/sdy.ts';
export type { MeshAxes, Spec } from '../sharding/spec.ts';
export { strategyJson, pinnedValues } from '../export/strategy.ts';
export type { StrategyJson, StrategyValue } from '../export/strategy.ts';
export { strategyToJax } from '../export/jax.ts';
export { programToStableHlo } from '../export/stablehlo.ts';
export type { StableHloExportOptions } from '../export/stablehlo.ts';
