import { ProgramBuilder } from '../ir/builder.ts';
import { dtypeBytes, dtypeIsFloat } from '../ir/dtype.ts';
import type { CollectiveReduction, OpAttrs } from '../ir/ops.ts';
import type { Func, Op, Program, Region, Value, ValueId } from '../ir/program.ts';
import type { Mesh } from '../mesh/mesh.ts';
import { axisSize } from '../sharding/projection.ts';
import { shardingToString, type Sharding } from '../sharding/sharding.ts';
import { tacticDrivesOp, tacticShardsGradients, type ScheduleResult } from '../tactics/apply.ts';
import type { CollectiveRecord } from './collective.ts';
import type { FactorRule, TensorMapping } from '../sharding/factor-rule.ts';
import {
  chooseFactors,
  layoutIsUnder,
  reductionAxes,
  shardingUnder,
  unsplitFactors,
  type Placement,
} from './factor-assignment.ts';
import { hasLocalAttrs, localAttrs, localShape } from './localize.ts';
import { reshard, type Placed } from './reshard.ts';

export interface SpmdProgram {
  /** The per-device program: local shapes, explicit collectives; meta.mesh set. */
  readonly program: Program;
  readonly mesh: Mesh;
  readonly collectives: readonly CollectiveRecord[];
  /** Sharding of each program input and output of the local program (in order). */
  readonly inputShardings: readonly Sharding[];
  readonly outputShardings: readonly Sharding[];
  /** The local value standing for each global value, where one was made. */
  readonly localOf: ReadonlyMap<ValueId, ValueId>;
}

/** Ops through which an unreduced (partial) operand may stay partial: they are linear in it. */
const LINEAR_UNARY = new Set(['negate', 'convert', 'transpose', 'reshape']);
const LINEAR_SUM = new Set(['add', 'subtract']);

/**
 * Each lowered value's versions (first the one it was made as, then its reshards), by value id:
 * the Placed itself while it is the only one (most values), a list once resharded.
 */
type Env = (Placed | Placed[] | undefined)[];

/** The version a value was made as. */
function firstOf(env: Env, id: ValueId): Placed | undefined {
  const e = env[id];
  return e === undefined || !Array.isArray(e) ? e : e[0];
}

/**
 * Lowers a partitioned program to the per-device SPMD program: every op runs on local shapes,
 * and wherever a value's layout differs from what its consumer needs, the reshard becomes
 * explicit collectives (recorded with axes, scope and reason).
 */
export function lowerToSpmd(result: ScheduleResult): SpmdProgram {
  return new Lowering(result).run();
}

class Lowering {
  private readonly b: ProgramBuilder;
  private readonly collectives: CollectiveRecord[] = [];
  private readonly localOf = new Map<ValueId, ValueId>();
  /** 1 for a parameter's gradient, by value id (see paramGradientsOf). */
  private readonly paramGradients: Uint8Array;
  /** localOf.has(id), by value id. */
  private readonly hasLocal: Uint8Array;
  private readonly funcs = new Map<string, Func>();
  private trips = 1;
  private readonly p: Program;
  private readonly mesh: Mesh;

  constructor(private readonly r: ScheduleResult) {
    this.p = r.program;
    this.mesh = r.mesh;
    this.hasLocal = new Uint8Array(this.p.values.length);
    this.paramGradients = paramGradientsOf(this.p);
    this.b = new ProgramBuilder(this.p.name, { ...this.p.meta, mesh: { axes: this.mesh.axes } });
    this.b.axisSizes = (a) => axisSize(this.mesh, a);
  }

  private recorded(v: ValueId): Sharding {
    return this.r.final.sharding(v);
  }

  run(): SpmdProgram {
    const { p, b } = this;
    const env: Env = new Array(p.values.length);
    const inputShardings: Sharding[] = [];
    const localInputs: Value[] = [];
    for (const id of p.main.params) {
      const v = p.values[id];
      const s = this.recorded(id);
      const nonPartial = { ...s, partial: [] };
      inputShardings.push(nonPartial);
      const local: Value = b.atScope(v.scope, () =>
        b.input(
          v.name.slice(v.scope ? v.scope.length + 1 : 0),
          localShape(v.type.shape, nonPartial, this.mesh),
          v.type.dtype,
          v.role!,
        ),
      );
      localInputs.push(local);
      this.bind(env, id, { value: local, sharding: nonPartial, reduction: 'sum' });
    }
    this.lowerOps(p.main.ops, env);
    const outputShardings: Sharding[] = [];
    for (const o of p.outputs) {
      const want =
        o.aliases !== undefined
          ? inputShardings[o.aliases]
          : { ...this.recorded(o.value), partial: [] };
      const placed = this.get(env, o.value, want, `program output '${o.name}'`, '', 'optimizer');
      outputShardings.push(want);
      b.output(o.name, placed.value, o.aliases !== undefined ? localInputs[o.aliases] : undefined);
    }
    return {
      program: b.build(),
      mesh: this.mesh,
      collectives: this.collectives,
      inputShardings,
      outputShardings,
      localOf: this.localOf,
    };
  }

