/**
 * View models of the workbench, DOM-free: the graph view of a program for a set of expanded
 * groups, and the inspection of a group, op, value or collective. The worker calls these on the
 * ViewContext of its latest run; tests call them on zoo models.
 */
export type { ViewContext } from './context.ts';
export type * from './types.ts';
export { MAX_NODES } from './types.ts';
export { axisColor, axisColors, AXIS_PALETTE, UNKNOWN_AXIS_COLOR } from './axis-colors.ts';
export { buildGraphView, MAX_OPS_PER_GROUP } from './graph-view.ts';
export { inspect, InspectError } from './inspect.ts';
export { meshLayout, MAX_DRAWN_DEVICES } from './mesh-layout.ts';
export type { MeshLayout, MeshAxisInfo, MeshCell, MeshLink, MeshRect } from './mesh-layout.ts';
