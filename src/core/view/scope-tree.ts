import type { OpAttrs } from '../ir/ops.ts';
import type { Op, Phase, Program } from '../ir/program.ts';
import { opBytes, opFlops } from '../ir/stats.ts';
import { tensorBytes, type TensorType } from '../ir/shape.ts';

/**
 * The program as a tree of groups, built once per program: a group per phase of a training step
 * (forward, backward, optimizer), under it a group per scope prefix (`layers` → `layers/3` →
 * `layers/3/attn`), and the top-level ops in the group of their scope. Phases come first because
 * the same scope (`layers/3/attn`) runs in all three, and a reader follows the forward pass, then
 * its gradient, then the update. Everything is indexed by integers for the 70k-op programs.
 */
export interface Group {
  readonly index: number;
  /** `g:<phase>:<scope>`; the root is `g:`. */
  readonly id: string;
  readonly phase: Phase | undefined;
  readonly scope: string;
  readonly label: string;
  readonly parent: number;
  readonly depth: number;
  readonly children: number[];
  /** Indices into `program.main.ops` of the ops whose scope is exactly this group's. */
  readonly ops: number[];
  /** Totals over everything inside: static ops (regions included), FLOPs and bytes of one run. */
  opCount: number;
  flops: number;
  bytes: number;
  readonly phaseOps: Record<Phase, number>;
}

export interface ScopeTree {
  readonly program: Program;
  readonly groups: readonly Group[];
  readonly byId: ReadonlyMap<string, number>;
  /** Phases present, in pipeline order. */
  readonly phases: readonly Phase[];
  /** By index in main.ops: the group holding the op. */
  readonly opGroup: Int32Array;
  /** Index in main.ops by op id (-1 for ops inside regions or other functions). */
  readonly opIndex: Int32Array;
  /** Per main op: deep static op count, FLOPs and bytes of one run (like programStats). */
  readonly opOps: Float64Array;
  readonly opFlops: Float64Array;
  readonly opBytes: Float64Array;
  /** Values defined by main ops, their defining op index and their consumers (CSR by value). */
  readonly valueDef: Int32Array;
  readonly useStart: Int32Array;
  readonly useOps: Int32Array;
  readonly valueBytes: Float64Array;
}

export const ROOT_ID = 'g:';
const PHASES: readonly Phase[] = ['forward', 'backward', 'optimizer'];

export function groupId(phase: Phase, scope: string): string {
  return `g:${phase}:${scope}`;
}

function labelOf(scope: string, phase: Phase): string {
  if (!scope) return phase;
  const parts = scope.split('/');
  const last = parts[parts.length - 1];
  // `layers/3` reads better than `3`
  return /^\d+$/.test(last) && parts.length > 1 ? `${parts[parts.length - 2]}/${last}` : last;
}

const cache = new WeakMap<Program, ScopeTree>();

/** The scope tree of a program, built on first use and cached with the program. */
export function scopeTreeOf(program: Program): ScopeTree {
  let t = cache.get(program);
  if (!t) cache.set(program, (t = buildScopeTree(program)));
  return t;
}

function newGroup(
  groups: Group[],
  id: string,
  phase: Phase | undefined,
  scope: string,
  parent: number,
): Group {
  const g: Group = {
    index: groups.length,
    id,
    phase,
    scope,
    label: phase ? labelOf(scope, phase) : 'model',
    parent,
    depth: parent < 0 ? 0 : groups[parent].depth + 1,
    children: [],
    ops: [],
    opCount: 0,
    flops: 0,
    bytes: 0,
    phaseOps: { forward: 0, backward: 0, optimizer: 0 },
  };
  groups.push(g);
  if (parent >= 0) groups[parent].children.push(g.index);
  return g;
}

