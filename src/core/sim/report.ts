import type { OpAttrs } from '../ir/ops.ts';
import type { Op, Program } from '../ir/program.ts';
import { opFlops } from '../ir/stats.ts';
import type { CollectiveRecord } from '../spmd/collective.ts';
import type { MemoryBreakdown } from './memory.ts';

/** Communication of one collective kind over one set of mesh axes, summed over the step. */
export interface CommRow {
  /** Mesh axes, comma-separated for a multi-axis collective (`data,fsdp`). */
  readonly axis: string;
  readonly kind: string;
  /** Bytes each device sends, summed over executions. */
  readonly bytes: number;
  /** Seconds on the axis's communication stream, summed over executions. */
  readonly timeS: number;
  readonly count: number;
}

export interface OpRow {
  readonly op: number;
  readonly kind: string;
  readonly scope: string;
  readonly timeS: number;
  readonly runs: number;
}

export interface ScopeRow {
  /** Scope with layer indices collapsed (`layers/*\/attn`), so repeated layers add up. */
  readonly scope: string;
  readonly timeS: number;
  readonly flops: number;
}

export interface SimReport {
  readonly hardware: string;
  readonly devices: number;
  readonly overlap: boolean;
  readonly stepTimeS: number;
  readonly computeTimeS: number;
  readonly commTimeS: number;
  readonly exposedCommTimeS: number;
  readonly criticalPath: {
    readonly computeS: number;
    readonly commS: number;
    readonly ops: number;
  };
  /** Model FLOPs of one step, all devices (PaLM convention, see modelFlops). */
  readonly modelFlops: number;
  /** Matmul FLOPs the devices execute, remat and redundant (replicated) work included. */
  readonly executedFlops: number;
  readonly peakFlops: number;
  /** Model FLOPs utilisation, a fraction: modelFlops / (stepTime · devices · peak). */
  readonly mfu: number;
  /** Hardware FLOPs utilisation: executedFlops over the same denominator. */
  readonly hfu: number;
  readonly tokensPerStep: number | null;
  readonly tokensPerS: number | null;
  readonly peakMemoryBytes: number;
  readonly memoryBreakdown: MemoryBreakdown;
  readonly hbmBytes: number;
  readonly fits: boolean;
  readonly comm: readonly CommRow[];
  /** The most expensive ops and scopes of the per-device program, by total time. */
  readonly topOps: readonly OpRow[];
  readonly topScopes: readonly ScopeRow[];
}

/**
 * Model FLOPs of one run of the (global) program as PaLM counts them (model-configs.md §11):
 * matmul and convolution FLOPs, 2 per multiply-add, while bodies × tripCount, ops re-emitted by
 * remat excluded. For a training step this is 6·N·tokens + 12·L·H·Q·T·tokens with N the
 * parameters used in matmuls and no causal discount (src/core/models/flops.test.ts checks it).
 */
export function modelFlops(p: Program): number {
  const types = (id: number) => p.values[id].type;
  let total = 0;
  const walk = (ops: readonly Op[], mult: number, depth: number) => {
    if (depth > 64) throw new Error('modelFlops: nesting deeper than 64 (recursive calls?)');
    for (const op of ops) {
      if (op.remat) continue;
      if (op.kind === 'dot_general' || op.kind === 'convolution')
        total += opFlops(op, types) * mult;
      else if (op.kind === 'while') {
        walk(op.regions[1].ops, mult * (op.attrs as OpAttrs['while']).tripCount, depth + 1);
      } else if (op.kind === 'call') {
        const f = p.funcs.get((op.attrs as OpAttrs['call']).callee);
        if (f) walk(f.ops, mult, depth + 1);
      } else if (op.kind === 'case' && op.regions.length) {
        walk(op.regions[0].ops, mult, depth + 1);
      }
    }
  };
  walk(p.main.ops, 1, 0);
  return total;
}

