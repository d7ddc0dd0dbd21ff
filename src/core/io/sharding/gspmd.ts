import type { MeshAxes, Spec } from './spec.ts';

/**
 * GSPMD (HloSharding) strings as JAX builds them from a NamedSharding: the tile dims are the
 * product of each spec entry's axis sizes, then one trailing dim for the unused axes
 * (`last_tile_dim_replicate`); the device order is the mesh's iota transposed so the used axes
 * come first in spec order (jax named_sharding_to_xla_hlo_sharding).
 */
export function gspmdFromSpec(spec: Spec, mesh: MeshAxes): string {
  const sizes = mesh.axes.map((a) => a.size);
  const index = new Map(mesh.axes.map((a, i) => [a.name, i]));
  const perm: number[] = [];
  const dims = spec.map((d) => {
    let n = 1;
    for (const a of d) {
      const i = index.get(a);
      if (i === undefined) throw new Error(`axis '${a}' is not in the mesh`);
      if (sizes[i] === 1) continue;
      perm.push(i);
      n *= sizes[i];
    }
    return n;
  });
  if (!perm.length) return '{replicated}';
  let rep = 1;
  sizes.forEach((s, i) => {
    if (s > 1 && !perm.includes(i)) {
      perm.push(i);
      rep *= s;
    }
  });
  const tile = rep > 1 ? [...dims, rep] : dims;
  return `{devices=[${tile.join(',')}]${iotaText(sizes, perm)}${rep > 1 ? ' last_tile_dim_replicate' : ''}}`;
}

/** `<=[8]` or `<=[4,2]T(1,0)`, canonical as XLA prints it: size-1 dims dropped, runs merged. */
function iotaText(sizes: readonly number[], perm: readonly number[]): string {
  const keep = sizes.map((s, i) => (s > 1 ? i : -1)).filter((i) => i >= 0);
  let dims = keep.map((i) => sizes[i]);
  let p = perm.filter((i) => sizes[i] > 1).map((i) => keep.indexOf(i));
  // merge axes that stay adjacent and in order after the transpose
  for (let k = 0; k + 1 < p.length;) {
    if (p[k + 1] === p[k] + 1) {
      const a = p[k];
      dims = [...dims.slice(0, a), dims[a] * dims[a + 1], ...dims.slice(a + 2)];
      p = p.filter((_, j) => j !== k + 1).map((x) => (x > a ? x - 1 : x));
    } else k++;
  }
  const total = dims.reduce((x, y) => x * y, 1);
  if (p.every((x, i) => x === i)) return `<=[${total}]`;
  return `<=[${dims.join(',')}]T(${p.join(',')})`;
}

/** Larger tile assignments are not expanded (a bad string must not allocate without bound). */
const MAX_DEVICES = 1 << 20;
const MAX_PLACEMENTS = 20000;

/** A parsed GSPMD string: tile dims (with the trailing replicated dim, if any) and devices. */
export interface GspmdTiles {
  readonly replicated: boolean;
  readonly tile: readonly number[];
  readonly devices: readonly number[];
  readonly lastReplicate: boolean;
  readonly unsupported?: string;
}

/** Reads `{replicated}`, `{maximal device=0}`, `{devices=[4,1,2]<=[8] last_tile_dim_replicate}`,
 *  `{devices=[2,1]0,1}`; manual and other subgroup kinds are marked unsupported. */
