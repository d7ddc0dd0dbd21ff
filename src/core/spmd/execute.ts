import type { HostTensor } from '../ir/host-tensor.ts';
import {
  EvalError,
  evaluateFunc,
  KNOWN_CUSTOM_CALLS,
  OP_EVALUATORS,
  type EvalContext,
  type OpEvaluator,
} from '../ir/interpreter.ts';
import { fail, opError, opLabel } from '../ir/interpreter/context.ts';
import { binaryScalarFn } from '../ir/interpreter/elementwise.ts';
import type { CollectiveReduction, OpAttrs, OpKind } from '../ir/ops.ts';
import type { Op, Program, Region, ValueId } from '../ir/program.ts';
import { shapeEqual, shapeNumel, typeToString } from '../ir/shape.ts';
import {
  meshAxisSize,
  meshDeviceCount,
  meshGroup,
  meshGroupRank,
  meshHasAxis,
  meshToString,
  type Mesh,
} from '../mesh/mesh.ts';
import { deviceLabel, hostChunk, hostConcat } from './host-sharding.ts';

/**
 * The SPMD interpreter: runs a per-device program on every device of the mesh in lockstep, op
 * by op, so that a collective sees the operands of its whole group at once. Local ops run per
 * device through the reference interpreter's evaluators (OP_EVALUATORS); collectives combine
 * across each group; while, case and call run their bodies in lockstep too, so collectives may
 * sit inside loops. Together with hostShard/hostUnshard this is the proof of a lowering:
 * unshard(evaluateSpmd(lowered, shard(x))) must equal evaluate(global, x).
 */

/** What local evaluators see on one device. */
export interface SpmdEvalContext extends EvalContext {
  readonly mesh: Mesh;
  readonly device: number;
}

/** An evaluation error with the devices it concerns (one for a local op, several for a disagreement). */
export class SpmdEvalError extends EvalError {
  constructor(
    message: string,
    where: EvalError['where'],
    readonly devices: readonly number[],
    options?: { cause?: unknown },
  ) {
    super(message, where, options);
    this.name = 'SpmdEvalError';
  }
}

/**
 * Runs `p` on every device of `mesh`. `inputs[d]` are device d's arguments in `p.main.params`
 * order; the result's [d] are device d's outputs in `p.outputs` order.
 */
export function evaluateSpmd(
  p: Program,
  mesh: Mesh,
  inputs: readonly (readonly HostTensor[])[],
): HostTensor[][] {
  checkMesh(p, mesh);
  const n = meshDeviceCount(mesh);
  if (inputs.length !== n)
    throw new SpmdEvalError(
      `evaluateSpmd: the mesh ${meshToString(mesh)} has ${n} devices but inputs were given for ${inputs.length}`,
      undefined,
      [],
    );
  const run: Run = {
    p,
    mesh,
    ctxs: Array.from({ length: n }, (_, device) => deviceContext(p, mesh, device)),
  };
  const outputs = p.outputs.map((o) => o.value);
  return runBlock(run, p.main.params, p.main.ops, outputs, inputs, `program '${p.name}'`);
}

interface Run {
  readonly p: Program;
  readonly mesh: Mesh;
  readonly ctxs: readonly SpmdEvalContext[];
}

/** Per device: the args of one op, or the results. */
type PerDevice = readonly (readonly HostTensor[])[];

/** A collective: the operands of one group in rank order → each member's results, in rank order. */
type Collective = (op: Op, members: readonly HostTensor[], mesh: Mesh) => HostTensor[];

/** An op that runs on all devices at once. */
type LockstepEvaluator = (op: Op, args: PerDevice, run: Run) => HostTensor[][];

function checkMesh(p: Program, mesh: Mesh): void {
  const m = p.meta.mesh;
  if (!m) return;
  const same =
    m.axes.length === mesh.axes.length &&
    m.axes.every((a, i) => a.name === mesh.axes[i].name && a.size === mesh.axes[i].size);
  if (!same)
    throw new SpmdEvalError(
      `evaluateSpmd: program '${p.name}' was lowered for mesh ${meshToString(m)} but is run on ${meshToString(mesh)}`,
      undefined,
      [],
    );
}

/** Regions of local ops (combiners, comparators) run on one device through the plain interpreter. */
function deviceContext(p: Program, mesh: Mesh, device: number): SpmdEvalContext {
  return {
    program: p,
    mesh,
    device,
    customCalls: KNOWN_CUSTOM_CALLS,
    runRegion: (r, args) => evaluateFunc(p, r, args),
  };
}

