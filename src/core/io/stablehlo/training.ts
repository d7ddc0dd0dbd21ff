import type { Op, Program, Value } from '../../ir/program.ts';
import { shapeEqual, typeEqual } from '../../ir/shape.ts';

/**
 * Without donation, a training step is still recognisable: `result[0]['w1']` comes back with
 * the type of `params['w1']`. An output aliases the one input with the same path below its
 * top-level name and the same type.
 */
export function matchAliasesByPath(
  outNames: readonly string[],
  inNames: readonly string[],
  results: readonly Value[],
  inputs: readonly Value[],
  aliasOf: Map<number, number>,
): void {
  const tail = (n: string, k: number) => n.split('/').slice(k).join('/');
  outNames.forEach((o, k) => {
    const rest = tail(o, 2);
    if (!rest || inputs.some((v) => v.id === results[k].id)) return;
    const hits = inNames
      .map((n, i) => i)
      .filter((i) => tail(inNames[i], 1) === rest && typeEqual(inputs[i].type, results[k].type));
    if (hits.length === 1 && ![...aliasOf.values()].includes(hits[0])) aliasOf.set(k, hits[0]);
  });
}

/**
 * The gradient of each parameter a training step updates: walking back from the updated
 * parameter through the optimizer's ops, the first value the backward pass produced with the
 * parameter's shape. ZeRO-2/3 shard these (`kind: 'gradient'`, `of` the parameter).
 */
export function markGradients(p: Program): Program {
  const defs = new Map<number, Op>();
  for (const op of p.main.ops) for (const r of op.results) defs.set(r, op);
  const values = p.values.slice();
  let changed = false;
  for (const out of p.outputs) {
    if (out.aliases === undefined) continue;
    const param = values[p.main.params[out.aliases]];
    if (param.role !== 'param') continue;
    const queue = [out.value];
    const seen = new Set<number>(queue);
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head];
      const op = defs.get(id);
      if (!op) continue;
      const v = values[id];
      if (op.phase === 'backward') {
        if (shapeEqual(v.type.shape, param.type.shape) && v.of === undefined) {
          values[id] = { ...v, kind: 'gradient', of: param.id };
          changed = true;
          break;
        }
        continue;
      }
      if (op.phase !== 'optimizer') continue;
      for (const o of op.operands) {
        if (seen.has(o)) continue;
        seen.add(o);
        queue.push(o);
      }
    }
  }
  return changed ? { ...p, values } : p;
}