  private bind(env: Env, id: ValueId, placed: Placed): void {
    env[id] = placed;
    if (this.hasLocal[id]) return;
    this.hasLocal[id] = 1;
    this.localOf.set(id, placed.value.id);
  }

  /** The value laid out as `want`, resharding (and caching the result) when needed. */
  private get(
    env: Env,
    id: ValueId,
    want: Sharding,
    reason: string,
    scope: string,
    phase: Op['phase'],
  ): Placed {
    const versions = env[id];
    if (!versions) throw new Error(`SPMD lowering: value %${id} used before it is lowered`);
    if (!Array.isArray(versions)) {
      if (sameLayout(versions.sharding, want) && reusable(versions, phase)) return versions;
    } else
      for (const x of versions) if (sameLayout(x.sharding, want) && reusable(x, phase)) return x;
    return this.reshardTo(env, id, want, reason, scope, phase);
  }

  /** get() for an op's operand, wanted as shardingUnder(mapping, fa, partial): built only to reshard. */
  private getOperand(
    env: Env,
    op: Op,
    i: number,
    mapping: TensorMapping,
    fa: readonly string[][],
    partial: readonly string[],
  ): Placed {
    const id = op.operands[i];
    const versions = env[id];
    if (!versions) throw new Error(`SPMD lowering: value %${id} used before it is lowered`);
    if (!Array.isArray(versions)) {
      const x = versions;
      if (layoutIsUnder(x.sharding, mapping, fa, partial) && reusable(x, op.phase)) return x;
    } else
      for (const x of versions)
        if (layoutIsUnder(x.sharding, mapping, fa, partial) && reusable(x, op.phase)) return x;
    const want = shardingUnder(mapping, fa, partial);
    const reason = `operand ${i} of ${op.kind} (op #${op.id})`;
    return this.reshardTo(env, id, want, reason, op.scope, op.phase);
  }

  private reshardTo(
    env: Env,
    id: ValueId,
    want: Sharding,
    reason: string,
    scope: string,
    phase: Op['phase'],
  ): Placed {
    const versions = env[id]!;
    const src = Array.isArray(versions) ? versions[0] : versions;
    const key = shardingToString(want);
    let gathered = false;
    const made = this.b.atScope(scope, () =>
      reshard(this.b, src, want, (kind, axes, res, operand) => {
        if (kind === 'all-gather') gathered = true;
        this.collectives.push({
          opId: res.def!,
          kind,
          axes: [...axes],
          shape: [...res.type.shape],
          operandShape: [...operand.type.shape],
          dtype: res.type.dtype,
          scope,
          phase,
          value: id,
          reason: `${reason} needs ${key} but %${id} is ${shardingToString(src.sharding)}`,
          tripCount: this.trips,
        });
      }),
    );
    const placed: Placed = gathered ? { ...made, gatheredIn: phase } : made;
    if (Array.isArray(versions)) versions.push(placed);
    else env[id] = [versions, placed];
    return placed;
  }

  private lowerOps(ops: readonly Op[], env: Env): void {
    const { b } = this;
    // Each op runs in its own scope and phase; the caller's are restored once at the end.
    // Nothing reads them between two ops, and the lowering only ever sets one absolute scope
    // (replaceScope/atScope), so an equal path means an equal stack: no swap is needed.
    const savedPhase = b.phase;
    let savedScope: string[] | undefined;
    try {
      for (const op of ops) {
        if (b.currentScope !== op.scope) {
          const outer = b.replaceScope(op.scope);
          savedScope ??= outer;
        }
        b.phase = op.phase;
        this.lowerOp(op, env);
      }
    } finally {
      b.phase = savedPhase;
      if (savedScope) b.restoreScope(savedScope);
    }
  }

