import type { Op, Program, ValueId } from '../ir/program.ts';

/**
 * Identity edges of the data-flow ops (while, case, call), as Shardy's data_flow_edge: the values
 * in one group are the same tensor seen from different sides of a region boundary, so they take
 * the same sharding. while: operand i, result i, cond and body parameter i, body yield i.
 * case: argument i ↔ every branch's parameter i; every branch's yield j ↔ result j.
 * call: argument i ↔ callee parameter i; callee result j ↔ call result j.
 */
export interface DataflowGroup {
  readonly op: Op;
  readonly values: readonly ValueId[];
}

export function dataflowGroups(p: Program, op: Op): DataflowGroup[] {
  const groups: DataflowGroup[] = [];
  const add = (values: ValueId[]) => groups.push({ op, values });
  if (op.kind === 'while') {
    const [cond, body] = op.regions;
    op.operands.forEach((v, i) =>
      add([v, op.results[i], cond.params[i], body.params[i], body.yields[i]]),
    );
  } else if (op.kind === 'case') {
    op.operands.slice(1).forEach((v, i) => add([v, ...op.regions.map((r) => r.params[i])]));
    op.results.forEach((v, j) => add([v, ...op.regions.map((r) => r.yields[j])]));
  } else if (op.kind === 'call') {
    const f = p.funcs.get((op.attrs as { callee: string }).callee);
    if (f) {
      op.operands.forEach((v, i) => add([v, f.params[i]]));
      op.results.forEach((v, j) => add([v, f.results[j]]));
    }
  }
  return groups;
}
