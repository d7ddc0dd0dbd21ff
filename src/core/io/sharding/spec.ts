/**
 * A PartitionSpec as the exports and imports exchange it: one entry per tensor dim, the mesh
 * axes that split it, major to minor (`[["data"], []]` is `P('data', None)`).
 */
export type DimSpec = readonly string[];
export type Spec = readonly DimSpec[];

export interface MeshAxes {
  readonly axes: readonly { readonly name: string; readonly size: number }[];
}

export function specToString(spec: Spec): string {
  return `[${spec.map((d) => (d.length ? d.join('+') : '-')).join(', ')}]`;
}

export function specEqual(a: Spec, b: Spec): boolean {
  return (
    a.length === b.length &&
    a.every((d, i) => d.length === b[i].length && d.every((x, j) => x === b[i][j]))
  );
}
