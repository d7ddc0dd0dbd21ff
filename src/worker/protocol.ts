// The typed protocol between the page and the engine worker (types only: both sides import it,
// the worker module itself is never imported by the page). Everything that crosses is
// structured-cloneable and compact: the page gets figures and a packed timeline, never the
// program or the sharding state, which stay in the worker.
import type { BaselineSummary } from '../core/auto/baselines.ts';
import type { AutoGoal, AutoProgress } from '../core/auto/types.ts';
import type { ChromeTrace } from '../core/sim/trace.ts';
import type { SimReport } from '../core/sim/report.ts';
import type { CollectiveJson } from '../core/spmd/partition.ts';
import type { Tactic } from '../core/tactics/tactic.ts';
import type { GraphRequest, GraphView, InspectTarget, Inspection } from '../core/view/index.ts';

export type { GraphRequest, GraphView, InspectTarget, Inspection };

/** What the user chose: the model (a zoo spec or an imported file). */
export type ModelSource =
  | { readonly kind: 'preset'; readonly spec: string }
  | { readonly kind: 'file'; readonly name: string; readonly text: string };

/** The part of the workspace a run depends on (the view state never reaches the worker). */
export interface RunRequest {
  readonly model: ModelSource;
  /** `data=4,model=2` */
  readonly mesh: string;
  /** A catalog name or a custom device spec (hardware.ts `parseHardware`). */
  readonly hardware: string;
  /** topology.ts syntax, or null for the default placement. */
  readonly topology: string | null;
  readonly schedule: readonly Tactic[];
  /** Step-through: only the first `after` tactics (null: all). */
  readonly after: number | null;
}

/** The pipeline stage a run is in, for the progress line. */
export type Stage = 'building' | 'propagating' | 'lowering' | 'simulating';

export interface Progress {
  readonly stage: Stage;
  /** For `propagating`: tactic `done` of `total`. */
  readonly done?: number;
  readonly total?: number;
  /** A newly built program can be asked for its graph now (without tactics), before the run
   *  completes: the worker waits briefly for such a request before it goes on. */
  readonly contextReady?: boolean;
}

/** Where a run failed: the input at fault, so the page can show the message beside it. */
export type RunErrorPlace = 'model' | 'mesh' | 'hardware' | 'topology' | 'schedule' | 'internal';

export interface RunError {
  readonly place: RunErrorPlace;
  readonly message: string;
  /** For `schedule`: the index of the tactic at fault. */
  readonly tacticIndex?: number;
}

export interface CollectiveSummary extends CollectiveJson {
  /** Index in the SPMD program's collectives (slices included): the views' `collective` target. */
  readonly index: number;
  /** Bytes each device sends per execution. */
  readonly bytes: number;
  readonly tripCount: number;
  /** Op id of the collective in the per-device program. */
  readonly opId: number;
}

export interface ConflictSummary {
  readonly op: number;
  readonly kind: string;
  readonly scope: string;
  readonly reason: string;
  readonly tactic: number;
  readonly message: string;
}

/**
 * One simulated step, packed: slice i runs on `tracks[track[i]]` from `start[i]` for `dur[i]`
 * seconds, named `names[name[i]]`; `op[i]` is the per-device op id (compute) and `collective[i]`
 * the collective's `index` (communication, else -1). Slices are in the sink's order.
 */
export interface PackedTimeline {
  readonly tracks: readonly string[];
  readonly names: readonly string[];
  readonly track: Uint8Array;
  readonly name: Uint16Array;
  readonly start: Float64Array;
  readonly dur: Float64Array;
  readonly op: Int32Array;
  readonly collective: Int32Array;
  /** Global-program scope of each slice's op, as an index into `scopes`. */
  readonly scope: Uint32Array;
  readonly scopes: readonly string[];
  /** Phase of each slice's op (forward, backward, optimizer), as an index into `phases`. */
  readonly phase: Uint8Array;
  readonly phases: readonly string[];
  /** Live bytes over the step: (time, bytes) pairs. */
  readonly memory: Float64Array;
  /** Slice indices by track, each track's by start time: track k's are
   *  `slices[offsets[k] .. offsets[k+1])` (the timeline draws and hit-tests from this). */
  readonly byTrack: { readonly offsets: Int32Array; readonly slices: Int32Array };
}

export interface StepSummary {
  readonly tactic: Tactic;
  readonly seeds: number;
  readonly conflicts: number;
}

export interface ModelSummary {
  readonly title: string;
  readonly params: number;
  readonly ops: number;
  readonly values: number;
  readonly flops: number;
}

export interface RunResult {
  readonly model: ModelSummary;
  readonly axes: readonly { readonly name: string; readonly size: number }[];
  readonly report: SimReport;
  /** Peak bytes per device. */
  readonly perDevice: readonly number[];
  readonly collectives: readonly CollectiveSummary[];
  readonly conflicts: readonly ConflictSummary[];
  readonly steps: readonly StepSummary[];
  readonly timeline: PackedTimeline;
  /** How the run went: steps reused from the previous run, and milliseconds per stage. */
  readonly timing: {
    readonly reusedSteps: number;
    readonly buildMs: number;
    readonly partitionMs: number;
    readonly simulateMs: number;
  };
}

export type RunOutcome =
  | { readonly ok: true; readonly result: RunResult }
  | { readonly ok: false; readonly error: RunError };

/** Options of an automatic-partitioner run (the rest comes from the workspace). */
export interface AutoRequest {
  /** Wall-clock budget of the search. */
  readonly timeLimitS: number;
  /** Mesh axes it may decide (default: those the schedule leaves unused). */
  readonly axes?: readonly string[];
  readonly goal?: AutoGoal;
}

export interface AutoSummary {
  /** The enabled tactics of the workspace followed by the search's: a schedule to apply. */
  readonly tactics: readonly Tactic[];
  readonly schedule: string;
  readonly report: SimReport;
  readonly searchTimeS: number;
  readonly evaluations: number;
  readonly cancelled: boolean;
  readonly baselines: readonly BaselineSummary[];
}

export type AutoOutcome =
  | { readonly ok: true; readonly result: AutoSummary }
  | { readonly ok: false; readonly error: RunError };

export type { AutoGoal, AutoProgress };

/** A value as the page may need it when a tactic is dropped on it (tile/replicate selectors). */
export interface ValueBrief {
  readonly id: number;
  readonly name: string;
  readonly scope: string;
  readonly shape: readonly number[];
}

/** The engine worker's API (comlink exposes it; every call is async from the page). */
export interface EngineApi {
  /** Runs the pipeline for a workspace; `onProgress` (a comlink proxy) hears each stage. */
  run(req: RunRequest, onProgress?: (p: Progress) => void): Promise<RunOutcome>;
  /** The automatic partitioner (EngineSession.auto); the client cancels it by restarting the
   *  worker (the search is synchronous inside it). */
  auto(
    req: RunRequest,
    opts: AutoRequest,
    onProgress?: (p: AutoProgress) => void,
  ): Promise<AutoOutcome>;
  /** UI-B's graph view of the latest successful run. */
  graph(req: GraphRequest): Promise<GraphView>;
  /** UI-B's inspection of a node or value of the latest successful run. */
  inspect(target: InspectTarget): Promise<Inspection>;
  /** A value of the latest run's program (null when out of range). */
  value(id: number): Promise<ValueBrief | null>;
  /** The latest run's timeline as a Chrome trace (ui.perfetto.dev), for every device asked. */
  trace(devices?: readonly number[]): Promise<ChromeTrace>;
  /** Test hook: the worker throws from an uncaught task, as a real crash would. */
  crash(): Promise<void>;
}