  private lowerOp(op: Op, env: Env): void {
    if (op.kind === 'while' || op.kind === 'case') return this.lowerRegionOp(op, env);
    if (op.kind === 'call') return this.lowerCall(op, env);
    const rule = this.r.index.rule(op)!;
    const nOperands = op.operands.length;
    const nResults = op.results.length;
    if (op.kind !== 'scatter' && this.r.index.ruleIsUniform(op)) {
      if (this.lowerUniform(op, env)) return;
    }
    const operandPlaced: Placed[] = new Array(nOperands);
    for (let i = 0; i < nOperands; i++) operandPlaced[i] = firstOf(env, op.operands[i])!;
    const keepPartial = this.partialPassThrough(op, operandPlaced);
    const fa = this.unsplit(op, operandPlaced)
      ? unsplitFactors(rule, this.mesh)
      : this.factorsOf(op, rule, operandPlaced, keepPartial);
    const reduced = reductionAxes(rule, fa);
    const partial = reduced.length === 0 ? keepPartial : [...keepPartial, ...reduced];
    const locals: Value[] = new Array(nOperands);
    for (let i = 0; i < nOperands; i++) {
      // a scatter whose updates are split over axes adds every device's part into the operand:
      // the operand must then count once over those axes (a partial sum held by rank 0)
      const p = op.kind === 'scatter' && i === 0 ? partial : keepPartial;
      locals[i] = this.getOperand(env, op, i, rule.operands[i], fa, p).value;
    }
    const resultShardings: Sharding[] = new Array(nResults);
    for (let i = 0; i < nResults; i++)
      resultShardings[i] = this.resultSharding(op.results[i], rule.results[i], fa, partial);
    const results = this.emit(op, locals, resultShardings);
    const reduction = partialReduction(op, operandPlaced, keepPartial.length > 0);
    for (let i = 0; i < nResults; i++) {
      const v = op.results[i];
      this.bind(env, v, { value: results[i], sharding: resultShardings[i], reduction });
      if (this.isParamGradient(v)) this.settleNow(env, v);
    }
  }

  /**
   * The general path's outcome, without choosing factors, for an op whose rule is uniform (see
   * GraphIndex.ruleIsUniform: elementwise ops, constants, broadcasts of scalars) when every
   * result is recorded with one layout, neither partial nor pinned replicated, and every operand
   * is placed, reusable, with no partial axis and the same dims (a scalar has none): the results
   * offer their layout first, nothing moves, so it is the choice, no operand is resharded and
   * the results take the recorded sharding. False (nothing done) otherwise.
   */
  private lowerUniform(op: Op, env: Env): boolean {
    const state = this.r.final;
    const nResults = op.results.length;
    const s = state.sharding(op.results[0]);
    if (s.partial.length !== 0 || s.replicated.length !== 0) return false;
    for (let i = 1; i < nResults; i++) if (state.sharding(op.results[i]) !== s) return false;
    const nOperands = op.operands.length;
    const locals: Value[] = new Array(nOperands);
    for (let i = 0; i < nOperands; i++) {
      const x = firstOf(env, op.operands[i])!;
      const xs = x.sharding;
      if (xs !== s && (xs.partial.length !== 0 || !sameDims(xs.dims, s.dims))) return false;
      if (!reusable(x, op.phase)) return false;
      locals[i] = x.value;
    }
    let results: Value[];
    if (!hasLocalAttrs(op.kind) && op.regions.length === 0)
      results = this.b.op(op.kind, locals, op.attrs as OpAttrs[typeof op.kind]);
    else {
      const resultShardings: Sharding[] = new Array(nResults);
      for (let i = 0; i < nResults; i++) resultShardings[i] = s;
      results = this.emit(op, locals, resultShardings);
    }
    const reduction = partialReduction(op, NO_PLACED, false);
    for (let i = 0; i < nResults; i++) {
      const v = op.results[i];
      this.bind(env, v, { value: results[i], sharding: s, reduction });
      if (this.isParamGradient(v)) this.settleNow(env, v);
    }
    return true;
  }

  /**
   * shardingUnder(mapping, fa, partial) for result v; the recorded (interned) sharding itself
   * when it is equal to that, dims, partial order and all, so most results allocate none.
   */
  private resultSharding(
    v: ValueId,
    mapping: TensorMapping,
    fa: readonly string[][],
    partial: readonly string[],
  ): Sharding {
    const rec = this.r.final.sharding(v);
    if (rec.replicated.length === 0 && rec.partial.length === partial.length) {
      let same = true;
      for (let k = 0; k < partial.length && same; k++) same = rec.partial[k] === partial[k];
      if (same && layoutIsUnder(rec, mapping, fa, partial)) return rec;
    }
    return shardingUnder(mapping, fa, partial);
  }

