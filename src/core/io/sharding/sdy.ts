import type { MeshAxes, Spec } from './spec.ts';

/** A Shardy tensor sharding, mirrored: `#sdy.sharding<@mesh, [{"data"}, {"model", ?}], replicated={"x"}>`. */
export interface SdySharding {
  /** The mesh symbol (`mesh` for `@mesh`), or undefined for an inline `mesh<[...]>`. */
  readonly mesh?: string;
  readonly inlineMesh?: MeshAxes;
  readonly dims: readonly { readonly axes: readonly string[]; readonly open: boolean }[];
  readonly replicated: readonly string[];
  readonly unreduced: readonly string[];
  /** Sub-axes (`"x":(1)2`) were present; they are read as their whole axis. */
  readonly subAxes: boolean;
}

function quoted(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"(:\(\d+\)\d+)?/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1]);
  return out;
}

/** Parses the body of `#sdy.sharding<...>` (or of `<...>` in sdy ops, without the brackets). */
export function parseSdySharding(body: string): SdySharding | { error: string } {
  const text = body.trim();
  let rest = text;
  let mesh: string | undefined;
  let inlineMesh: MeshAxes | undefined;
  const ref = /^@("(?:[^"\\]|\\.)*"|[\w.$-]+)\s*,/.exec(rest);
  if (ref) {
    mesh = ref[1].replace(/^"|"$/g, '');
    rest = rest.slice(ref[0].length);
  } else {
    const inline = /^mesh\s*<\s*\[([^\]]*)\][^>]*>\s*,/.exec(rest);
    if (!inline) return { error: `no mesh in sdy sharding '${text.slice(0, 60)}'` };
    const axes: { name: string; size: number }[] = [];
    const re = /"((?:[^"\\]|\\.)*)"\s*=\s*(\d+)/g;
    for (let m = re.exec(inline[1]); m; m = re.exec(inline[1]))
      axes.push({ name: m[1], size: Number(m[2]) });
    inlineMesh = { axes };
    rest = rest.slice(inline[0].length);
  }
  const open = rest.indexOf('[');
  let depth = 0;
  let close = -1;
  for (let i = open; i >= 0 && i < rest.length; i++) {
    if (rest[i] === '[') depth++;
    else if (rest[i] === ']' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (open < 0 || close < 0)
    return { error: `no dimension list in sdy sharding '${text.slice(0, 60)}'` };
  const dimText = rest.slice(open + 1, close);
  const dims: { axes: string[]; open: boolean }[] = [];
  const re = /\{([^}]*)\}/g;
  for (let m = re.exec(dimText); m; m = re.exec(dimText))
    dims.push({ axes: quoted(m[1]), open: m[1].includes('?') });
  const tail = rest.slice(close + 1);
  const group = (key: string) => {
    const m = new RegExp(`${key}\\s*=\\s*\\{([^}]*)\\}`).exec(tail);
    return m ? quoted(m[1]) : [];
  };
  return {
    mesh,
    inlineMesh,
    dims,
    replicated: group('replicated'),
    unreduced: group('unreduced'),
    subAxes: /:\(\d+\)\d+/.test(text),
  };
}

/** `#sdy.sharding<@mesh, [{"data"}, {}]>` for a spec; scalars print `[]`. */
export function printSdySharding(
  meshName: string,
  spec: Spec,
  opts: { unreduced?: readonly string[]; prefix?: boolean } = {},
): string {
  const dims = spec.map((d) => `{${d.map((a) => JSON.stringify(a)).join(', ')}}`).join(', ');
  const unreduced = opts.unreduced?.length
    ? `, unreduced={${opts.unreduced.map((a) => JSON.stringify(a)).join(', ')}}`
    : '';
  const body = `@${meshName}, [${dims}]${unreduced}`;
  return opts.prefix === false ? `<${body}>` : `#sdy.sharding<${body}>`;
}

/** `sdy.mesh @mesh = <["data"=4, "model"=2]>`. */
export function printSdyMesh(meshName: string, mesh: MeshAxes): string {
  return `sdy.mesh @${meshName} = <[${mesh.axes.map((a) => `${JSON.stringify(a.name)}=${a.size}`).join(', ')}]>`;
}
