import { ProgramBuilder } from '../builder.ts';
import type { DType } from '../dtype.ts';
import { hostTensor, type HostTensor } from '../host-tensor.ts';
import type { Program, Value } from '../program.ts';
import type { Shape } from '../shape.ts';
import { evaluate } from '../interpreter.ts';

/** Test support: tiny tensors and one-op programs built with the ProgramBuilder. */

export function tensor(shape: Shape, data: readonly number[], dtype: DType = 'f32'): HostTensor {
  return hostTensor(shape, dtype, data);
}

export function scalar(x: number, dtype: DType = 'f32'): HostTensor {
  return hostTensor([], dtype, [x]);
}

/** A program whose inputs have the given tensors' types and whose outputs are what `body` returns. */
export function programOf(
  inputs: readonly HostTensor[],
  body: (b: ProgramBuilder, ...xs: Value[]) => Value | readonly Value[],
): Program {
  const b = new ProgramBuilder('test');
  const xs = inputs.map((t, i) => b.input(`x${i}`, t.shape, t.dtype, 'data'));
  const out = body(b, ...xs);
  (Array.isArray(out) ? (out as readonly Value[]) : [out as Value]).forEach((v, i) =>
    b.output(`y${i}`, v),
  );
  return b.build();
}

/** Builds and runs; returns the outputs. */
export function run(
  inputs: readonly HostTensor[],
  body: (b: ProgramBuilder, ...xs: Value[]) => Value | readonly Value[],
): HostTensor[] {
  return evaluate(programOf(inputs, body), inputs);
}

/** Builds and runs a single-output program; returns its elements as a plain array. */
export function run1(
  inputs: readonly HostTensor[],
  body: (b: ProgramBuilder, ...xs: Value[]) => Value,
): number[] {
  return Array.from(run(inputs, body)[0].data);
}
