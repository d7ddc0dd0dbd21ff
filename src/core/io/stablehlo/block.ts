import { IRError } from '../../ir/errors.ts';
import type { Phase, Value } from '../../ir/program.ts';
import type { OpAst } from './ast.ts';
import { mapControlOp } from './control-flow.ts';
import { CaptureError, type Env, type MappingContext } from './mapping-context.ts';
import { mapSimpleOp, opaqueOp } from './op-mapping.ts';
import { StableHloParseError } from './errors.ts';

const RETURNS = new Set(['func.return', 'stablehlo.return', 'sdy.return', 'mhlo.return']);

/**
 * Maps the ops of one block into the builder's current block and returns the values its
 * terminator yields. `scopePrefix` prefixes op scopes (an inlined call's scope); `phase` is the
 * caller's phase for ops whose location says nothing.
 */
export function mapBlock(
  cx: MappingContext,
  ops: readonly OpAst[],
  env: Env,
  scopePrefix: string,
  phase: Phase | undefined,
): Value[] {
  for (const op of ops) {
    if (RETURNS.has(op.name)) return op.operands.map((n) => cx.lookup(env, n, op));
    const place = cx.locs.place(op.loc);
    const scope =
      scopePrefix && place.scope ? `${scopePrefix}/${place.scope}` : scopePrefix || place.scope;
    cx.b.replaceScope(scope);
    cx.b.phase = cx.phaseFor(place.phase, phase);
    const results = mapOneOp(cx, op, env, scope);
    if (results.length !== op.results.length)
      cx.fail(
        op,
        `${op.name} gives ${results.length} results but ${op.results.length} are named`,
        `${results.length} result names`,
      );
    for (let i = 0; i < results.length; i++) env.vars.set(op.results[i], results[i]);
  }
  return [];
}

/** Inlining can multiply ops (a function calling another twice, nested): a bound, not a hang. */
export const MAX_OPS = 5_000_000;

function mapOneOp(cx: MappingContext, op: OpAst, env: Env, scope: string): Value[] {
  if (++cx.opCount > MAX_OPS)
    cx.fail(
      op,
      `more than ${MAX_OPS.toLocaleString('en-US')} ops after inlining calls`,
      'a smaller program',
    );
  const phase = cx.b.phase;
  try {
    return mapControlOp(cx, op, env, scope) ?? mapSimpleOp(cx, op, env);
  } catch (e) {
    if (e instanceof CaptureError) {
      // a combiner or comparator that reads an outer value: the IR's regions are closed
      cx.b.replaceScope(scope);
      cx.b.phase = phase;
      return opaqueOp(cx, op, env, `its region reads ${e.message} from outside`);
    }
    if (e instanceof IRError)
      cx.fail(op, `${op.name}: ${e.message}`, 'operands and types that agree');
    if (e instanceof StableHloParseError) throw e;
    throw e;
  }
}