  /** A parameter's gradient (what the optimizer consumes). */
  private isParamGradient(v: ValueId): boolean {
    return this.paramGradients[v] === 1;
  }

  /**
   * ZeRO-2/3 shard gradients: a parameter's gradient is reduce-scattered as soon as it exists,
   * so its full-size partial sum dies at once (ZeRO-1 keeps it whole until the optimizer). The
   * target is the layout the optimizer update uses it in (its first optimizer-phase consumer).
   */
  private settleNow(env: Env, v: ValueId): void {
    const placed = firstOf(env, v)!;
    const zeroAxes = this.zeroGradAxes();
    if (!placed.sharding.partial.some((a) => zeroAxes.includes(a))) return;
    const shape = this.p.values[v].type.shape;
    const consumer = this.r.index.users[v].find(
      (u) =>
        u.phase === 'optimizer' &&
        u.results.length > 0 &&
        this.p.values[u.results[0]].type.shape.join() === shape.join(),
    );
    if (!consumer) return;
    const dims = this.recorded(consumer.results[0]).dims;
    const flat = dims.flat();
    if (!placed.sharding.partial.some((a) => flat.includes(a))) return;
    const want: Sharding = {
      dims,
      partial: placed.sharding.partial.filter((a) => !flat.includes(a)),
      replicated: [],
    };
    const name = this.p.values[this.p.values[v].of!].name;
    env[v] = this.reshardTo(
      env,
      v,
      want,
      `gradient of '${name}' (ZeRO: reduce-scattered where produced)`,
      consumer.scope,
      'backward',
    );
  }

  private zeroAxesCache?: string[];

  /** Mesh axes on which a step shards gradients (ZeRO-2 and ZeRO-3 say so in their definitions). */
  private zeroGradAxes(): string[] {
    return (this.zeroAxesCache ??= this.r.steps
      .filter((s) => s.tactic.enabled !== false && tacticShardsGradients(s.tactic))
      .map((s) => s.tactic.axis));
  }

  /** chooseFactors for the op, its results as recorded, its operands as placed now. */
  private factorsOf(
    op: Op,
    rule: FactorRule,
    operandPlaced: readonly Placed[],
    keepPartial: readonly string[],
  ): string[][] {
    const values = this.p.values;
    const resultPlacements: Placement[] = new Array(op.results.length);
    for (let i = 0; i < op.results.length; i++) {
      const v = op.results[i];
      resultPlacements[i] = { sharding: this.recorded(v), type: values[v].type };
    }
    const operandPlacements: Placement[] = new Array(op.operands.length);
    for (let i = 0; i < op.operands.length; i++) {
      const v = op.operands[i];
      const sharding = this.drivingAxes(op, v, operandPlaced[i].sharding);
      operandPlacements[i] = { sharding, type: values[v].type };
    }
    return chooseFactors(rule, resultPlacements, operandPlacements, this.mesh, keepPartial);
  }

  /** No result recorded as split on a dim, no operand split or partial (see unsplitFactors). */
  private unsplit(op: Op, operandPlaced: readonly Placed[]): boolean {
    for (const p of operandPlaced) {
      if (p.sharding.partial.length !== 0 || !noDimSplit(p.sharding.dims)) return false;
    }
    for (const v of op.results) if (!noDimSplit(this.r.final.dimsOf(v))) return false;
    return true;
  }

  private emit(op: Op, locals: Value[], resultShardings: Sharding[]): Value[] {
    const { b } = this;
    if (!hasLocalAttrs(op.kind) && op.regions.length === 0)
      return b.op(op.kind, locals, op.attrs as OpAttrs[typeof op.kind]);
    const local = localAttrs(op, this.p, resultShardings, locals, this.mesh);
    const regions: Region[] = new Array(op.regions.length);
    for (let k = 0; k < op.regions.length; k++) regions[k] = this.lowerScalarRegion(op.regions[k]);
    const out = b.op(op.kind, locals, local.attrs as OpAttrs[typeof op.kind], { regions });
    return local.after ? local.after(b, out) : out;
  }

