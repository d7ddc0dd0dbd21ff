import type { Program, ValueId } from '../../ir/program.ts';
import type { Mesh } from '../../mesh/mesh.ts';
import type { ScheduleResult } from '../../tactics/apply.ts';
import { scheduleToString } from '../../tactics/schedule.ts';
import type { Tactic } from '../../tactics/tactic.ts';
import type { Spec } from '../sharding/spec.ts';

/** One sharded value of the strategy, as JAX addresses it. */
export interface StrategyValue {
  readonly index?: number;
  readonly name: string;
  readonly op?: number;
  readonly shape: readonly number[];
  readonly spec: Spec;
  /** Mesh axes over which the value is an unreduced sum (not expressible as a PartitionSpec). */
  readonly partial?: readonly string[];
}

/**
 * The strategy JSON (version 1), the contract with the JAX bridge (python/shardlab_jax):
 * the mesh, a spec per main-function input and output in flattened order, and constraints for
 * the intermediates the schedule pins (every value a tactic seeded that is not an input).
 */
export interface StrategyJson {
  readonly version: 1;
  readonly mesh: { readonly axes: readonly { readonly name: string; readonly size: number }[] };
  readonly inputs: readonly StrategyValue[];
  readonly outputs: readonly StrategyValue[];
  readonly constraints: readonly StrategyValue[];
  readonly schedule: string;
}

function paths(p: Program, key: 'jaxInputPaths' | 'jaxOutputPaths'): readonly string[] | undefined {
  const v = p.meta[key];
  return Array.isArray(v) ? (v as string[]) : undefined;
}

/** The values the schedule's tactics seeded directly (inputs excluded), in seeding order. */
export function pinnedValues(result: ScheduleResult): ValueId[] {
  const inputs = new Set(result.program.main.params);
  const out: ValueId[] = [];
  const seen = new Set<ValueId>();
  for (const step of result.steps)
    for (const s of step.seeds)
      if (!inputs.has(s.value) && !seen.has(s.value)) {
        seen.add(s.value);
        out.push(s.value);
      }
  return out;
}

export function strategyJson(
  result: ScheduleResult,
  mesh: Mesh,
  schedule: readonly Tactic[],
): StrategyJson {
  const p = result.program;
  const state = result.final;
  const value = (
    id: ValueId,
    name: string,
    extra: { index?: number; op?: number },
  ): StrategyValue => {
    const partial = state.partialOf(id);
    return {
      ...extra,
      name,
      shape: p.values[id].type.shape,
      spec: state.dimsOf(id).map((d) => [...d]),
      ...(partial.length ? { partial: [...partial] } : {}),
    };
  };
  const inPaths = paths(p, 'jaxInputPaths');
  const outPaths = paths(p, 'jaxOutputPaths');
  return {
    version: 1,
    mesh: { axes: mesh.axes.map((a) => ({ name: a.name, size: a.size })) },
    inputs: p.main.params.map((id, index) =>
      value(id, inPaths?.[index] ?? p.values[id].name, { index }),
    ),
    outputs: p.outputs.map((o, index) => value(o.value, outPaths?.[index] ?? o.name, { index })),
    constraints: pinnedValues(result).map((id) => {
      const v = p.values[id];
      const op = v.def;
      return value(id, v.name || `${v.scope ? v.scope + '/' : ''}%${id}`, { op });
    }),
    schedule: scheduleToString(schedule),
  };
}