/** Builds the tree without the cache (benchmarks time this). */
export function buildScopeTree(program: Program): ScopeTree {
  const ops = program.main.ops;
  const groups: Group[] = [];
  const byId = new Map<string, number>();
  newGroup(groups, ROOT_ID, undefined, '', -1);
  byId.set(ROOT_ID, 0);
  const present = new Set<Phase>();
  for (const op of ops) present.add(op.phase);
  const phases = PHASES.filter((p) => present.has(p));
  for (const p of phases)
    byId.set(groupId(p, ''), newGroup(groups, groupId(p, ''), p, '', 0).index);

  const groupOf = (phase: Phase, scope: string): number => {
    const id = groupId(phase, scope);
    const hit = byId.get(id);
    if (hit !== undefined) return hit;
    const cut = scope.lastIndexOf('/');
    const parent = groupOf(phase, cut < 0 ? '' : scope.slice(0, cut));
    const g = newGroup(groups, id, phase, scope, parent);
    byId.set(id, g.index);
    return g.index;
  };

  let maxOp = 0;
  for (const op of ops) if (op.id > maxOp) maxOp = op.id;
  const opIndex = new Int32Array(maxOp + 1).fill(-1);
  const opGroup = new Int32Array(ops.length);
  const opOps = new Float64Array(ops.length);
  const opFl = new Float64Array(ops.length);
  const opBy = new Float64Array(ops.length);
  const types = (id: number): TensorType => program.values[id].type;
  let lastKey = '';
  let lastGroup = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    opIndex[op.id] = i;
    const key = op.phase + ':' + op.scope;
    if (key !== lastKey) {
      lastGroup = groupOf(op.phase, op.scope);
      lastKey = key;
    }
    opGroup[i] = lastGroup;
    groups[lastGroup].ops.push(i);
    const s = deepStats(program, op, types);
    opOps[i] = s.ops;
    opFl[i] = s.flops;
    opBy[i] = s.bytes;
    const g = groups[lastGroup];
    g.opCount += s.ops;
    g.flops += s.flops;
    g.bytes += s.bytes;
    g.phaseOps[op.phase] += s.ops;
  }
  // children always come after their parent, so one backward pass sums the totals upwards
  for (let g = groups.length - 1; g > 0; g--) {
    const c = groups[g];
    const p = groups[c.parent];
    p.opCount += c.opCount;
    p.flops += c.flops;
    p.bytes += c.bytes;
    for (const ph of PHASES) p.phaseOps[ph] += c.phaseOps[ph];
  }

  const nv = program.values.length;
  const valueDef = new Int32Array(nv).fill(-1);
  const valueBytes = new Float64Array(nv);
  const useCount = new Int32Array(nv + 1);
  for (let i = 0; i < ops.length; i++) {
    for (const r of ops[i].results) valueDef[r] = i;
    for (const v of ops[i].operands) useCount[v + 1]++;
  }
  for (let v = 0; v < nv; v++) {
    valueBytes[v] = tensorBytes(program.values[v].type);
    useCount[v + 1] += useCount[v];
  }
  const useStart = useCount;
  const fill = useStart.slice(0, nv);
  const useOps = new Int32Array(useStart[nv]);
  for (let i = 0; i < ops.length; i++) for (const v of ops[i].operands) useOps[fill[v]++] = i;

  return {
    program,
    groups,
    byId,
    phases,
    opGroup,
    opIndex,
    opOps,
    opFlops: opFl,
    opBytes: opBy,
    valueDef,
    useStart,
    useOps,
    valueBytes,
  };
}

/**
 * One top-level op with what it contains, counted as programStats counts the whole program:
 * while bodies run tripCount times (the condition once more), a case costs its most expensive
 * branch, a call its callee.
 */
function deepStats(
  program: Program,
  root: Op,
  types: (id: number) => TensorType,
): { ops: number; flops: number; bytes: number } {
  let ops = 0;
  let flops = 0;
  let bytes = 0;
  const walk = (op: Op, mult: number, depth: number) => {
    if (depth > 64)
      throw new Error('scope tree: call nesting deeper than 64 (recursive functions?)');
    ops++;
    flops += opFlops(op, types) * mult;
    bytes += opBytes(op, types) * mult;
    if (op.kind === 'while') {
      const trips = (op.attrs as OpAttrs['while']).tripCount;
      for (const o of op.regions[1].ops) walk(o, mult * trips, depth + 1);
      for (const o of op.regions[0].ops) walk(o, mult * (trips + 1), depth + 1);
    } else if (op.kind === 'case') {
      let worst: readonly Op[] = [];
      let worstF = -1;
      for (const r of op.regions) {
        const f = r.ops.reduce((s, o) => s + opFlops(o, types), 0);
        if (f > worstF) [worst, worstF] = [r.ops, f];
      }
      for (const o of worst) walk(o, mult, depth + 1);
    } else if (op.kind === 'call') {
      const f = program.funcs.get((op.attrs as OpAttrs['call']).callee);
      if (f) for (const o of f.ops) walk(o, mult, depth + 1);
    }
  };
  walk(root, 1, 0);
  return { ops, flops, bytes };
}