  /** Reduce/sort/scatter bodies work on scalars: they lower unchanged. */
  private lowerScalarRegion(r: Region): Region {
    const env: Env = [];
    return this.b.region(
      r.params.map((v) => this.p.values[v].type),
      (...params) => {
        r.params.forEach((v, i) =>
          this.bind(env, v, {
            value: params[i],
            sharding: rep(this.p.values[v].type.shape.length),
            reduction: 'sum',
          }),
        );
        this.lowerOps(r.ops, env);
        return r.yields.map((y) => firstOf(env, y)!.value);
      },
    );
  }

  /** while and case: the carried values keep the sharding propagation gave their body parameters. */
  private lowerRegionOp(op: Op, env: Env): void {
    const isWhile = op.kind === 'while';
    const carried = isWhile ? op.operands : op.operands.slice(1);
    const want = carried.map((_, i) => ({
      ...this.recorded(op.regions[isWhile ? 1 : 0].params[i]),
      partial: [] as string[],
    }));
    const args = carried.map(
      (v, i) =>
        this.get(
          env,
          v,
          want[i],
          `carried value ${i} of ${op.kind} (op #${op.id})`,
          op.scope,
          op.phase,
        ).value,
    );
    const index = isWhile
      ? []
      : [
          this.get(env, op.operands[0], rep(0), `index of case (op #${op.id})`, op.scope, op.phase)
            .value,
        ];
    const outWant = isWhile
      ? want
      : op.results.map((v) => ({ ...this.recorded(v), partial: [] as string[] }));
    const saved = this.trips;
    if (isWhile) this.trips *= (op.attrs as OpAttrs['while']).tripCount;
    const regions = op.regions.map((r, k) =>
      this.lowerBody(r, want, isWhile && k === 0 ? undefined : outWant),
    );
    this.trips = saved;
    const results = this.b.op(op.kind, [...index, ...args], op.attrs, { regions });
    op.results.forEach((v, i) =>
      this.bind(env, v, { value: results[i], sharding: outWant[i], reduction: 'sum' }),
    );
  }

  private lowerBody(
    r: Region,
    paramShardings: readonly Sharding[],
    yieldShardings: readonly Sharding[] | undefined,
  ): Region {
    return this.b.region(
      this.localTypes(r.params, paramShardings),
      this.bodyFn(r, paramShardings, yieldShardings),
    );
  }

  private localTypes(params: readonly ValueId[], shardings: readonly Sharding[]) {
    return params.map((v, i) => ({
      shape: localShape(this.p.values[v].type.shape, shardings[i], this.mesh),
      dtype: this.p.values[v].type.dtype,
    }));
  }

  private bodyFn(
    r: Region,
    paramShardings: readonly Sharding[],
    yieldShardings: readonly Sharding[] | undefined,
  ) {
    const env: Env = [];
    return (...params: Value[]) => {
      r.params.forEach((v, i) =>
        this.bind(env, v, { value: params[i], sharding: paramShardings[i], reduction: 'sum' }),
      );
      this.lowerOps(r.ops, env);
      return r.yields.map((y, i) => {
        const want = yieldShardings ? yieldShardings[i] : rep(this.p.values[y].type.shape.length);
        return this.get(env, y, want, `region yield ${i}`, this.b.currentScope, 'forward').value;
      });
    };
  }

  private lowerCall(op: Op, env: Env): void {
    const callee = this.p.funcs.get((op.attrs as OpAttrs['call']).callee)!;
    const want = callee.params.map((v) => ({ ...this.recorded(v), partial: [] as string[] }));
    const outWant = callee.results.map((v) => ({ ...this.recorded(v), partial: [] as string[] }));
    if (!this.funcs.has(callee.name)) {
      const r: Region = { params: callee.params, ops: callee.ops, yields: callee.results };
      this.funcs.set(
        callee.name,
        this.b.atScope('', () =>
          this.b.func(
            callee.name,
            this.localTypes(callee.params, want),
            this.bodyFn(r, want, outWant),
          ),
        ),
      );
    }
    const args = op.operands.map(
      (v, i) =>
        this.get(env, v, want[i], `argument ${i} of call @${callee.name}`, op.scope, op.phase)
          .value,
    );
    const results = this.b.op('call', args, op.attrs as OpAttrs['call']);
    op.results.forEach((v, i) =>
      this.bind(env, v, { value: results[i], sharding: outWant[i], reduction: 'sum' }),
    );
  }

