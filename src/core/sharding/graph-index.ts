import type { Op, Program, ValueId } from '../ir/program.ts';
import type { TensorType } from '../ir/shape.ts';
import { dataflowGroups, type DataflowGroup } from './dataflow.ts';
import type { FactorRule, TensorMapping } from './factor-rule.ts';
import { groupPlan, opPlan, planShape, type OpPlan, type PlanShape } from './op-plan.ts';
import { opFactorRule } from './rules/registry.ts';

/**
 * What propagation needs to walk a program quickly, computed once per program. Work items are
 * numbered: first every op (regions and callees included), then every data-flow group; each
 * value lists the items that touch it (its defining op, its users, its groups) in one flat
 * array, so the propagation worklist runs on integers. Rules and plans are built on first use.
 */
export class GraphIndex {
  readonly ops: Op[] = [];
  readonly groups: DataflowGroup[] = [];
  readonly defOp: (Op | undefined)[];
  readonly users: Op[][];
  /** By op id: the rule, null for none, undefined until built. */
  private readonly rules: (FactorRule | null | undefined)[];
  /** Rules by content (see ruleKey): ops with equal rules share one rule object. */
  private readonly ruleByKey = new Map<string, FactorRule>();
  /** The plan parts each shared rule's ops share. */
  private readonly shapes = new Map<FactorRule, PlanShape>();
  /** By op id: 1 when the op's rule is uniform (see uniformRuleOf), 0 when not, -1 unknown. */
  private readonly uniformRules: Int8Array;
  /** By item; preallocated (items are built in worklist order, which would make a sparse array slow). */
  private readonly plans: (OpPlan | null | undefined)[];
  /** CSR: the items touching value v are touchItems[touchStart[v] .. touchStart[v + 1]). */
  touchStart!: Int32Array;
  touchItems!: Int32Array;
  readonly types: (id: ValueId) => TensorType;

  constructor(readonly program: Program) {
    const n = program.values.length;
    this.defOp = new Array(n);
    this.users = Array.from({ length: n }, () => []);
    this.types = (id) => program.values[id].type;
    const visit = (ops: readonly Op[]) => {
      for (const op of ops) {
        this.ops.push(op);
        for (const r of op.results) this.defOp[r] = op;
        for (const v of op.operands) this.users[v].push(op);
        for (const g of dataflowGroups(program, op)) this.groups.push(g);
        for (const r of op.regions) visit(r.ops);
      }
    };
    for (const f of program.funcs.values()) visit(f.ops);
    visit(program.main.ops);
    this.buildTouch(n);
    this.plans = new Array<OpPlan | null | undefined>(this.itemCount).fill(undefined);
    let maxId = -1;
    for (const op of this.ops) if (op.id > maxId) maxId = op.id;
    this.rules = new Array<FactorRule | null | undefined>(maxId + 1).fill(undefined);
    this.uniformRules = new Int8Array(maxId + 1).fill(-1);
  }

  /** Whether the op's rule is result-driven and simple (see uniformRuleOf). */
  ruleIsUniform(op: Op): boolean {
    let u = this.uniformRules[op.id];
    if (u < 0) {
      const rule = this.rule(op);
      u = rule && rule.results.length > 0 ? (uniformRuleOf(rule) ? 1 : 0) : 0;
      this.uniformRules[op.id] = u;
    }
    return u === 1;
  }

  get itemCount(): number {
    return this.ops.length + this.groups.length;
  }

  /** Calls fn with every work item that touches value v. */
  touching(v: ValueId): Int32Array {
    return this.touchItems.subarray(this.touchStart[v], this.touchStart[v + 1]);
  }

  /** The item's plan; undefined for data-flow ops and conservative rules. */
  planOf(item: number): OpPlan | undefined {
    let p = this.plans[item];
    if (p === undefined) {
      if (item < this.ops.length) {
        const op = this.ops[item];
        const rule = this.rule(op);
        p = null;
        if (rule && !rule.conservative) {
          let shape = this.shapes.get(rule);
          if (!shape && rule.operands.length === op.operands.length)
            this.shapes.set(rule, (shape = planShape(rule)));
          p = opPlan(op, rule, shape);
        }
      } else {
        const g = this.groups[item - this.ops.length];
        p = groupPlan(g, this.types(g.values[0]).shape);
      }
      this.plans[item] = p;
    }
    return p ?? undefined;
  }

  rule(op: Op): FactorRule | undefined {
    let r = this.rules[op.id];
    if (r === undefined) {
      let built = opFactorRule(op, this.types) ?? null;
      const key = built ? ruleKey(built) : undefined;
      if (built && key !== undefined) {
        const shared = this.ruleByKey.get(key);
        if (shared) built = shared;
        else this.ruleByKey.set(key, built);
      }
      this.rules[op.id] = built;
      r = built;
    }
    return r ?? undefined;
  }

  private buildTouch(n: number): void {
    const count = new Int32Array(n + 1);
    const each = (fn: (v: ValueId, item: number) => void) => {
      this.ops.forEach((op, i) => {
        for (const v of op.operands) fn(v, i);
        for (const v of op.results) fn(v, i);
      });
      this.groups.forEach((g, k) => {
        for (const v of g.values) fn(v, this.ops.length + k);
      });
    };
    each((v) => count[v + 1]++);
    for (let v = 0; v < n; v++) count[v + 1] += count[v];
    this.touchStart = count.slice();
    const touch = (this.touchItems = new Int32Array(count[n]));
    const fill = count.slice(0, n);
    each((v, item) => (touch[fill[v]++] = item));
  }
}

/**
 * Every factor is pass-through and alone in its dim, every result maps its dims alike, and every
 * operand either maps like the results or is a scalar (elementwise ops, constants, iotas,
 * broadcasts of scalars).
 */
function uniformRuleOf(rule: FactorRule): boolean {
  for (const k of rule.factorKinds) if (k !== 'passThrough') return false;
  const m0 = rule.results[0];
  for (const factors of m0) if (factors.length !== 1) return false;
  for (const m of rule.results) if (!sameMapping(m, m0)) return false;
  for (const m of rule.operands) if (!m || (m.length !== 0 && !sameMapping(m, m0))) return false;
  return true;
}

function sameMapping(m: TensorMapping | undefined, m0: TensorMapping): boolean {
  if (!m || m.length !== m0.length) return false;
  for (let d = 0; d < m.length; d++) {
    if (m[d].length !== m0[d].length) return false;
    for (let j = 0; j < m[d].length; j++) if (m[d][j] !== m0[d][j]) return false;
  }
  return true;
}

/**
 * Everything a FactorRule holds, as text (undefined when a mapping is missing): rules with the
 * same key are interchangeable, so the 96 layers of a model share a few hundred rule objects
 * that stay in cache instead of one per op.
 */
function ruleKey(r: FactorRule): string | undefined {
  let k = r.conservative ? 'c|' : '|';
  k += r.factorSizes.join(',') + '|' + r.factorKinds.join(',') + '|';
  for (const m of r.operands) {
    if (!m) return undefined;
    for (const d of m) k += d.join('.') + ';';
    k += '/';
  }
  k += '>';
  for (const m of r.results) {
    if (!m) return undefined;
    for (const d of m) k += d.join('.') + ';';
    k += '/';
  }
  return k;
}
