import type { DType } from './dtype.ts';
import { IRError } from './errors.ts';
import { InferError, inferResultTypes, type AxisSizes, type RegionSig } from './infer.ts';
import type { CompareDirection, OpAttrs, OpKind } from './ops.ts';
import type {
  Func,
  InputRole,
  Op,
  Phase,
  Program,
  ProgramMeta,
  ProgramOutput,
  Region,
  Value,
  ValueId,
  ValueKind,
} from './program.ts';
import { shapeToString, tensorType, type Shape, type TensorType } from './shape.ts';

export interface OpOptions {
  readonly regions?: readonly Region[];
  /** Name hints for the results. */
  readonly names?: readonly string[];
  readonly kind?: ValueKind;
  readonly of?: ValueId;
}

interface Block {
  ops: Op[];
}

const NO_OPTIONS: OpOptions = Object.freeze({});
const NO_SIGS = Object.freeze([]) as unknown as RegionSig[];
/** The regions of every op built without any: one frozen list, not an empty array per op. */
const NO_REGIONS: readonly Region[] = Object.freeze([]);

const KIND_OF_PHASE: Record<Phase, ValueKind> = {
  forward: 'activation',
  backward: 'gradient',
  optimizer: 'update',
};

/**
 * Builds a program the way model code reads. Every op is type-checked when it is created
 * (through `inferResultTypes`), so a builder never produces a program the verifier rejects.
 * Scopes nest with `scope(name, fn)`; the phase (forward, backward, optimizer) tags ops.
 */
export class ProgramBuilder {
  private readonly values: Value[] = [];
  private readonly blocks: Block[] = [{ ops: [] }];
  private readonly params: ValueId[] = [];
  /** Position of each input in `params` (its first), built from the first aliasing output on. */
  private paramPos?: Map<ValueId, number>;
  private paramPosCount = 0;
  private readonly funcs = new Map<string, Func>();
  private readonly outputs: ProgramOutput[] = [];
  private readonly scopes: string[] = [];
  /** scopes.join('/'), cached until the stack changes. */
  private scopePath: string | undefined = '';
  private nextOpId = 0;
  phase: Phase = 'forward';
  remat = false;
  meta: ProgramMeta;
  /** Mesh axis sizes, set when building a per-device SPMD program (types its collectives). */
  axisSizes?: AxisSizes;
  private readonly funcSigOf = (name: string): RegionSig | undefined => this.funcSig(name);

  constructor(
    readonly name: string,
    meta: ProgramMeta = {},
  ) {
    this.meta = meta;
  }

  /** A builder that continues a program's main function (its outputs are dropped). */
  static extend(p: Program, meta: ProgramMeta = p.meta): ProgramBuilder {
    const b = new ProgramBuilder(p.name, meta);
    // loops, not push(...xs): spreading 100k+ elements overflows the call stack
    for (const v of p.values) b.values.push(v);
    for (const v of p.main.params) b.params.push(v);
    for (const op of p.main.ops) b.blocks[0].ops.push(op);
    for (const [k, f] of p.funcs) b.funcs.set(k, f);
    let maxOp = -1;
    const visit = (ops: readonly Op[]) => {
      for (const op of ops) {
        if (op.id > maxOp) maxOp = op.id;
        for (const r of op.regions) visit(r.ops);
      }
    };
    visit(p.main.ops);
    for (const f of p.funcs.values()) visit(f.ops);
    b.nextOpId = maxOp + 1;
    return b;
  }

  // ---- scopes and lookup -------------------------------------------------

