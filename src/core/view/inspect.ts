import type { ViewContext } from './context.ts';
import type { InspectTarget, Inspection } from './types.ts';

/** Placeholder until the inspection lands: the target and a title. */
export function inspect(ctx: ViewContext, target: InspectTarget): Inspection {
  void ctx;
  return { target, title: target.kind, scope: '' };
}