export function parseGspmd(text: string): GspmdTiles {
  const t = text.trim();
  if (/^\{\s*manual\b/.test(t))
    return { replicated: true, tile: [], devices: [], lastReplicate: false, unsupported: 'manual' };
  if (/^\{\s*replicated\b/.test(t) || /^\{\s*maximal\b/.test(t))
    return {
      replicated: true,
      tile: [],
      devices: [],
      lastReplicate: false,
      unsupported: /maximal/.test(t) ? 'maximal (one device)' : undefined,
    };
  const m = /devices=\[([\d,\s]*)\]\s*(<=\[([\d,\s]*)\](?:T\(([\d,\s]*)\))?|[\d,\s]+)/.exec(t);
  if (!m)
    return {
      replicated: true,
      tile: [],
      devices: [],
      lastReplicate: false,
      unsupported: `cannot read '${t.slice(0, 60)}'`,
    };
  const nums = (s: string | undefined) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
      .map(Number);
  const tile = nums(m[1]);
  let devices: number[];
  const tooMany = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1) > MAX_DEVICES;
  if (tooMany(tile))
    return {
      replicated: true,
      tile: [],
      devices: [],
      lastReplicate: false,
      unsupported: `more than ${MAX_DEVICES} tiles`,
    };
  if (m[2].startsWith('<=')) {
    const reshape = nums(m[3]);
    if (tooMany(reshape))
      return {
        replicated: true,
        tile: [],
        devices: [],
        lastReplicate: false,
        unsupported: `more than ${MAX_DEVICES} devices`,
      };
    const perm = m[4] !== undefined ? nums(m[4]) : reshape.map((_, i) => i);
    devices = iotaDevices(reshape, perm);
  } else devices = nums(m[2]);
  const lastDims = /last_tile_dims=\{([^}]*)\}/.exec(t);
  return {
    replicated: false,
    tile,
    devices,
    lastReplicate: /last_tile_dim_replicate/.test(t),
    unsupported:
      lastDims && !/^\s*replicated\s*$/i.test(lastDims[1])
        ? `subgroups {${lastDims[1]}}`
        : /\{\s*manual/.test(t)
          ? 'manual'
          : undefined,
  };
}

/** arange(prod(r)).reshape(r).transpose(perm), flattened. */
function iotaDevices(reshape: readonly number[], perm: readonly number[]): number[] {
  const n = reshape.reduce((a, b) => a * b, 1);
  const strides = reshape.map((_, i) => reshape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outDims = perm.map((p) => reshape[p]);
  const out = new Array<number>(n);
  const idx = new Array<number>(outDims.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let j = 0; j < idx.length; j++) src += idx[j] * strides[perm[j]];
    out[k] = src;
    for (let j = idx.length - 1; j >= 0; j--) {
      if (++idx[j] < outDims[j]) break;
      idx[j] = 0;
    }
  }
  return out;
}

function sameTiles(a: GspmdTiles, b: GspmdTiles): boolean {
  if (a.replicated || b.replicated) return a.replicated === b.replicated;
  const strip = (t: GspmdTiles) => (t.lastReplicate ? t.tile.slice(0, -1) : t.tile);
  const ta = strip(a);
  const tb = strip(b);
  if (ta.length !== tb.length || ta.some((x, i) => x !== tb[i])) return false;
  // the same devices hold the same tile: compare tile coordinates device by device
  const coords = (t: GspmdTiles) => {
    const per = t.lastReplicate ? t.tile[t.tile.length - 1] : 1;
    const m = new Map<number, number>();
    t.devices.forEach((d, k) => m.set(d, Math.floor(k / per)));
    return m;
  };
  const ca = coords(a);
  const cb = coords(b);
  if (ca.size !== cb.size) return false;
  for (const [d, c] of ca) if (cb.get(d) !== c) return false;
  return true;
}

/**
 * The spec over `mesh` that JAX would print as this GSPMD string, found by trying each way of
 * placing the mesh axes on the dims (small meshes only); undefined when none matches.
 */
export function specFromGspmd(text: string, rank: number, mesh: MeshAxes): Spec | undefined {
  const target = parseGspmd(text);
  // one device holding everything reads as replicated; any other unsupported form has no spec
  if (target.unsupported && !target.unsupported.startsWith('maximal')) return undefined;
  if (target.replicated) return Array.from({ length: rank }, () => []);
  const axes = mesh.axes.filter((a) => a.size > 1).map((a) => a.name);
  // the search tries (rank + 1)^axes placements: keep it small enough to answer at once
  if ((rank + 1) ** axes.length > MAX_PLACEMENTS) return undefined;
  let found: Spec | undefined;
  const place = (k: number, spec: string[][]): void => {
    if (found) return;
    if (k === axes.length) {
      for (const ordered of orderings(spec)) {
        if (sameTiles(parseGspmd(gspmdFromSpec(ordered, mesh)), target)) {
          found = ordered;
          return;
        }
      }
      return;
    }
    for (let d = -1; d < rank; d++) {
      if (d >= 0) spec[d].push(axes[k]);
      place(k + 1, spec);
      if (d >= 0) spec[d].pop();
    }
  };
  place(
    0,
    Array.from({ length: rank }, () => []),
  );
  return found;
}

function* orderings(spec: string[][]): Generator<string[][]> {
  const perms = spec.map((d) => permutations(d));
  const idx = perms.map(() => 0);
  for (;;) {
    yield perms.map((p, i) => p[idx[i]]);
    let j = idx.length - 1;
    for (; j >= 0; j--) {
      if (++idx[j] < perms[j].length) break;
      idx[j] = 0;
    }
    if (j < 0) return;
  }
}

function permutations(xs: readonly string[]): string[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}
