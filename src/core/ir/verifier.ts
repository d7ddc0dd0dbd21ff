import { InferError, inferResultTypes, type RegionSig } from './infer.ts';
import { isOpKind } from './ops.ts';
import type { Func, Op, Program, Region, ValueId } from './program.ts';
import { typeEqual, typeToString } from './shape.ts';

export interface Diagnostic {
  readonly message: string;
  readonly opId?: number;
  readonly valueId?: number;
}

/**
 * Checks a program and returns every problem found (empty when well formed): SSA (each value
 * defined once, before use, within its region), per-op typing through `inferResultTypes`,
 * calls, outputs and aliases. Messages name the op (`#id kind in scope`) and the rule broken.
 */
export function verifyProgram(p: Program): Diagnostic[] {
  const out: Diagnostic[] = [];
  const defined = new Uint8Array(p.values.length);
  const where = (op: Op) => `op #${op.id} ${op.kind}${op.scope ? ` in ${op.scope}` : ''}`;
  const sig = (r: {
    params: readonly ValueId[];
    yields?: readonly ValueId[];
    results?: readonly ValueId[];
  }): RegionSig => ({
    params: r.params.map((v) => p.values[v]?.type).filter(Boolean),
    yields: (r.yields ?? r.results ?? []).map((v) => p.values[v]?.type).filter(Boolean),
  });
  const funcSig = (name: string) => {
    const f = p.funcs.get(name);
    return f && sig(f);
  };
  const seenOps = new Set<number>();
  const meshAxes = p.meta.mesh as { axes: { name: string; size: number }[] } | undefined;
  const axisSizes = meshAxes
    ? (a: string) => meshAxes.axes.find((x) => x.name === a)?.size ?? NaN
    : undefined;

  const checkBlock = (
    params: readonly ValueId[],
    ops: readonly Op[],
    yields: readonly ValueId[],
    ctx: string,
  ): void => {
    const local = new Set<ValueId>();
    const define = (v: ValueId, what: string) => {
      if (!Number.isInteger(v) || v < 0 || v >= p.values.length) {
        out.push({ message: `${what} defines unknown value %${v}` });
        return;
      }
      if (defined[v])
        out.push({ message: `${what} redefines value %${v}; values are defined once`, valueId: v });
      defined[v] = 1;
      local.add(v);
    };
    params.forEach((v) => define(v, `${ctx} parameter`));
    for (const op of ops) {
      if (seenOps.has(op.id))
        out.push({ message: `${where(op)} reuses op id ${op.id}`, opId: op.id });
      seenOps.add(op.id);
      if (!isOpKind(op.kind)) {
        out.push({ message: `${where(op)}: unknown op kind '${op.kind}'`, opId: op.id });
        continue;
      }
      let operandsOk = true;
      op.operands.forEach((v, i) => {
        if (!local.has(v)) {
          operandsOk = false;
          const why =
            v >= 0 && v < p.values.length
              ? defined[v]
                ? 'is defined outside this region (regions are closed)'
                : 'is used before it is defined'
              : 'does not exist';
          out.push({
            message: `${where(op)}: operand ${i} (%${v}) ${why}`,
            opId: op.id,
            valueId: v,
          });
        }
      });
      op.regions.forEach((r, k) => checkRegion(r, `${where(op)} region ${k}`));
      if (operandsOk) checkTypes(op);
      op.results.forEach((v) => define(v, where(op)));
      op.results.forEach((v) => {
        const val = p.values[v];
        if (val && val.def !== undefined && val.def !== op.id)
          out.push({
            message: `${where(op)}: result %${v} claims to be defined by op #${val.def}`,
            opId: op.id,
            valueId: v,
          });
      });
    }
    yields.forEach((v) => {
      if (!local.has(v))
        out.push({ message: `${ctx} yields %${v}, which is not defined in it`, valueId: v });
    });
  };

  const checkRegion = (r: Region, ctx: string) => checkBlock(r.params, r.ops, r.yields, ctx);

  const checkTypes = (op: Op): void => {
    let types;
    try {
      types = inferResultTypes(
        op.kind,
        op.operands.map((v) => p.values[v].type),
        op.attrs,
        op.regions.map(sig),
        funcSig,
        axisSizes,
      );
    } catch (e) {
      if (!(e instanceof InferError)) throw e;
      const args = op.operands.map((v) => typeToString(p.values[v].type)).join(', ');
      out.push({
        message: `${where(op)}: ${e.message} (operands: ${args || 'none'})`,
        opId: op.id,
      });
      return;
    }
    if (types.length !== op.results.length) {
      out.push({
        message: `${where(op)}: has ${op.results.length} results, expected ${types.length}`,
        opId: op.id,
      });
      return;
    }
    types.forEach((ty, i) => {
      const actual = p.values[op.results[i]]?.type;
      if (actual && !typeEqual(actual, ty))
        out.push({
          message: `${where(op)}: result ${i} has type ${typeToString(actual)} but the op produces ${typeToString(ty)}`,
          opId: op.id,
        });
    });
  };

  const checkFunc = (f: Func) => checkBlock(f.params, f.ops, f.results, `function @${f.name}`);
  for (const f of p.funcs.values()) checkFunc(f);
  checkFunc(p.main);
  checkCallCycles(p, out);

  p.values.forEach((v, i) => {
    if (v.id !== i) out.push({ message: `value table entry ${i} has id ${v.id}`, valueId: i });
  });
  p.main.params.forEach((v) => {
    if (!p.values[v]?.role)
      out.push({
        message: `program input %${v} ('${p.values[v]?.name}') has no role (data, param or optState)`,
        valueId: v,
      });
  });
  const mainDefined = new Set<ValueId>([...p.main.params, ...p.main.ops.flatMap((o) => o.results)]);
  p.outputs.forEach((o) => {
    if (!mainDefined.has(o.value)) {
      out.push({
        message: `output '${o.name}' is %${o.value}, which main does not define`,
        valueId: o.value,
      });
      return;
    }
    if (o.aliases !== undefined) {
      const input = p.main.params[o.aliases];
      if (input === undefined)
        out.push({
          message: `output '${o.name}' aliases input ${o.aliases}, which does not exist`,
        });
      else if (!typeEqual(p.values[input].type, p.values[o.value].type))
        out.push({
          message: `output '${o.name}' (${typeToString(p.values[o.value].type)}) aliases input '${p.values[input].name}' of another type (${typeToString(p.values[input].type)})`,
          valueId: o.value,
        });
    }
  });
  return out;
}

function checkCallCycles(p: Program, out: Diagnostic[]): void {
  const callees = (ops: readonly Op[], acc: Set<string>) => {
    for (const op of ops) {
      if (op.kind === 'call') acc.add((op.attrs as { callee: string }).callee);
      for (const r of op.regions) callees(r.ops, acc);
    }
    return acc;
  };
  const state = new Map<string, 1 | 2>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 2) return;
    if (state.get(name) === 1) {
      out.push({
        message: `functions call each other recursively: ${[...path, name].map((n) => '@' + n).join(' -> ')}`,
      });
      return;
    }
    const f = p.funcs.get(name);
    if (!f) return;
    state.set(name, 1);
    for (const c of callees(f.ops, new Set())) visit(c, [...path, name]);
    state.set(name, 2);
  };
  for (const name of p.funcs.keys()) visit(name, []);
}

/** Throws with every diagnostic if the program is malformed. */
export function assertValidProgram(p: Program): void {
  const d = verifyProgram(p);
  if (d.length > 0)
    throw new Error(`program '${p.name}' is malformed:\n  ${d.map((x) => x.message).join('\n  ')}`);
}
