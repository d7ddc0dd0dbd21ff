import type { ProgramBuilder } from '../../ir/builder.ts';
import type { Phase, Value, ValueId } from '../../ir/program.ts';
import { tensorType, type TensorType } from '../../ir/shape.ts';
import type { AttrValue, FuncAst, OpAst, TypeAst } from './ast.ts';
import { mapDType } from './attrs.ts';
import { parseErrorAt } from './errors.ts';
import type { LocationResolver } from './locations.ts';

/** A sharding annotation found in the file, before it is read against a mesh. */
export interface FoundAnnotation {
  readonly target: 'input' | 'output' | 'constraint';
  /** Input or output position; for constraints the order of appearance. */
  readonly index: number;
  readonly value: ValueId;
  readonly scope: string;
  readonly dialect: 'sdy' | 'gspmd';
  /** The sdy body (`@mesh, [{"data"}, {}]`) or the GSPMD string. */
  readonly text: string;
}

export interface OpaqueOp {
  readonly name: string;
  readonly scope: string;
  readonly line: number;
  readonly reason: string;
}

/** Names in scope while mapping one block; regions chain to their parent. */
export interface Env {
  readonly vars: Map<string, Value>;
  readonly parent?: Env;
  /** A closed region (combiner, comparator): lookups stop here. */
  readonly closed?: boolean;
}

export class CaptureError extends Error {}

/** Everything the op mappers share: the builder, the input text for errors, what is reported. */
export class MappingContext {
  readonly warnings: string[] = [];
  private readonly warned = new Set<string>();
  readonly opaque: OpaqueOp[] = [];
  readonly annotations: FoundAnnotation[] = [];
  /** Scalar constants by value id (for trip counts). */
  readonly scalarConstants = new Map<ValueId, number>();
  /** Iotas by value id: their dimension (argmax's index operand). */
  readonly iotaDims = new Map<ValueId, number>();
  readonly tripCountsAssumed: string[] = [];
  /** Sharding constraints seen so far (their index in the report). */
  constraintCount = 0;
  sawBackward = false;
  inlineDepth = 0;
  opCount = 0;

  constructor(
    readonly b: ProgramBuilder,
    readonly text: string,
    readonly locs: LocationResolver,
    readonly funcs: ReadonlyMap<string, FuncAst>,
  ) {}

  warn = (msg: string): void => {
    if (this.warned.has(msg)) return;
    this.warned.add(msg);
    this.warnings.push(msg);
  };

  fail(op: { offset: number }, reason: string, expected?: string): never {
    throw parseErrorAt(this.text, op.offset, reason, expected);
  }

  private lineStarts?: number[];

  /** 1-based line of an op; the newline index is built once, on the first report. */
  line(op: { offset: number }): number {
    if (!this.lineStarts) {
      const starts = [0];
      for (let k = this.text.indexOf('\n'); k >= 0; k = this.text.indexOf('\n', k + 1))
        starts.push(k + 1);
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= op.offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  tensor(t: TypeAst | undefined, op: OpAst): TensorType {
    if (!t) this.fail(op, `${op.name} has no type for this value`, 'a type signature');
    if (t.kind === 'token') return tensorType([], 'i1');
    if (t.kind !== 'tensor') {
      if (t.kind === 'scalar') return tensorType([], mapDType(t.element, this.warn));
      this.warn(`type ${t.text.slice(0, 60)} is held as an i1 scalar`);
      return tensorType([], 'i1');
    }
    if (t.shape.some((d) => d < 0))
      this.fail(op, `dynamic shape ${t.text} is not supported`, 'static shapes');
    return tensorType(t.shape, mapDType(t.element, this.warn));
  }

  lookup(env: Env, name: string, op: OpAst): Value {
    for (let e: Env | undefined = env; e; e = e.parent) {
      const v = e.vars.get(name);
      if (v) return v;
      if (e.closed) {
        if (e.parent && findVar(e.parent, name)) throw new CaptureError(name);
        break;
      }
    }
    return this.fail(op, `use of undefined value ${name}`, 'a value defined before its use');
  }

  phaseFor(explicit: Phase | undefined, inherited: Phase | undefined): Phase {
    if (explicit === 'backward') this.sawBackward = true;
    if (explicit) return explicit;
    if (inherited) return inherited;
    return this.sawBackward ? 'optimizer' : 'forward';
  }

  attr(op: OpAst, ...keys: string[]): AttrValue | undefined {
    for (const k of keys) {
      const v = op.attrs.get(k);
      if (v) return v;
    }
    return undefined;
  }
}

function findVar(env: Env, name: string): boolean {
  for (let e: Env | undefined = env; e; e = e.parent) if (e.vars.has(name)) return true;
  return false;
}
