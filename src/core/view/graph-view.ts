import type { ViewContext } from './context.ts';
import type { GraphRequest, GraphView } from './types.ts';

/** Placeholder until the scope tree lands: an empty view with the mesh axes. */
export function buildGraphView(ctx: ViewContext, req: GraphRequest): GraphView {
  void req;
  return {
    nodes: [],
    edges: [],
    axes: ctx.mesh.axes.map((a) => a.name),
    phases: [],
    refused: [],
    matches: [],
    totalOps: ctx.program.main.ops.length,
  };
}