  get currentScope(): string {
    return (this.scopePath ??= this.scopes.join('/'));
  }

  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    this.scopePath = undefined;
    try {
      return fn();
    } finally {
      this.scopes.pop();
      this.scopePath = undefined;
    }
  }

  /** Runs fn with the scope stack replaced by an absolute scope path. */
  atScope<T>(scope: string, fn: () => T): T {
    const saved = this.replaceScope(scope);
    try {
      return fn();
    } finally {
      this.restoreScope(saved);
    }
  }

  /** Replaces the scope stack with an absolute scope; returns the old stack for `restoreScope`. */
  replaceScope(scope: string): string[] {
    const saved = this.scopes.splice(0, this.scopes.length);
    if (scope) this.scopes.push(scope);
    this.scopePath = scope;
    return saved;
  }

  restoreScope(saved: readonly string[]): void {
    this.scopes.splice(0, this.scopes.length, ...saved);
    this.scopePath = undefined;
  }

  withPhase<T>(phase: Phase, fn: () => T): T {
    const saved = this.phase;
    this.phase = phase;
    try {
      return fn();
    } finally {
      this.phase = saved;
    }
  }

  value(id: ValueId): Value {
    return this.values[id];
  }

  get valueCount(): number {
    return this.values.length;
  }

  // ---- inputs, outputs ---------------------------------------------------

  /** A program input. Its name is its full path; its scope is the path's directory. */
  input(name: string, shape: Shape, dtype: DType, role: InputRole): Value {
    if (this.blocks.length !== 1) throw new IRError(`input '${name}' declared inside a region`);
    const full = this.currentScope ? `${this.currentScope}/${name}` : name;
    const cut = full.lastIndexOf('/');
    const v = this.newValue(
      tensorType(shape, dtype),
      full,
      cut < 0 ? '' : full.slice(0, cut),
      'input',
      undefined,
      role,
    );
    this.params.push(v.id);
    return v;
  }

  param(name: string, shape: Shape, dtype: DType): Value {
    return this.input(name, shape, dtype, 'param');
  }

  output(name: string, v: Value, aliases?: Value): void {
    let aliasIndex: number | undefined;
    if (aliases) {
      aliasIndex = this.paramIndexOf(aliases.id);
      if (aliasIndex < 0)
        throw new IRError(
          `output '${name}' aliases '${aliases.name}', which is not a program input`,
        );
    }
    this.outputs.push({ name, value: v.id, aliases: aliasIndex });
  }

  /** params.indexOf(id) through a map extended with the inputs declared since the last call. */
  private paramIndexOf(id: ValueId): number {
    const pos = (this.paramPos ??= new Map());
    for (; this.paramPosCount < this.params.length; this.paramPosCount++) {
      const p = this.params[this.paramPosCount];
      if (!pos.has(p)) pos.set(p, this.paramPosCount);
    }
    return pos.get(id) ?? -1;
  }

  // ---- ops ---------------------------------------------------------------

  /** Emits an op of any kind; results are type-inferred or the call fails naming the op. */
  op<K extends OpKind>(
    kind: K,
    operands: readonly Value[],
    attrs: OpAttrs[K],
    opts: OpOptions = NO_OPTIONS,
  ): Value[] {
    const regions = opts.regions ?? NO_REGIONS;
    const n = operands.length;
    const operandTypes: TensorType[] = new Array(n);
    const operandIds: ValueId[] = new Array(n);
    for (let i = 0; i < n; i++) {
      operandTypes[i] = operands[i].type;
      operandIds[i] = operands[i].id;
    }
    let sigs: RegionSig[] = NO_SIGS;
    if (regions.length) {
      sigs = new Array(regions.length);
      for (let k = 0; k < regions.length; k++) sigs[k] = this.regionSig(regions[k]);
    }
    let types: TensorType[];
    try {
      types = inferResultTypes(kind, operandTypes, attrs, sigs, this.funcSigOf, this.axisSizes);
    } catch (e) {
      if (e instanceof InferError) {
        const where = this.currentScope ? ` in ${this.currentScope}` : '';
        const args = operands
          .map((o) => `${o.type.dtype}${shapeToString(o.type.shape)}`)
          .join(', ');
        throw new IRError(`${kind}${where}: ${e.message} (operands: ${args || 'none'})`, {
          kind,
          scope: this.currentScope,
        });
      }
      throw e;
    }
    const id = this.nextOpId++;
    const scope = this.currentScope;
    const kindOf = opts.kind ?? KIND_OF_PHASE[this.phase];
    const results: ValueId[] = new Array(types.length);
    const out: Value[] = new Array(types.length);
    for (let i = 0; i < types.length; i++) {
      const v = this.newValue(
        types[i],
        opts.names?.[i] ?? '',
        scope,
        kindOf,
        id,
        undefined,
        opts.of,
      );
      results[i] = v.id;
      out[i] = v;
    }
    const op: { -readonly [P in keyof Op<K>]: Op<K>[P] } = {
      id,
      kind,
      operands: operandIds,
      results,
      attrs,
      regions,
      scope,
      phase: this.phase,
    };
    if (this.remat) op.remat = true;
    this.blocks[this.blocks.length - 1].ops.push(op as Op);
    return out;
  }

  op1<K extends OpKind>(
    kind: K,
    operands: readonly Value[],
    attrs: OpAttrs[K],
    opts?: OpOptions,
  ): Value {
    return this.op(kind, operands, attrs, opts)[0];
  }

  /** A closed region: params of the given types, a body that yields values. */
  region(
    paramTypes: readonly TensorType[],
    body: (...params: Value[]) => readonly Value[],
  ): Region {
    const params = paramTypes.map((ty) =>
      this.newValue(ty, '', this.currentScope, KIND_OF_PHASE[this.phase]),
    );
    this.blocks.push({ ops: [] });
    let yields: readonly Value[];
    let block: Block;
    try {
      yields = body(...params);
    } finally {
      block = this.blocks.pop()!;
    }
    return { params: params.map((p) => p.id), ops: block.ops, yields: yields.map((y) => y.id) };
  }

  /** A scalar combiner region such as the body of a sum reduction. */
  combiner(dtype: DType, kind: 'add' | 'maximum' | 'minimum' | 'multiply' | 'and' | 'or'): Region {
    const s = tensorType([], dtype);
    return this.region([s, s], (x, y) => [this.op1(kind, [x, y], {})]);
  }

  /** Defines a helper function callable with `call`. */
  func(
    name: string,
    paramTypes: readonly TensorType[],
    body: (...params: Value[]) => readonly Value[],
  ): Func {
    if (this.funcs.has(name)) throw new IRError(`function @${name} is defined twice`);
    const r = this.region(paramTypes, body);
    const f: Func = { name, params: r.params, ops: r.ops, results: r.yields };
    this.funcs.set(name, f);
    return f;
  }

  build(): Program {
    if (this.blocks.length !== 1) throw new IRError('build() called inside a region');
    return {
      name: this.name,
      values: this.values.slice(),
      main: {
        name: 'main',
        params: this.params.slice(),
        ops: this.blocks[0].ops.slice(),
        results: this.outputs.map((o) => o.value),
      },
      funcs: new Map(this.funcs),
      outputs: this.outputs.slice(),
      meta: { ...this.meta },
    };
  }

  // ---- primitive sugar ---------------------------------------------------
  // Binary sugar broadcasts numpy-style and lifts numbers to constants, so model code stays short.

  constant(value: number | readonly number[], shape: Shape = [], dtype: DType = 'f32'): Value {
    return this.op1('constant', [], {
      shape: [...shape],
      dtype,
      value: typeof value === 'number' ? value : [...value],
    });
  }

  scalarLike(x: Value, value: number): Value {
    return this.constant(value, [], x.type.dtype);
  }

  private lift(x: Value | number, like: Value): Value {
    return typeof x === 'number' ? this.scalarLike(like, x) : x;
  }

  /** Broadcasts x to shape with numpy rules (trailing dims aligned). */
  broadcastTo(x: Value, shape: Shape): Value {
    const xs = x.type.shape;
    if (xs.length === shape.length && xs.every((d, i) => d === shape[i])) return x;
    const offset = shape.length - xs.length;
    if (offset < 0)
      throw new IRError(`cannot broadcast ${shapeToString(xs)} to ${shapeToString(shape)}`);
    return this.op1('broadcast_in_dim', [x], {
      shape: [...shape],
      dims: xs.map((_, i) => i + offset),
    });
  }

  /** Broadcasts x along new dims: dims[i] is where x's dim i lands in the result. */
  broadcastInDim(x: Value, shape: Shape, dims: readonly number[]): Value {
    return this.op1('broadcast_in_dim', [x], { shape: [...shape], dims: [...dims] });
  }

  private broadcastPair(x: Value, y: Value): [Value, Value] {
    const a = x.type.shape;
    const b = y.type.shape;
    const n = Math.max(a.length, b.length);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const da = a[i - (n - a.length)] ?? 1;
      const db = b[i - (n - b.length)] ?? 1;
      if (da !== db && da !== 1 && db !== 1)
        throw new IRError(
          `cannot broadcast ${shapeToString(a)} with ${shapeToString(b)} in ${this.currentScope || 'top scope'}`,
        );
      out.push(Math.max(da, db));
    }
    return [this.broadcastFull(x, out), this.broadcastFull(y, out)];
  }

  private broadcastFull(x: Value, shape: number[]): Value {
    const xs = x.type.shape;
    if (xs.length === shape.length && xs.every((d, i) => d === shape[i])) return x;
    const offset = shape.length - xs.length;
    // size-1 dims are expanded by broadcast_in_dim itself
    return this.op1('broadcast_in_dim', [x], { shape, dims: xs.map((_, i) => i + offset) });
  }

  binary(
    kind:
      | 'add'
      | 'subtract'
      | 'multiply'
      | 'divide'
      | 'maximum'
      | 'minimum'
      | 'power'
      | 'and'
      | 'or'
      | 'remainder'
      | 'atan2'
      | 'xor',
    x: Value | number,
    y: Value | number,
  ): Value {
    if (typeof x === 'number' && typeof y === 'number')
      throw new IRError(`${kind} of two numbers: one operand must be a tensor`);
    const xv = typeof x === 'number' ? this.lift(x, y as Value) : x;
    const yv = typeof y === 'number' ? this.lift(y, xv) : y;
    const [a, b] = this.broadcastPair(xv, yv);
    return this.op1(kind, [a, b], {});
  }

  add(x: Value | number, y: Value | number): Value {
    return this.binary('add', x, y);
  }
  sub(x: Value | number, y: Value | number): Value {
    return this.binary('subtract', x, y);
  }
  mul(x: Value | number, y: Value | number): Value {
    return this.binary('multiply', x, y);
  }
  div(x: Value | number, y: Value | number): Value {
    return this.binary('divide', x, y);
  }
  max(x: Value | number, y: Value | number): Value {
    return this.binary('maximum', x, y);
  }
  min(x: Value | number, y: Value | number): Value {
    return this.binary('minimum', x, y);
  }
  pow(x: Value | number, y: Value | number): Value {
    return this.binary('power', x, y);
  }

  unary(
    kind:
      | 'abs'
      | 'exponential'
      | 'log'
      | 'negate'
      | 'tanh'
      | 'logistic'
      | 'rsqrt'
      | 'sqrt'
      | 'erf'
      | 'sine'
      | 'cosine'
      | 'sign'
      | 'floor'
      | 'ceil'
      | 'not'
      | 'log_plus_one'
      | 'exponential_minus_one',
    x: Value,
  ): Value {
    return this.op1(kind, [x], {});
  }
  exp(x: Value): Value {
    return this.unary('exponential', x);
  }
  log(x: Value): Value {
    return this.unary('log', x);
  }
  neg(x: Value): Value {
    return this.unary('negate', x);
  }
  tanh(x: Value): Value {
    return this.unary('tanh', x);
  }
  rsqrt(x: Value): Value {
    return this.unary('rsqrt', x);
  }
  sqrt(x: Value): Value {
    return this.unary('sqrt', x);
  }

  compare(x: Value | number, y: Value | number, direction: CompareDirection): Value {
    const xv = typeof x === 'number' ? this.lift(x, y as Value) : x;
    const yv = typeof y === 'number' ? this.lift(y, xv) : y;
    const [a, b] = this.broadcastPair(xv, yv);
    return this.op1('compare', [a, b], { direction });
  }

  select(pred: Value, x: Value | number, y: Value | number): Value {
    const like = typeof x === 'number' ? (y as Value) : x;
    const xv = this.broadcastFull(this.lift(x, like), [...pred.type.shape]);
    const yv = this.broadcastFull(this.lift(y, like), [...pred.type.shape]);
    return this.op1('select', [pred, xv, yv], {});
  }

  convert(x: Value, dtype: DType): Value {
    return x.type.dtype === dtype ? x : this.op1('convert', [x], { dtype });
  }

  reshape(x: Value, shape: Shape): Value {
    return this.op1('reshape', [x], { shape: [...shape] });
  }

  transpose(x: Value, permutation: readonly number[]): Value {
    if (permutation.every((p, i) => p === i)) return x;
    return this.op1('transpose', [x], { permutation: [...permutation] });
  }

  dotGeneral(lhs: Value, rhs: Value, attrs: OpAttrs['dot_general']): Value {
    return this.op1('dot_general', [lhs, rhs], attrs);
  }

  /** Reduces over dims with a combiner; init defaults to the combiner's identity. */
  reduce(
    x: Value,
    dims: readonly number[],
    kind: 'add' | 'maximum' | 'minimum' | 'multiply' = 'add',
  ): Value {
    const identity = { add: 0, multiply: 1, maximum: -Infinity, minimum: Infinity }[kind];
    const init = this.scalarLike(x, identity);
    return this.op1(
      'reduce',
      [x, init],
      { dims: [...dims] },
      { regions: [this.combiner(x.type.dtype, kind)] },
    );
  }

  sum(x: Value, dims: readonly number[]): Value {
    return this.reduce(x, dims, 'add');
  }

  iota(shape: Shape, dimension: number, dtype: DType = 'i32'): Value {
    return this.op1('iota', [], { shape: [...shape], dtype, dimension });
  }

  slice(
    x: Value,
    start: readonly number[],
    limit: readonly number[],
    strides?: readonly number[],
  ): Value {
    return this.op1('slice', [x], {
      start: [...start],
      limit: [...limit],
      strides: strides ? [...strides] : start.map(() => 1),
    });
  }

  concatenate(xs: readonly Value[], dimension: number): Value {
    return this.op1('concatenate', xs, { dimension });
  }

  private newValue(
    type: TensorType,
    name: string,
    scope: string,
    kind: ValueKind,
    def?: number,
    role?: InputRole,
    of?: ValueId,
  ): Value {
    // optional fields in this order (id, type, name, scope, kind, role, of, def), only when set;
    // an op result (def only, the common case) is made whole in one literal
    if (def !== undefined && role === undefined && of === undefined) {
      const r: Value = { id: this.values.length, type, name, scope, kind, def };
      this.values.push(r);
      return r;
    }
    const v: { -readonly [P in keyof Value]: Value[P] } = {
      id: this.values.length,
      type,
      name,
      scope,
      kind,
    };
    if (role) v.role = role;
    if (of !== undefined) v.of = of;
    if (def !== undefined) v.def = def;
    this.values.push(v);
    return v;
  }

  private regionSig(r: Region): RegionSig {
    return {
      params: r.params.map((p) => this.values[p].type),
      yields: r.yields.map((y) => this.values[y].type),
    };
  }

  private funcSig(name: string): RegionSig | undefined {
    const f = this.funcs.get(name);
    return (
      f && {
        params: f.params.map((p) => this.values[p].type),
        yields: f.results.map((y) => this.values[y].type),
      }
    );
  }
}