function groupAxes(op: Op, mesh: Mesh): readonly string[] {
  const { axes } = op.attrs as OpAttrs['all_reduce'];
  axes.forEach((a, i) => {
    if (!meshHasAxis(mesh, a))
      fail(op, `axis '${a}' is not an axis of the mesh ${meshToString(mesh)}`);
    if (axes.indexOf(a) !== i) fail(op, `axis '${a}' appears twice in [${axes.join(',')}]`);
  });
  return axes;
}

// ---- ops that run per device --------------------------------------------

const evalAxisIndex: OpEvaluator = (op, args, ctx) => {
  const { mesh, device } = ctx as SpmdEvalContext;
  return [
    {
      shape: [],
      dtype: 'i32',
      data: Float64Array.of(meshGroupRank(mesh, device, groupAxes(op, mesh))),
    },
  ];
};

const evalShardSlice: OpEvaluator = (op, args, ctx) => {
  const { mesh, device } = ctx as SpmdEvalContext;
  const { dim } = op.attrs as OpAttrs['shard_slice'];
  const axes = groupAxes(op, mesh);
  return [
    hostChunk(
      args[0],
      dim,
      meshGroup(mesh, device, axes).length,
      meshGroupRank(mesh, device, axes),
    ),
  ];
};

const LOCAL_EVALUATORS: Readonly<Record<OpKind, OpEvaluator>> = {
  ...OP_EVALUATORS,
  axis_index: evalAxisIndex,
  shard_slice: evalShardSlice,
};

// ---- collectives ----------------------------------------------------------

const REDUCTION_KIND = { sum: 'add', max: 'maximum', min: 'minimum' } as const;

/** The elementwise reduction of the members, folded in rank order with the global program's scalar ops. */
function reduceMembers(members: readonly HostTensor[], reduction: CollectiveReduction): HostTensor {
  const [first] = members;
  const f = binaryScalarFn(REDUCTION_KIND[reduction], first.dtype);
  const data = Float64Array.from(first.data);
  for (const m of members.slice(1))
    for (let i = 0; i < data.length; i++) data[i] = f(data[i], m.data[i]);
  return { shape: first.shape, dtype: first.dtype, data };
}

const COLLECTIVES: Readonly<Partial<Record<OpKind, Collective>>> = {
  all_gather: (op, members) => {
    const { dim } = op.attrs as OpAttrs['all_gather'];
    const out = hostConcat(members, dim);
    return members.map(() => out);
  },
  all_reduce: (op, members) => {
    const out = reduceMembers(members, (op.attrs as OpAttrs['all_reduce']).reduction);
    return members.map(() => out);
  },
  all_to_all: (op, members) => {
    const { splitDim, concatDim } = op.attrs as OpAttrs['all_to_all'];
    const n = members.length;
    const chunks = members.map((m) =>
      Array.from({ length: n }, (_, j) => hostChunk(m, splitDim, n, j)),
    );
    return members.map((_, j) =>
      hostConcat(
        chunks.map((c) => c[j]),
        concatDim,
      ),
    );
  },
  collective_permute: (op, members, mesh) => {
    // member r (rank over `axes`) holds chunk r of the dim; it must end with the chunk of its rank
    // over `to`, which the member of that rank over `axes` holds
    const { axes, to } = op.attrs as OpAttrs['collective_permute'];
    const sizes = axes.map((a) => meshAxisSize(mesh, a));
    return members.map((_, r) => members[rerank(r, axes, sizes, to)]);
  },
  reduce_scatter: (op, members) => {
    const { dim, reduction } = op.attrs as OpAttrs['reduce_scatter'];
    const sum = reduceMembers(members, reduction);
    return members.map((_, r) => hostChunk(sum, dim, members.length, r));
  },
};

/** A rank over `axes` (major to minor, with their sizes) re-expressed over the order `to`. */
export function rerank(
  r: number,
  axes: readonly string[],
  sizes: readonly number[],
  to: readonly string[],
): number {
  const coord = new Map<string, number>();
  for (let k = axes.length - 1; k >= 0; k--) {
    coord.set(axes[k], r % sizes[k]);
    r = Math.floor(r / sizes[k]);
  }
  let t = 0;
  for (const a of to) t = t * sizes[axes.indexOf(a)] + coord.get(a)!;
  return t;
}