  /** An operand's sharding without the axes whose tactic does not let them drive this op (ZeRO's storage axes). */
  private drivingAxes(op: Op, v: ValueId, s: Sharding): Sharding {
    let all = true;
    for (let d = 0; d < s.dims.length && all; d++) {
      const axes = s.dims[d];
      for (let k = 0; k < axes.length && all; k++) all = this.drives(op, v, axes[k]);
    }
    if (all) return s;
    return {
      ...s,
      dims: s.dims.map((axes) => {
        const k = axes.findIndex((a) => !this.drives(op, v, a));
        return k < 0 ? axes : axes.slice(0, k);
      }),
    };
  }

  private drives(op: Op, v: ValueId, a: string): boolean {
    const t = this.r.final.originTactic(v, a);
    return t < 0 || tacticDrivesOp(this.r, t, op);
  }

  /** Partial axes every operand shares, kept when the op is linear in them (saves all-reduces). */
  private partialPassThrough(op: Op, operands: readonly Placed[]): string[] {
    let anyPartial = false;
    for (const o of operands) {
      if (o.reduction !== 'sum') return NO_AXES;
      if (o.sharding.partial.length) anyPartial = true;
    }
    if (!anyPartial) return NO_AXES;
    if (LINEAR_UNARY.has(op.kind) && operands.length === 1) {
      // a partial sum stays partial through a cast only when the cast does not widen it: the
      // reduction then runs on the narrower type (bf16 gradients are reduced in bf16)
      if (op.kind === 'convert') {
        const to = this.p.values[op.results[0]].type.dtype;
        const from = this.p.values[op.operands[0]].type.dtype;
        if (!dtypeIsFloat(to) || dtypeBytes(to) > dtypeBytes(from)) return NO_AXES;
      }
      return [...operands[0].sharding.partial];
    }
    if (LINEAR_SUM.has(op.kind)) {
      const p0 = operands[0].sharding.partial;
      if (
        operands.every(
          (o) =>
            o.sharding.partial.length === p0.length &&
            o.sharding.partial.every((a) => p0.includes(a)),
        )
      )
        return [...p0];
    }
    return [];
  }
}

const paramGradientCache = new WeakMap<Program, Uint8Array>();

/**
 * By value id, 1 for a parameter's gradient (what the optimizer consumes); computed once per
 * program, so lowering an op does not read its results' value records.
 */
function paramGradientsOf(p: Program): Uint8Array {
  let flags = paramGradientCache.get(p);
  if (flags && flags.length === p.values.length) return flags;
  const values = p.values;
  flags = new Uint8Array(values.length);
  for (let v = 0; v < values.length; v++) {
    const val = values[v];
    if (val.kind === 'gradient' && val.of !== undefined && values[val.of].role === 'param')
      flags[v] = 1;
  }
  paramGradientCache.set(p, flags);
  return flags;
}

function rep(rank: number): Sharding {
  return { dims: Array.from({ length: rank }, () => []), partial: [], replicated: [] };
}

function sameDims(a: readonly (readonly string[])[], b: readonly (readonly string[])[]): boolean {
  if (a.length !== b.length) return a.length === 0;
  for (let d = 0; d < a.length; d++) {
    const x = a[d];
    const y = b[d];
    if (x === y) continue;
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

function noDimSplit(dims: readonly (readonly string[])[]): boolean {
  for (const axes of dims) if (axes.length !== 0) return false;
  return true;
}

const NO_AXES = Object.freeze([]) as unknown as string[];
const NO_PLACED: readonly Placed[] = Object.freeze([]);

/** A gathered copy made in the forward pass is not kept for the backward: FSDP gathers again. */
function reusable(x: Placed, phase: string): boolean {
  return !(x.gatheredIn === 'forward' && phase === 'backward');
}

/** Same dims and the same partial axes (the cache key of a value's resharded versions). */
function sameLayout(a: Sharding, b: Sharding): boolean {
  if (a.partial.length !== b.partial.length || !a.partial.every((x) => b.partial.includes(x)))
    return false;
  for (let d = 0; d < a.dims.length; d++) {
    const x = a.dims[d];
    const y = b.dims[d];
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

/** How the parts of a partial result combine: the combiner of a reduce, reduce_window or scatter, else a sum. */
function partialReduction(
  op: Op,
  operands: readonly Placed[],
  passThrough: boolean,
): CollectiveReduction {
  if (passThrough) return operands[0].reduction;
  if (op.kind !== 'reduce' && op.kind !== 'reduce_window' && op.kind !== 'scatter') return 'sum';
  const body = op.regions[0]?.ops;
  const kind = body?.[body.length - 1]?.kind;
  return kind === 'maximum' ? 'max' : kind === 'minimum' ? 'min' : 'sum';
}
