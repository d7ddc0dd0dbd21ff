import type { Op, Program, Value } from '../../ir/program.ts';
import type { Seed, SeedContext, TacticDefinition } from '../tactic.ts';
import { firstDivisibleDim, inputsInScope, tile } from './common.ts';

type Stage = 1 | 2 | 3;

function isParamCast(op: Op, program: Program): boolean {
  return op.kind === 'convert' && program.values[op.operands[0]].role === 'param';
}

/** The accumulated gradient of each parameter (the value the optimizer consumes). */
function parameterGradients(ctx: SeedContext): Value[] {
  const { program } = ctx;
  const params = new Set(program.main.params.filter((id) => program.values[id].role === 'param'));
  return program.values.filter(
    (v) => v.kind === 'gradient' && v.of !== undefined && params.has(v.of),
  );
}

function shardFree(ctx: SeedContext, vs: readonly Value[], axis: string, what: string): Seed[] {
  const seeds: Seed[] = [];
  for (const v of vs) {
    if (ctx.state.uses(v.id, axis)) continue;
    const d = firstDivisibleDim(ctx, v.id, axis);
    if (d >= 0) seeds.push(tile(v, d, axis, `Z: shard ${what} ${v.name || '%' + v.id} dim ${d}`));
  }
  return seeds;
}

function zero(stage: Stage): TacticDefinition {
  const what = [
    'optimizer state',
    'optimizer state and gradients',
    'optimizer state, gradients and parameters',
  ][stage - 1];
  return {
    name: `Z${stage}` as TacticDefinition['name'],
    title: `ZeRO stage ${stage}${stage === 3 ? ' (FSDP)' : ''}`,
    summary: `Shard the ${what} on the axis; propagation stays inside the optimizer update.`,
    seeds(ctx, axis) {
      const state = inputsInScope(ctx, (v) => v.role === 'optState' && v.type.shape.length > 0);
      const params = inputsInScope(ctx, (v) => v.role === 'param');
      const seeds = shardFree(ctx, state, axis, 'optimizer state');
      if (stage >= 2) seeds.push(...shardFree(ctx, parameterGradients(ctx), axis, 'gradient'));
      if (stage === 3) seeds.push(...shardFree(ctx, params, axis, 'parameter'));
      else
        for (const p of params)
          if (!ctx.state.uses(p.id, axis))
            seeds.push({
              action: 'replicate',
              value: p.id,
              axis,
              why: `Z${stage}: parameters stay replicated`,
            });
      return seeds;
    },
    // ZeRO shards storage, not compute: the forward and backward keep their shardings and the
    // lowering gathers a sharded parameter where it is used — after its cast to the compute
    // dtype, so a bf16 model gathers bf16 weights (as FSDP does).
    propagatesThrough: (op, program) => op.phase === 'optimizer' || isParamCast(op, program),
    shardsGradients: stage >= 2,
  };
}

export const Z1 = zero(1);
export const Z2 = zero(2);
export const Z3 = zero(3);
