import type { ProgramBuilder } from '../ir/builder.ts';
import type { DType } from '../ir/dtype.ts';
import type { Value } from '../ir/program.ts';
import type { Shape } from '../ir/shape.ts';
import { optBool, optEnum, optInt, type OptionDef, type Options } from './options.ts';

/**
 * What every model family shares: the common options (batch, training, remat, accumulation,
 * compute dtype, optimizer), the build context that hands out weights, and the family record.
 */

export type RematPolicy = 'none' | 'full' | 'selective';
export type ComputeDType = 'f32' | 'bf16';
export type OptimizerName = 'adam' | 'adamw' | 'sgd';

export interface CommonOptions {
  /** Sequences (or examples, images, graphs) per micro-batch. */
  readonly batch: number;
  readonly train: boolean;
  readonly remat: RematPolicy;
  /** Micro-batches per optimizer step. */
  readonly accum: number;
  readonly dtype: ComputeDType;
  readonly optimizer: OptimizerName;
}

export const COMMON_OPTIONS: readonly OptionDef[] = [
  {
    name: 'batch',
    type: 'int',
    default: 8,
    min: 1,
    doc: 'global sequences (examples, images, graphs) per micro-batch',
  },
  {
    name: 'train',
    type: 'bool',
    default: true,
    doc: 'build a training step (forward, backward, optimizer) instead of the forward alone',
  },
  {
    name: 'remat',
    type: 'enum',
    default: 'none',
    allowed: ['none', 'full', 'selective'],
    doc: 'rematerialisation: none, full (recompute each layer), selective (recompute attention cores)',
  },
  {
    name: 'accum',
    type: 'int',
    default: 1,
    min: 1,
    doc: 'micro-batches accumulated per optimizer step (data inputs gain a leading [accum] dim)',
  },
  {
    name: 'dtype',
    type: 'enum',
    default: 'bf16',
    allowed: ['bf16', 'f32'],
    doc: 'compute dtype; parameters stay f32 master weights and are converted inside the forward',
  },
  {
    name: 'optimizer',
    type: 'enum',
    default: 'adam',
    allowed: ['adam', 'adamw', 'sgd'],
    doc: 'optimizer of the training step',
  },
];

export function commonOptions(o: Options): CommonOptions {
  return {
    batch: optInt(o, 'batch'),
    train: optBool(o, 'train'),
    remat: optEnum(o, 'remat', ['none', 'full', 'selective'] as const),
    accum: optInt(o, 'accum'),
    dtype: optEnum(o, 'dtype', ['bf16', 'f32'] as const),
    optimizer: optEnum(o, 'optimizer', ['adam', 'adamw', 'sgd'] as const),
  };
}

/**
 * Hands out weights to layer code. `param(name, shape)` is named relative to the builder's current
 * scope (`layers/3/attn` + `wq`), created as an f32 master weight and returned in the compute dtype.
 * A scanned layer stack swaps in a context whose weights are slices of stacked [L, ...] params.
 */
export interface Ctx {
  readonly b: ProgramBuilder;
  readonly dtype: ComputeDType;
  param(name: string, shape: Shape): Value;
}

export function rootCtx(b: ProgramBuilder, dtype: ComputeDType): Ctx {
  return { b, dtype, param: (name, shape) => b.convert(b.param(name, shape, 'f32'), dtype) };
}

/** A data input; float data arrives as f32 and is converted to the compute dtype. */
export function dataInput(ctx: Ctx, name: string, shape: Shape, dtype: DType): Value {
  const v = ctx.b.input(name, shape, dtype, 'data');
  return dtype === 'f32' ? ctx.b.convert(v, ctx.dtype) : v;
}

/** What a family's build tells the registry about the program it made. */
export interface BuildInfo {
  /** Tokens (decoders), or examples, per micro-batch: meta.tokensPerStep is this × accum. */
  readonly tokensPerMicroBatch: number;
}

export interface ModelFamily {
  readonly name: string;
  readonly description: string;
  /** The family's own options (the common ones are in COMMON_OPTIONS). */
  readonly options: readonly OptionDef[];
  /** Cross-option rules; returns what is wrong, or undefined. */
  readonly check?: (o: Options, common: CommonOptions) => string | undefined;
  /** Declares the inputs and emits the forward, ending in an output named 'loss' (f32 scalar). */
  readonly build: (ctx: Ctx, o: Options, common: CommonOptions) => BuildInfo;
}
