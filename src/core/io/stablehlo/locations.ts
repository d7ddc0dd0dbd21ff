import type { LocAst } from './ast.ts';
import type { Phase } from '../../ir/program.ts';

/** What a location says about an op: its scope (model structure) and its training phase. */
export interface OpPlace {
  readonly scope: string;
  /** From JAX's transform names: transpose(...) is the backward pass, jvp(...) the forward. */
  readonly phase?: Phase;
}

const NO_PLACE: OpPlace = { scope: '' };

/**
 * Resolves locations to JAX name stacks. Aliases (`#loc12`) may be defined after their uses, so
 * resolution happens after parsing, with a cache and a depth limit (alias cycles in bad input
 * resolve to nothing rather than hang).
 */
export class LocationResolver {
  private readonly cache = new Map<string, string | undefined>();

  constructor(private readonly aliases: ReadonlyMap<string, LocAst>) {}

  /** The first name in the location (JAX's name stack for ops, the pytree path for args). */
  name(loc: LocAst | undefined, depth = 0): string | undefined {
    if (!loc || depth > 64) return undefined;
    switch (loc.t) {
      case 'ref': {
        if (this.cache.has(loc.ref)) return this.cache.get(loc.ref);
        this.cache.set(loc.ref, undefined); // cycle guard
        const r = this.name(this.aliases.get(loc.ref), depth + 1);
        this.cache.set(loc.ref, r);
        return r;
      }
      case 'name':
        // `prim:`(callsite...) wraps Python frames: the name stack is not inside
        if (loc.name.endsWith(':')) return undefined;
        return loc.name;
      case 'callsite':
        return this.name(loc.callee, depth + 1);
      case 'fused':
        for (const l of loc.locs) {
          const n = this.name(l, depth + 1);
          if (n !== undefined) return n;
        }
        return undefined;
      default:
        return undefined;
    }
  }

  place(loc: LocAst | undefined): OpPlace {
    const n = this.name(loc);
    return n === undefined ? NO_PLACE : placeOfNameStack(n);
  }
}

/** Splits a name stack on '/' outside parentheses. */
function components(stack: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < stack.length; i++) {
    const c = stack[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '/' && depth === 0) {
      out.push(stack.slice(start, i));
      start = i + 1;
    }
  }
  out.push(stack.slice(start));
  return out;
}

const WRAPPERS =
  /^(jvp|transpose|vmap|remat|checkpoint|pjit|custom_jvp_call|custom_vjp_call|shard_map)\((.*)\)$/;

/**
 * `jit(step)/transpose(jvp(layers_0))/attn/bqhd,bkhd->bqhd/dot_general` → scope
 * `layers_0/attn`, phase backward. The last component is the primitive; `jit(...)` components
 * are function boundaries and einsum specs are equations, neither is model structure.
 */
export function placeOfNameStack(stack: string): OpPlace {
  const parts = components(stack);
  if (parts.length <= 1) return NO_PLACE;
  parts.pop();
  let phase: Phase | undefined;
  const scope: string[] = [];
  for (let part of parts) {
    for (let m = WRAPPERS.exec(part); m; m = WRAPPERS.exec(part)) {
      if (m[1] === 'transpose') phase = 'backward';
      else if (m[1] === 'jvp' && phase === undefined) phase = 'forward';
      part = m[2];
    }
    if (!part || /^jit\(.*\)$/.test(part) || part.includes('->') || part.endsWith(':')) continue;
    scope.push(part);
  }
  return { scope: scope.join('/'), phase };
}
