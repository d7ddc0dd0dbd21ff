/**
 * One colour per mesh axis, the same everywhere the axis appears: graph bands, the device mesh,
 * communication charts, schedule chips. The colour depends only on the axis's position in the
 * mesh (major to minor), so `data` in `data=4,model=2` is always the first colour and a link
 * restores the same picture. The palette is Tableau 10 reordered so that neighbouring axes
 * contrast and the first three stay apart for the common colour-vision deficiencies.
 */
export const AXIS_PALETTE: readonly string[] = Object.freeze([
  '#4e79a7', // blue
  '#f28e2b', // orange
  '#59a14f', // green
  '#b07aa1', // purple
  '#e15759', // red
  '#76b7b2', // teal
  '#edc948', // yellow
  '#9c755f', // brown
  '#ff9da7', // pink
  '#bab0ac', // grey
]);

/** The colour of an axis that is not on the mesh (a stale selection, a typo in a step). */
export const UNKNOWN_AXIS_COLOR = '#8a8a8a';

/** The axis's colour on a mesh with these axes (major to minor); unknown axes are grey. */
export function axisColor(axis: string, axes: readonly string[]): string {
  const i = axes.indexOf(axis);
  return i < 0 ? UNKNOWN_AXIS_COLOR : AXIS_PALETTE[i % AXIS_PALETTE.length];
}

/** Every axis of the mesh with its colour, in mesh order (legends, chips). */
export function axisColors(axes: readonly string[]): { axis: string; color: string }[] {
  return axes.map((axis) => ({ axis, color: axisColor(axis, axes) }));
}
