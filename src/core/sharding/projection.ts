import type { Mesh } from '../mesh/mesh.ts';
import { meshAxisSize } from '../mesh/mesh.ts';

/** meshAxisSize without its per-call closure: this runs for every axis of every visit. */
export function axisSize(mesh: Mesh, name: string): number {
  const axes = mesh.axes;
  for (let i = 0; i < axes.length; i++) if (axes[i].name === name) return axes[i].size;
  return meshAxisSize(mesh, name); // throws the MeshError naming the axis
}

/** Product of the axis sizes. */
export function axesSize(axes: readonly string[], mesh: Mesh): number {
  let n = 1;
  for (let i = 0; i < axes.length; i++) n *= axisSize(mesh, axes[i]);
  return n;
}

/**
 * A tensor dim's axes seen through an op's rule: the axes on factor f of a dim that holds the
 * factors `factors` (major to minor). Conservative projection (no sub-axes): the axes of a dim
 * fill its factors major to minor, moving to the next factor only once the previous one is fully
 * split; an axis that does not divide what is left of a factor makes the whole dim opaque
 * (undefined), and propagation neither reads nor writes it. A dim with one factor hands over its
 * axis list as is (the common case, no allocation).
 * Example: dim [(kl)] with k=12 heads, l=64, axes [model=4] → k: [model], l: [].
 */
export function dimFactorAxes(
  dimAxes: readonly string[],
  factors: readonly number[],
  f: number,
  factorSizes: readonly number[],
  mesh: Mesh,
): readonly string[] | undefined {
  if (factors.length === 1) return dimAxes;
  const out: string[][] = factors.map(() => []);
  let k = 0;
  let filled = 1;
  for (const a of dimAxes) {
    const size = axisSize(mesh, a);
    while (k < factors.length && filled === factorSizes[factors[k]]) {
      k++;
      filled = 1;
    }
    if (k >= factors.length || factorSizes[factors[k]] % (filled * size) !== 0) return undefined;
    out[k].push(a);
    filled *= size;
  }
  return out[factors.indexOf(f)];
}

/**
 * Whether factor f of a dim may take more axes without breaking the dim's layout: every factor
 * major to f must be fully split and every factor minor to f unsplit (a dim's shards are
 * contiguous blocks only then).
 */
export function dimFactorCanGrow(
  dimAxes: readonly string[],
  factors: readonly number[],
  f: number,
  factorSizes: readonly number[],
  mesh: Mesh,
): boolean {
  if (factors.length === 1) return true;
  const i = factors.indexOf(f);
  for (let j = 0; j < factors.length; j++) {
    if (j === i) continue;
    const n = axesSize(dimFactorAxes(dimAxes, factors, factors[j], factorSizes, mesh) ?? [], mesh);
    if (j < i && n !== factorSizes[factors[j]]) return false;
    if (j > i && n !== 1) return false;
  }
  return true;
}
