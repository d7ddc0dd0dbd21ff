import type { OpId, Phase, ValueId } from '../ir/program.ts';

/**
 * What the user points at: a group of the graph (a scope within a phase), an op, a value, or a
 * collective of the SPMD program (by index in `spmd.collectives`). The store's selection, the
 * inspector's target and the timeline's clicks all use this one type.
 */
export type InspectTarget =
  | { readonly kind: 'group'; readonly id: string }
  | { readonly kind: 'op'; readonly id: OpId }
  | { readonly kind: 'value'; readonly id: ValueId }
  | { readonly kind: 'collective'; readonly index: number };

/** A request for the visible part of the graph. */
export interface GraphRequest {
  /** Ids of the expanded groups (GraphNode.id of kind 'group'). */
  readonly expanded: readonly string[];
  /** Case-insensitive text matched against scopes, op kinds and value names; '' for none. */
  readonly search?: string;
  /** The most nodes to draw (default MAX_NODES): beyond it, expansions are refused and summarised. */
  readonly cap?: number;
}

/** Collectives inserted in a group or op, by kind (`all-reduce`: 12). */
export type CollectiveCounts = Readonly<Record<string, number>>;

/** Operation counts by phase (a group mixes phases only when it is the whole model). */
export type PhaseCounts = Readonly<Record<Phase, number>>;

export interface GraphNode {
  /** `g:<phase>:<scope>` for groups, `op:<id>` for ops, `more:<group id>` for a summary of ops left out. */
  readonly id: string;
  readonly kind: 'group' | 'op' | 'more';
  /** The enclosing expanded group's id ('' at the top): React Flow's parent. */
  readonly parent: string;
  readonly label: string;
  /** The scope the node stands for (a tactic dropped on it is scoped to this). */
  readonly scope: string;
  readonly phase: Phase;
  readonly depth: number;
  /** Groups: whether it is drawn open (its children are nodes too) and whether it can open. */
  readonly expanded: boolean;
  readonly expandable: boolean;
  /** Static op count, FLOPs and bytes of one program run (while bodies × trips), summed. */
  readonly ops: number;
  readonly flops: number;
  readonly bytes: number;
  /** Mesh axes that split or sum any result inside (groups) or the result (ops). */
  readonly axes: readonly string[];
  /** Ops only: the op kind, id, and per dim of its first result the axes splitting it. */
  readonly opKind?: string;
  readonly opId?: OpId;
  readonly value?: ValueId;
  readonly shape?: readonly number[];
  readonly dims?: readonly (readonly string[])[];
  readonly partial?: readonly string[];
  readonly collectives: CollectiveCounts;
  readonly conflicts: number;
  /** True when the search matches the node (or, for a group, something inside it). */
  readonly match: boolean;
}

export interface GraphEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** Bytes of the distinct values crossing from source to target (one program run). */
  readonly bytes: number;
  readonly values: number;
  /** The first value crossing (the only one when `values` is 1): what a click on the edge inspects. */
  readonly value: ValueId;
}

export interface GraphView {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Mesh axes in order (for colours). */
  readonly axes: readonly string[];
  readonly phases: readonly Phase[];
  /** Groups the request asked to expand but the cap kept closed. */
  readonly refused: readonly string[];
  /** Search: the groups to expand so that every match is visible (ancestors first). */
  readonly matches: readonly string[];
  readonly totalOps: number;
}

/** One axis on a value and why it is there: the tactic, its seed, the ops it propagated through. */
export interface AxisWhy {
  readonly axis: string;
  /** Where the axis sits: 'dim 0', 'partial', 'replicated'. */
  readonly place: string;
  readonly tactic: number;
  /** The tactic as the schedule prints it (`MP(model)`), or '?' when out of range. */
  readonly tacticText: string;
  readonly seed: string;
  /** Ops propagation crossed, from this value back towards the seed (at most a few). */
  readonly path: readonly { readonly op: OpId; readonly kind: string; readonly scope: string }[];
}

export interface ValueInspection {
  readonly id: ValueId;
  readonly name: string;
  readonly scope: string;
  readonly role?: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly localShape: readonly number[];
  readonly bytes: number;
  readonly localBytes: number;
  /** The sharding in Shardy's notation (`[{data}, {}]`), and per dim the axes. */
  readonly sharding: string;
  readonly dims: readonly (readonly string[])[];
  readonly partial: readonly string[];
  readonly replicated: readonly string[];
  readonly why: readonly AxisWhy[];
  /** The op that makes it (top-level ops only) and the first few that read it. */
  readonly def?: OpRef;
  readonly users?: readonly OpRef[];
  /** How many top-level ops read it in all. */
  readonly userCount?: number;
}

export interface OpRef {
  readonly op: OpId;
  readonly kind: string;
  readonly scope: string;
  readonly phase: Phase;
}

export interface CollectiveInspection {
  readonly index: number;
  readonly kind: string;
  readonly axes: readonly string[];
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly bytes: number;
  readonly scope: string;
  readonly phase: Phase;
  readonly reason: string;
  readonly tripCount: number;
  readonly value: ValueId;
}

export interface ConflictInspection {
  readonly op: OpId;
  readonly kind: string;
  readonly factor: string;
  readonly message: string;
}

export interface Inspection {
  readonly target: InspectTarget;
  /** A one-line heading: `dot_general #123`, `layers/3/attn (forward)`, `all-reduce over model`. */
  readonly title: string;
  readonly scope: string;
  readonly phase?: Phase;
  /** Ops: the kind and the factor rule printed (`([i, k], [k, j])->([i, j]) {…}`). */
  readonly opKind?: string;
  readonly rule?: string;
  /** One run's FLOPs and bytes (global), and the simulated time per device where known. */
  readonly flops?: number;
  readonly bytes?: number;
  readonly timeS?: number;
  readonly bound?: string;
  /** Groups: op count and the op kinds inside, most frequent first. */
  readonly ops?: number;
  readonly kinds?: readonly { readonly kind: string; readonly count: number }[];
  readonly operands?: readonly ValueInspection[];
  readonly results?: readonly ValueInspection[];
  readonly value?: ValueInspection;
  readonly collective?: CollectiveInspection;
  /** Collectives inserted here (groups and ops), at most a few dozen. */
  readonly collectives?: readonly CollectiveInspection[];
  readonly conflicts?: readonly ConflictInspection[];
}

/** The graph never draws more nodes than this, whatever is expanded. */
export const MAX_NODES = 300;