/** Sums collectives per (axes, kind); `runs` gives each collective op's executions. */
export function commRows(
  records: readonly CollectiveRecord[],
  costOf: (c: CollectiveRecord) => { timeS: number; bytesSent: number },
  runs: (opId: number) => number,
): CommRow[] {
  const rows = new Map<
    string,
    { axis: string; kind: string; bytes: number; timeS: number; count: number }
  >();
  for (const c of records) {
    if (c.kind === 'slice') continue;
    const n = runs(c.opId);
    if (n === 0) continue;
    const axis = c.axes.join(',');
    const key = `${axis}\t${c.kind}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { axis, kind: c.kind, bytes: 0, timeS: 0, count: 0 }));
    const cost = costOf(c);
    row.bytes += cost.bytesSent * n;
    row.timeS += cost.timeS * n;
    row.count += n;
  }
  return [...rows.values()].sort((a, b) => b.timeS - a.timeS);
}

/** Collapses layer indices so the same scope of every layer adds up: layers/3/mlp → layers/*\/mlp. */
export function scopeKey(scope: string): string {
  return scope.replace(/\/\d+(?=\/|$)/g, '/*');
}

/** The `limit` most expensive ops and collapsed scopes of a program, by total time; `opFlops`
 *  holds one execution's FLOPs by op id. */
export function topCosts(
  p: Program,
  opTimeS: Float64Array,
  opRuns: Int32Array,
  opFlops: Float64Array,
  limit = 20,
): { ops: OpRow[]; scopes: ScopeRow[] } {
  const acc: TopAcc = { top: [], limit, byScope: new Map(), last: undefined, lastScope: '' };
  visitTop(p.main.ops, opTimeS, opRuns, opFlops, acc);
  for (const f of p.funcs.values()) visitTop(f.ops, opTimeS, opRuns, opFlops, acc);
  const scopes = new Map<string, ScopeRow>();
  for (const [raw, s] of acc.byScope) {
    const key = scopeKey(raw);
    const row = scopes.get(key);
    scopes.set(key, {
      scope: key,
      timeS: (row?.timeS ?? 0) + s.timeS,
      flops: (row?.flops ?? 0) + s.flops,
    });
  }
  return {
    ops: acc.top.map((op) => ({
      op: op.id,
      kind: op.kind,
      scope: op.scope,
      timeS: opTimeS[op.id] ?? 0,
      runs: opRuns[op.id],
    })),
    scopes: [...scopes.values()]
      .filter((s) => s.timeS > 0)
      .sort((a, b) => b.timeS - a.timeS)
      .slice(0, limit),
  };
}

interface ScopeAcc {
  timeS: number;
  flops: number;
}

interface TopAcc {
  /** Sorted by time, descending, at most `limit`. */
  readonly top: Op[];
  readonly limit: number;
  /** Sums by raw scope (collapsed afterwards: far fewer raw scopes than ops). */
  readonly byScope: Map<string, ScopeAcc>;
  /** The last scope's sums: neighbouring ops mostly share a scope. */
  last: ScopeAcc | undefined;
  lastScope: string;
}

function visitTop(
  list: readonly Op[],
  opTimeS: Float64Array,
  opRuns: Int32Array,
  opFlops: Float64Array,
  acc: TopAcc,
): void {
  const top = acc.top;
  for (let j = 0; j < list.length; j++) {
    const op = list[j];
    const id = op.id;
    const t = opTimeS[id] ?? 0;
    const runs = opRuns[id] ?? 0;
    if (
      t > 0 &&
      acc.limit > 0 &&
      (top.length < acc.limit || t > (opTimeS[top[top.length - 1].id] ?? 0))
    ) {
      let i = top.length;
      while (i > 0 && (opTimeS[top[i - 1].id] ?? 0) < t) i--;
      top.splice(i, 0, op);
      if (top.length > acc.limit) top.pop();
    }
    if (runs > 0) {
      const scope = op.scope;
      let s = acc.last;
      if (s === undefined || scope !== acc.lastScope) {
        s = acc.byScope.get(scope);
        if (!s) acc.byScope.set(scope, (s = { timeS: 0, flops: 0 }));
        acc.last = s;
        acc.lastScope = scope;
      }
      s.timeS += t;
      s.flops += runs * opFlops[id];
    }
    const regions = op.regions;
    for (let k = 0; k < regions.length; k++)
      visitTop(regions[k].ops, opTimeS, opRuns, opFlops, acc);
  }
}