/** Runs a collective once per group (found from its rank-0 member) and hands each member its share. */
function lockstepCollective(collective: Collective): LockstepEvaluator {
  return (op, args, run) => {
    const axes = groupAxes(op, run.mesh);
    const out: HostTensor[][] = new Array(args.length);
    for (let d = 0; d < args.length; d++) {
      if (meshGroupRank(run.mesh, d, axes) !== 0) continue;
      const group = meshGroup(run.mesh, d, axes);
      const results = collective(
        op,
        group.map((g) => args[g][0]),
        run.mesh,
      );
      group.forEach((g, r) => (out[g] = [results[r]]));
    }
    return out;
  };
}

// ---- control flow in lockstep ---------------------------------------------

function runRegion(run: Run, r: Region, args: PerDevice, what: string): HostTensor[][] {
  return runBlock(run, r.params, r.ops, r.yields, args, what);
}

/** Devices grouped by a per-device value, for messages: `0,1 → 2; 3 → 0`. */
function describeSplit(values: readonly (number | boolean)[]): string {
  const by = new Map<string, number[]>();
  values.forEach((v, d) => by.set(String(v), [...(by.get(String(v)) ?? []), d]));
  return [...by]
    .map(([v, ds]) => `device${ds.length > 1 ? 's' : ''} ${ds.join(',')} → ${v}`)
    .join('; ');
}

/** Fails unless every device computed the same value; SPMD control flow may not diverge. */
function uniform<T extends number | boolean>(op: Op, values: readonly T[], what: string): T {
  if (values.every((v) => v === values[0])) return values[0];
  throw new SpmdEvalError(
    `${opLabel(op)}: ${what} differs across devices (${describeSplit(values)}); an SPMD program takes the same path on every device`,
    where(op),
    values.map((_, d) => d),
  );
}

const lockstepWhile: LockstepEvaluator = (op, args, run) => {
  const { tripCount } = op.attrs as OpAttrs['while'];
  const [cond, body] = op.regions;
  if (!cond || !body) fail(op, 'needs a cond and a body region');
  let carried: PerDevice = args;
  const test = () =>
    uniform(
      op,
      runRegion(run, cond, carried, 'while cond').map((r) => r[0].data[0] !== 0),
      'the loop condition',
    );
  for (let i = 0; i < tripCount; i++) {
    if (!test()) fail(op, `cond is false before iteration ${i}, but tripCount is ${tripCount}`);
    carried = runRegion(run, body, carried, 'while body');
  }
  if (test()) fail(op, `cond is still true after ${tripCount} iterations (tripCount)`);
  return carried.map((c) => [...c]);
};

/** An out-of-range index picks the last branch (StableHLO); the branch must be the same everywhere. */
const lockstepCase: LockstepEvaluator = (op, args, run) => {
  const n = op.regions.length;
  if (n === 0) fail(op, 'has no branches');
  const branches = args.map((a) => {
    if (a.length < 1) fail(op, 'expects an index argument');
    const i = Math.trunc(a[0].data[0]);
    return i >= 0 && i < n ? i : n - 1;
  });
  const branch = uniform(op, branches, 'the branch taken');
  return runRegion(
    run,
    op.regions[branch],
    args.map((a) => a.slice(1)),
    `case branch ${branch}`,
  );
};

const lockstepCall: LockstepEvaluator = (op, args, run) => {
  const { callee } = op.attrs as OpAttrs['call'];
  const f = run.p.funcs.get(callee);
  if (!f) fail(op, `calls @${callee}, which the program does not define`);
  return runBlock(run, f.params, f.ops, f.results, args, `@${callee}`);
};

const LOCKSTEP: Readonly<Partial<Record<OpKind, LockstepEvaluator>>> = {
  all_gather: lockstepCollective(COLLECTIVES.all_gather!),
  all_reduce: lockstepCollective(COLLECTIVES.all_reduce!),
  all_to_all: lockstepCollective(COLLECTIVES.all_to_all!),
  collective_permute: lockstepCollective(COLLECTIVES.collective_permute!),
  call: lockstepCall,
  case: lockstepCase,
  reduce_scatter: lockstepCollective(COLLECTIVES.reduce_scatter!),
  while: lockstepWhile,
};

// ---- the lockstep block runner ---------------------------------------------

function where(op: Op): EvalError['where'] {
  return { opId: op.id, kind: op.kind, scope: op.scope };
}

function devicesOf(e: unknown): readonly number[] {
  return e instanceof SpmdEvalError ? e.devices : [];
}

/**
 * Gives an error to the op it escaped from, the way the reference interpreter does (errors of a
 * nested op get `inside <op>` appended), and to the device it happened on when there is one.
 */
