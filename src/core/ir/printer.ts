import type { Op, Program, Region, Value, ValueId } from './program.ts';
import { typeToString } from './shape.ts';

function attrText(v: unknown): string {
  if (Array.isArray(v)) {
    if (v.length > 16) return `[${v.slice(0, 8).map(attrText).join(',')},…(${v.length})]`;
    return `[${v.map(attrText).join(',')}]`;
  }
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${attrText(x)}`)
      .join(', ')}}`;
  return String(v);
}

function attrsText(attrs: object): string {
  const entries = Object.entries(attrs).filter(([, v]) => v !== undefined);
  return entries.length ? ` {${entries.map(([k, v]) => `${k}=${attrText(v)}`).join(', ')}}` : '';
}

function valueRef(v: Value): string {
  return `%${v.id}`;
}

/**
 * The program as readable text, one op per line:
 *   %12 = dot_general(%10, %11) {lhsContract=[2], rhsContract=[0]} : bf16[8,128,768]  @layers/0/attn/q
 * Inputs show their role and name, outputs their alias. Regions are indented blocks.
 */
export function printProgram(p: Program): string {
  const lines: string[] = [];
  const meta = Object.entries(p.meta).filter(([, v]) => v !== undefined && typeof v !== 'object');
  lines.push(
    `program ${p.name}${meta.length ? ` (${meta.map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`,
  );
  for (const f of p.funcs.values()) {
    lines.push(
      `func @${f.name}(${f.params.map((id) => `${valueRef(p.values[id])}: ${typeToString(p.values[id].type)}`).join(', ')}) {`,
    );
    printOps(p, f.ops, '  ', lines);
    lines.push(`  return ${f.results.map((r) => `%${r}`).join(', ')}`);
    lines.push('}');
  }
  lines.push('func @main(');
  for (const id of p.main.params) {
    const v = p.values[id];
    lines.push(`    ${valueRef(v)}: ${typeToString(v.type)} ${v.role} "${v.name}",`);
  }
  lines.push(') {');
  printOps(p, p.main.ops, '  ', lines);
  for (const o of p.outputs) {
    const alias = o.aliases !== undefined ? ` aliases %${p.main.params[o.aliases]}` : '';
    lines.push(`  output "${o.name}" = %${o.value}${alias}`);
  }
  lines.push('}');
  return lines.join('\n');
}

function printOps(p: Program, ops: readonly Op[], indent: string, lines: string[]): void {
  for (const op of ops) lines.push(...opLines(p, op, indent));
}

/** One op (and its regions) as text lines. */
export function opLines(p: Program, op: Op, indent = ''): string[] {
  const res = op.results.map((r) => `%${r}`).join(', ');
  const args = op.operands.map((v: ValueId) => `%${v}`).join(', ');
  const types = op.results.map((r) => typeToString(p.values[r].type)).join(', ');
  const tags = [
    op.scope ? `@${op.scope}` : '',
    op.phase !== 'forward' ? `[${op.phase}${op.remat ? ',remat' : ''}]` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const head = `${indent}${res ? `${res} = ` : ''}${op.kind}(${args})${attrsText(op.attrs)} : ${types}${tags ? `  ${tags}` : ''}`;
  if (op.regions.length === 0) return [head];
  const lines = [head + ' {'];
  op.regions.forEach((r: Region, k: number) => {
    lines.push(
      `${indent}  ^region${k}(${r.params.map((v) => `%${v}: ${typeToString(p.values[v].type)}`).join(', ')}):`,
    );
    printOps(p, r.ops, indent + '    ', lines);
    lines.push(`${indent}    yield ${r.yields.map((y) => `%${y}`).join(', ')}`);
  });
  lines.push(`${indent}}`);
  return lines;
}
