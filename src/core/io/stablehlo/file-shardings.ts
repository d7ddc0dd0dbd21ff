import type { AttrValue, ModuleAst } from './ast.ts';
import { attrStr } from './attrs.ts';

/** `mhlo.frontend_attributes = {xla.sdy.meshes = "{mesh = #sdy.mesh<[\"x\"=2]>}"}` on the module. */
export function frontendMeshes(attrs: ReadonlyMap<string, AttrValue>): ModuleAst['meshes'] {
  const out = new Map<string, { name: string; axes: { name: string; size: number }[] }>();
  const fe = attrs.get('mhlo.frontend_attributes');
  const text = fe?.t === 'dict' ? attrStr(fe.v.get('xla.sdy.meshes')) : undefined;
  if (!text) return out;
  const re = /([\w.$-]+)\s*=\s*#sdy\.mesh<\s*\[([^\]]*)\]/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const axes: { name: string; size: number }[] = [];
    const ax = /"((?:[^"\\]|\\.)*)"\s*=\s*(\d+)/g;
    for (let a = ax.exec(m[2]); a; a = ax.exec(m[2])) axes.push({ name: a[1], size: Number(a[2]) });
    out.set(m[1], { name: m[1], axes });
  }
  return out;
}

export function annotationOf(
  attrs: ReadonlyMap<string, AttrValue> | undefined,
  found: (dialect: 'sdy' | 'gspmd', text: string) => void,
): void {
  const sdy = attrs?.get('sdy.sharding');
  if (sdy?.t === 'hash') return found('sdy', sdy.body);
  // after a round trip through HLO, Shardy shardings travel as strings in frontend attributes
  const fe = attrs?.get('mhlo.frontend_attributes');
  const feSdy = fe?.t === 'dict' ? attrStr(fe.v.get('xla.sdy.sharding')) : undefined;
  const body = feSdy && /^#sdy\.sharding<([\s\S]*)>$/.exec(feSdy.trim());
  if (body) return found('sdy', body[1]);
  const g = attrStr(attrs?.get('mhlo.sharding'));
  if (g !== undefined) found('gspmd', g);
}