function attribute(e: unknown, op: Op, run: Run, device?: number): unknown {
  let err: EvalError;
  if (e instanceof EvalError && e.where) {
    err =
      e.where.opId === op.id
        ? e
        : new EvalError(`${e.message}\n  inside ${opLabel(op)}`, e.where, { cause: e.cause });
  } else if (e instanceof Error) {
    const base = opError(op, e instanceof EvalError ? e.message : `evaluator failed: ${e.message}`);
    err = new EvalError(base.message, base.where, { cause: e });
  } else return e;
  if (device === undefined)
    return new SpmdEvalError(err.message, err.where, devicesOf(e), { cause: err.cause });
  return new SpmdEvalError(
    `${err.message}\n  on ${deviceLabel(run.mesh, device)}`,
    err.where,
    [device],
    { cause: err.cause },
  );
}

function describe(t: { shape: readonly number[]; dtype: HostTensor['dtype'] }): string {
  return typeToString({ shape: t.shape, dtype: t.dtype });
}

function checkArgs(run: Run, params: readonly ValueId[], args: PerDevice, what: string): void {
  args.forEach((devArgs, d) => {
    const on = `${what} on ${deviceLabel(run.mesh, d)}`;
    if (devArgs.length !== params.length)
      throw new SpmdEvalError(
        `${on} takes ${params.length} arguments, got ${devArgs.length}`,
        undefined,
        [d],
      );
    params.forEach((id, i) => {
      const v = run.p.values[id];
      const a = devArgs[i];
      const label = v.name ? `argument ${i} ('${v.name}')` : `argument ${i}`;
      if (
        !shapeEqual(a.shape, v.type.shape) ||
        a.dtype !== v.type.dtype ||
        a.data.length !== shapeNumel(a.shape)
      )
        throw new SpmdEvalError(
          `${on}: ${label} is ${describe(a)} (${a.data.length} elements) but the parameter is ${describe(v.type)}`,
          undefined,
          [d],
        );
    });
  });
}

function checkResults(run: Run, op: Op, results: readonly HostTensor[], device: number): void {
  const bad = (why: string) =>
    new SpmdEvalError(`${opLabel(op)}: ${why}\n  on ${deviceLabel(run.mesh, device)}`, where(op), [
      device,
    ]);
  if (!Array.isArray(results) || results.length !== op.results.length)
    throw bad(`evaluator returned ${results?.length} results, the op has ${op.results.length}`);
  results.forEach((r, i) => {
    const t = run.p.values[op.results[i]].type;
    if (
      !shapeEqual(r.shape, t.shape) ||
      r.dtype !== t.dtype ||
      r.data.length !== shapeNumel(t.shape)
    )
      throw bad(
        `produced ${describe(r)} (${r.data.length} elements) for result ${i}, declared ${describe(t)}`,
      );
  });
}

function runOp(run: Run, op: Op, args: PerDevice): HostTensor[][] {
  const lockstep = LOCKSTEP[op.kind];
  if (lockstep) {
    try {
      return lockstep(op, args, run);
    } catch (e) {
      throw attribute(e, op, run);
    }
  }
  const ev = LOCAL_EVALUATORS[op.kind];
  if (!ev) throw opError(op, `no evaluator is registered for kind '${op.kind}'`);
  return args.map((a, d) => {
    try {
      return ev(op, a, run.ctxs[d]);
    } catch (e) {
      throw attribute(e, op, run, d);
    }
  });
}

function runBlock(
  run: Run,
  params: readonly ValueId[],
  ops: readonly Op[],
  yields: readonly ValueId[],
  args: PerDevice,
  what: string,
): HostTensor[][] {
  checkArgs(run, params, args, what);
  const envs = args.map((a) => new Map<ValueId, HostTensor>(params.map((v, i) => [v, a[i]])));
  for (const op of ops) {
    const opArgs = envs.map((env) =>
      op.operands.map((v, i) => {
        const t = env.get(v);
        if (!t)
          throw opError(
            op,
            `operand ${i} (%${v}) is not defined in this block (regions are closed)`,
          );
        return t;
      }),
    );
    const results = runOp(run, op, opArgs);
    results.forEach((r, d) => {
      checkResults(run, op, r, d);
      op.results.forEach((v, i) => envs[d].set(v, r[i]));
    });
  }
  return envs.map((env) =>
    yields.map((v) => {
      const t = env.get(v);
      if (!t) throw new EvalError(`${what} returns %${v}, which it does not define`);
      return t;
    }),
  );
}
