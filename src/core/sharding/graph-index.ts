import type { Op, Program, ValueId } from '../ir/program.ts';
import type { TensorType } from '../ir/shape.ts';
import { dataflowGroups, type DataflowGroup } from './dataflow.ts';
import type { FactorRule } from './factor-rule.ts';
import { groupPlan, opPlan, type OpPlan } from './op-plan.ts';
import { opFactorRule } from './rules/registry.ts';

/**
 * What propagation needs to walk a program quickly, computed once per program: every op
 * (regions and callees included), each value's defining op and users, the data-flow groups
 * each value belongs to, and each op's factor rule (cached, built on first use).
 */
export class GraphIndex {
  readonly ops: Op[] = [];
  readonly defOp: (Op | undefined)[];
  readonly users: Op[][];
  readonly groupsOf: DataflowGroup[][];
  private readonly rules = new Map<number, FactorRule | null>();
  private readonly plans = new Map<object, OpPlan | null>();
  readonly types: (id: ValueId) => TensorType;

  constructor(readonly program: Program) {
    const n = program.values.length;
    this.defOp = new Array(n);
    this.users = Array.from({ length: n }, () => []);
    this.groupsOf = Array.from({ length: n }, () => []);
    this.types = (id) => program.values[id].type;
    const visit = (ops: readonly Op[]) => {
      for (const op of ops) {
        this.ops.push(op);
        for (const r of op.results) this.defOp[r] = op;
        for (const v of op.operands) this.users[v].push(op);
        for (const g of dataflowGroups(program, op))
          for (const v of g.values) this.groupsOf[v].push(g);
        for (const r of op.regions) visit(r.ops);
      }
    };
    for (const f of program.funcs.values()) visit(f.ops);
    visit(program.main.ops);
  }

  /** The op's plan for propagation; undefined for data-flow ops and conservative rules. */
  plan(op: Op): OpPlan | undefined {
    let p = this.plans.get(op);
    if (p === undefined) {
      const rule = this.rule(op);
      p = rule && !rule.conservative ? opPlan(op, rule) : null;
      this.plans.set(op, p);
    }
    return p ?? undefined;
  }

  groupPlan(g: DataflowGroup): OpPlan {
    let p = this.plans.get(g);
    if (!p) this.plans.set(g, (p = groupPlan(g, this.types(g.values[0]).shape)));
    return p;
  }

  rule(op: Op): FactorRule | undefined {
    let r = this.rules.get(op.id);
    if (r === undefined) {
      const built = opFactorRule(op, this.types) ?? null;
      this.rules.set(op.id, built);
      r = built;
    }
    return r ?? undefined;
  }
}
