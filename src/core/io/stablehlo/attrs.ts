import type { DType } from '../../ir/dtype.ts';
import type { AttrValue, DenseAst, TypeAst } from './ast.ts';

/** StableHLO element types → the IR's; the lossy ones are reported once each. */
const DTYPE_MAP: Record<string, DType> = {
  f32: 'f32',
  bf16: 'bf16',
  f16: 'f16',
  f8E4M3FN: 'f8e4m3',
  f8E4M3: 'f8e4m3',
  f8E4M3FNUZ: 'f8e4m3',
  f8E4M3B11FNUZ: 'f8e4m3',
  f8E5M2: 'f8e5m2',
  f8E5M2FNUZ: 'f8e5m2',
  i64: 'i64',
  i32: 'i32',
  i8: 'i8',
  i1: 'i1',
};

const LOSSY_MAP: Record<string, DType> = {
  f64: 'f32',
  ui64: 'i64',
  ui32: 'i32',
  ui8: 'i8',
  i16: 'i32',
  ui16: 'i32',
  i4: 'i8',
  ui4: 'i8',
  i2: 'i8',
  tf32: 'f32',
  f4E2M1FN: 'f8e4m3',
  f6E2M3FN: 'f8e4m3',
  f6E3M2FN: 'f8e4m3',
  f8E3M4: 'f8e4m3',
  f8E8M0FNU: 'f8e4m3',
};

export function mapDType(element: string, warn: (msg: string) => void): DType {
  const d = DTYPE_MAP[element];
  if (d) return d;
  const lossy = LOSSY_MAP[element] ?? (element.startsWith('complex<') ? 'f32' : undefined);
  if (lossy) {
    warn(
      `element type ${element} is held as ${lossy} (byte counts of such values are approximate)`,
    );
    return lossy;
  }
  warn(`element type ${element} is not known; held as f32`);
  return 'f32';
}

/** Integers of a list-like attribute: `[1, 2]`, `array<i64: 1, 2>`, `dense<[1, 2]>`, `3`. */
export function attrInts(v: AttrValue | undefined): number[] | undefined {
  if (!v) return undefined;
  switch (v.t) {
    case 'num':
      return [v.v];
    case 'array':
      return [...v.v];
    case 'list': {
      const out: number[] = [];
      for (const x of v.v) {
        const inner = attrInts(x);
        if (!inner) return undefined;
        out.push(...inner);
      }
      return out;
    }
    case 'dense':
      return v.v.kind === 'values' ? [...v.v.values] : undefined;
    case 'raw':
      return rawInts(v.v);
    default:
      return undefined;
  }
}

export function attrNum(v: AttrValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.t === 'num') return v.v;
  if (v.t === 'bool') return v.v ? 1 : 0;
  const ints = attrInts(v);
  return ints && ints.length === 1 ? ints[0] : undefined;
}

export function attrStr(v: AttrValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.t === 'str' || v.t === 'ident' || v.t === 'symbol') return v.v;
  return undefined;
}

export function attrBool(v: AttrValue | undefined): boolean | undefined {
  if (!v) return undefined;
  if (v.t === 'bool') return v.v;
  if (v.t === 'unit') return true;
  return undefined;
}

function rawInts(s: string): number[] {
  return (s.match(/-?\d+/g) ?? []).map(Number);
}

/** `key = [1, 2]` / `key = 3` fields of a struct attribute body such as #stablehlo.gather<...>. */
export function hashFields(body: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const re = /([A-Za-z_]\w*)\s*=\s*(\[[^\]]*\]|-?\d+)/g;
  for (let m = re.exec(body); m; m = re.exec(body)) out.set(m[1], rawInts(m[2]));
  return out;
}

/** Padding as [[low, high], ...] from `[[1, 1], [0, 0]]` or a dense<...> of shape [n, 2]. */
export function attrPairs(v: AttrValue | undefined): [number, number][] | undefined {
  const flat = attrInts(v);
  if (!flat || flat.length % 2) return undefined;
  const out: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

/** Above this many elements a constant keeps its shape but not its values (reported). */
export const MAX_CONSTANT_ELEMENTS = 1 << 16;

/** The elements of a dense literal as numbers, reinterpreting hex blobs and bit patterns. */
export function denseValues(
  d: DenseAst,
  element: string,
  count: number,
  warn: (msg: string) => void,
): number | number[] {
  if (d.kind === 'resource') {
    warn(`dense_resource<${d.name}> has no values in the text; held as zeros`);
    return 0;
  }
  if (d.kind === 'values') {
    const vals = d.bits ? d.values.map((x) => fromBits(x, element)) : d.values;
    if (d.splat || vals.length === 1) return vals[0] ?? 0;
    if (vals.length !== count) return vals.length ? vals[0] : 0;
    return [...vals];
  }
  const hex = d.hex.startsWith('0x') || d.hex.startsWith('0X') ? d.hex.slice(2) : d.hex;
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16) || 0;
  const width = elementBytes(element);
  const n = Math.floor(bytes.length / width);
  if (n === 1 || n === 0) return n ? readElement(bytes, 0, element) : 0;
  if (n > MAX_CONSTANT_ELEMENTS) {
    warn(`a constant of ${n} elements keeps its shape but not its values`);
    return 0;
  }
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = readElement(bytes, i * width, element);
  return n === count ? out : out[0];
}

function elementBytes(element: string): number {
  if (element === 'i1' || element === 'i8' || element === 'ui8' || element.startsWith('f8'))
    return 1;
  if (element === 'bf16' || element === 'f16' || element === 'i16' || element === 'ui16') return 2;
  if (element === 'f64' || element === 'i64' || element === 'ui64') return 8;
  return 4;
}

function readElement(bytes: Uint8Array, off: number, element: string): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + off);
  switch (element) {
    case 'f32':
      return dv.getFloat32(0, true);
    case 'f64':
      return dv.getFloat64(0, true);
    case 'bf16':
      return bf16ToNumber(dv.getUint16(0, true));
    case 'f16':
      return f16ToNumber(dv.getUint16(0, true));
    case 'i64':
      return Number(dv.getBigInt64(0, true));
    case 'ui64':
      return Number(dv.getBigUint64(0, true));
    case 'i32':
      return dv.getInt32(0, true);
    case 'ui32':
      return dv.getUint32(0, true);
    case 'i16':
      return dv.getInt16(0, true);
    case 'ui16':
      return dv.getUint16(0, true);
    case 'i8':
      return dv.getInt8(0);
    case 'i1':
    case 'ui8':
      return dv.getUint8(0);
    default:
      return 0;
  }
}

/** A bit pattern written as a hex number (`0xFF800000`) read in the element type. */
function fromBits(bits: number, element: string): number {
  const buf = new DataView(new ArrayBuffer(8));
  switch (element) {
    case 'f32':
      buf.setUint32(0, bits >>> 0);
      return buf.getFloat32(0);
    case 'bf16':
      return bf16ToNumber(bits & 0xffff);
    case 'f16':
      return f16ToNumber(bits & 0xffff);
    case 'f64':
      buf.setBigUint64(0, BigInt(bits));
      return buf.getFloat64(0);
    default:
      return bits;
  }
}

function bf16ToNumber(h: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, h << 16);
  return buf.getFloat32(0);
}

function f16ToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

export function typeLabel(t: TypeAst): string {
  return t.text;
}
