/**
 * The syntax tree of a StableHLO module as the parser reads it: mirror types of the text, not
 * the IR. Op mapping (op-mapping.ts) turns it into a Program; nothing else depends on it.
 */

/** A type as written. `tensor` has a static shape (dynamic dims are -1); others are opaque. */
export interface TypeAst {
  readonly kind: 'tensor' | 'token' | 'tuple' | 'scalar' | 'other';
  readonly shape: readonly number[];
  /** The element type as StableHLO spells it: f32, bf16, i32, ui8, f8E4M3FN, complex<f32>… */
  readonly element: string;
  readonly text: string;
}

/** An attribute value. Hash attributes (`#stablehlo.gather<...>`, `#sdy.sharding<...>`) keep
 *  their body text; the mapping parses the few it needs. */
export type AttrValue =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'unit' }
  | { readonly t: 'ident'; readonly v: string }
  | { readonly t: 'list'; readonly v: readonly AttrValue[] }
  | { readonly t: 'dict'; readonly v: ReadonlyMap<string, AttrValue> }
  | { readonly t: 'array'; readonly v: readonly number[] }
  | { readonly t: 'dense'; readonly v: DenseAst; readonly type?: TypeAst }
  | { readonly t: 'hash'; readonly name: string; readonly body: string }
  | { readonly t: 'symbol'; readonly v: string }
  | { readonly t: 'raw'; readonly v: string };

/** `dense<...>` contents: a splat, nested lists flattened, a hex blob, or a resource name. */
export type DenseAst =
  | {
      readonly kind: 'values';
      readonly values: readonly number[];
      readonly splat: boolean;
      /** Written as hex bit patterns (`0xFF800000` is -inf in f32): reinterpret by element type. */
      readonly bits?: boolean;
    }
  | { readonly kind: 'hex'; readonly hex: string }
  | { readonly kind: 'resource'; readonly name: string };

/** A location as written; `ref` is a `#locN` alias resolved later (aliases may follow their uses). */
export type LocAst =
  | { readonly t: 'unknown' }
  | { readonly t: 'ref'; readonly ref: string }
  | { readonly t: 'name'; readonly name: string; readonly child?: LocAst }
  | { readonly t: 'file'; readonly file: string }
  | { readonly t: 'callsite'; readonly callee: LocAst; readonly caller: LocAst }
  | { readonly t: 'fused'; readonly locs: readonly LocAst[] };

export interface BlockArgAst {
  readonly name: string;
  readonly type: TypeAst;
  readonly attrs?: ReadonlyMap<string, AttrValue>;
  readonly loc?: LocAst;
}

export interface RegionAst {
  readonly args: readonly BlockArgAst[];
  readonly ops: readonly OpAst[];
  /** More than one block (branchy control flow the IR cannot hold). */
  readonly extraBlocks: number;
}

export interface OpAst {
  /** Full op name: stablehlo.add, func.call, func.return, sdy.sharding_constraint, chlo.erf. */
  readonly name: string;
  /** Result names, one per result (`%0:2` gives `%0#0`, `%0#1`). */
  readonly results: readonly string[];
  readonly operands: readonly string[];
  readonly attrs: Map<string, AttrValue>;
  readonly regions: readonly RegionAst[];
  readonly operandTypes?: readonly TypeAst[];
  readonly resultTypes: readonly TypeAst[];
  readonly loc?: LocAst;
  /** Source offset of the op's first token, for error messages. */
  readonly offset: number;
}

export interface FuncAst {
  readonly name: string;
  readonly visibility: string;
  readonly args: readonly BlockArgAst[];
  readonly results: readonly {
    readonly type: TypeAst;
    readonly attrs?: ReadonlyMap<string, AttrValue>;
  }[];
  readonly body: RegionAst;
  readonly offset: number;
}

export interface MeshAst {
  readonly name: string;
  readonly axes: readonly { readonly name: string; readonly size: number }[];
  readonly deviceIds?: readonly number[];
}

export interface ModuleAst {
  readonly name?: string;
  readonly attrs: ReadonlyMap<string, AttrValue>;
  readonly funcs: readonly FuncAst[];
  readonly meshes: ReadonlyMap<string, MeshAst>;
  readonly locAliases: ReadonlyMap<string, LocAst>;
  /** Ops at module level the parser skipped (unknown dialects), by name. */
  readonly skipped: readonly string[];
}
