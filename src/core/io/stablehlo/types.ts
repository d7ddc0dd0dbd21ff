import type { TypeAst } from './ast.ts';

/** Offset just after the `>` that closes the `<` at `open` (nesting counted, `->` skipped). */
function closeAngle(text: string, open: number, fail: (msg: string, at: number) => never): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 60) depth++;
    else if (c === 62 && text.charCodeAt(i - 1) !== 45) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === 10 && depth > 0 && i - open > 4096) break;
  }
  return fail("'<' is not closed", open);
}

/** Bare element types (function signatures of generic ops may use them). */
const SCALAR_TYPE = /^(u?i\d+|si\d+|f\d+(E\w+)?|bf16|tf32|index|complex|none)$/;

function identEnd(text: string, i: number): number {
  while (i < text.length && /[A-Za-z0-9_.$]/.test(text[i])) i++;
  return i;
}

/**
 * Reads one type from raw text at `start`: `tensor<4x?x8xf32>` (with an optional encoding),
 * `tensor<f32>`, `tuple<...>`, `!stablehlo.token`, `complex<f32>`, a bare element type. Shapes
 * are read character by character because `4x8xf32` is not made of MLIR tokens.
 */
export function parseTypeAt(
  text: string,
  start: number,
  fail: (msg: string, at: number) => never,
): { type: TypeAst; end: number } {
  let i = start;
  if (text.startsWith('tensor<', i)) {
    i += 7;
    const shape: number[] = [];
    for (;;) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        let j = i;
        while (j < text.length && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
        if (text[j] !== 'x') fail('expected x after a dimension size', j);
        shape.push(Number(text.slice(i, j)));
        i = j + 1;
      } else if (c === 63) {
        if (text[i + 1] !== 'x') fail('expected x after ?', i + 1);
        shape.push(-1);
        i += 2;
      } else break;
    }
    const elemStart = i;
    let depth = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 60) depth++;
      else if (c === 62) {
        if (depth === 0) break;
        depth--;
      } else if (c === 44 && depth === 0) break;
      else if (c === 10) fail('type is not closed', i);
      i++;
    }
    if (i >= text.length) fail("tensor type is not closed with '>'", start);
    const element = text.slice(elemStart, i).trim();
    if (!element) fail('tensor type without an element type', elemStart);
    if (text.charCodeAt(i) === 44) {
      // encoding such as #stablehlo.bounds<...>: skip to the closing '>'
      let d = 0;
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 60) d++;
        else if (c === 62) {
          if (d === 0) break;
          d--;
        } else if (c === 10) fail('type is not closed', i);
      }
      if (i >= text.length) fail("tensor type is not closed with '>'", start);
    }
    const end = i + 1;
    return { type: { kind: 'tensor', shape, element, text: text.slice(start, end) }, end };
  }
  if (text.startsWith('tuple<', i)) {
    const end = closeAngle(text, i + 5, fail);
    return {
      type: { kind: 'tuple', shape: [], element: 'tuple', text: text.slice(start, end) },
      end,
    };
  }
  if (text[i] === '!') {
    let end = identEnd(text, i + 1);
    if (end === i + 1) fail('expected a type name after !', i);
    if (text[end] === '<') end = closeAngle(text, end, fail);
    const t = text.slice(start, end);
    return {
      type: { kind: t === '!stablehlo.token' ? 'token' : 'other', shape: [], element: t, text: t },
      end,
    };
  }
  let end = identEnd(text, i);
  if (end === i || !SCALAR_TYPE.test(text.slice(i, end)))
    fail(`unexpected '${text.slice(i, Math.max(end, i + 1)).slice(0, 40)}'`, i);
  if (text[end] === '<') end = closeAngle(text, end, fail);
  const t = text.slice(start, end);
  return { type: { kind: 'scalar', shape: [], element: t, text: t }, end };
}
