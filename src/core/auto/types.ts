import type { SimReport } from '../sim/report.ts';
import type { Tactic } from '../tactics/tactic.ts';

/**
 * What the search optimises, in order (PartIR's goals):
 * - `time`: first fit in device memory, then minimise the simulated step time;
 * - `memory`: minimise peak memory among strategies whose step time is within `timeBudgetS`
 *   (when none is, the fastest one wins).
 */
export type AutoGoal =
  { readonly kind: 'time' } | { readonly kind: 'memory'; readonly timeBudgetS: number };

/**
 * Which search explores the decisions: `mcts` (a greedy start, UCT, then polish: the default),
 * `greedy` (the greedy start and polish alone) or `exhaustive` (every plan, depth first).
 */
export type AutoMethod = 'mcts' | 'greedy' | 'exhaustive';

export interface AutoOptions {
  /** Default `{ kind: 'time' }`. */
  readonly goal?: AutoGoal;
  /** Mesh axes the search may decide; default every axis the prefix leaves unused. */
  readonly axes?: readonly string[];
  /** Manual tactics applied first, kept as they are and respected (composability). */
  readonly prefix?: readonly Tactic[];
  /** Wall-clock budget of the search in seconds (anytime: the best so far is returned). */
  readonly timeLimitS?: number;
  /** Bound on search iterations (deterministic runs: seed + iterations, no time limit). */
  readonly maxIterations?: number;
  /** Seed of the search's random numbers (default 1). */
  readonly seed?: number;
  /** Default 'mcts'. */
  readonly method?: AutoMethod;
  /**
   * Evaluate candidates on smaller copies of the model (fewer layers) and extrapolate, then
   * re-check the best few on the real program. Default: on for zoo models with more than
   * `PROXY_MIN_OPS` ops whose op count is exactly linear in the layer count.
   */
  readonly proxy?: boolean;
  /**
   * Let layers differ: the layer stack is cut into this many contiguous bands whose ZeRO level
   * is decided apart on each axis (tactics with a `scope`). Default 1: every decision covers all
   * layers (repeated layers decided once). Proxies are not used when bands are.
   */
  readonly layerBands?: number;
  /** Called after each evaluation that improves the best, and at least every ~100 ms. */
  readonly onProgress?: (p: AutoProgress) => void;
  /** Polled between evaluations; true stops the search (the best so far is returned). */
  readonly shouldStop?: () => boolean;
}

export interface AutoProgress {
  readonly iterations: number;
  readonly evaluations: number;
  readonly elapsedS: number;
  /** Fraction of the iteration or time budget spent, 0..1. */
  readonly fraction: number;
  /** Best so far (undefined until a first strategy has been evaluated). */
  readonly best?: {
    readonly schedule: string;
    readonly stepTimeS: number;
    readonly peakMemoryBytes: number;
    readonly fits: boolean;
  };
}

export interface AutoBaseline {
  /** The expert strategy's name (BP, BP+MP, BP+MP+SP, FSDP, BP+MP+Z3, EP). */
  readonly name: string;
  readonly schedule: string;
  readonly tactics: readonly Tactic[];
  readonly report: SimReport;
}

export interface AutoResult {
  /** prefix + what the search chose: an ordinary schedule (scheduleToString prints it). */
  readonly tactics: readonly Tactic[];
  readonly schedule: string;
  /** The winner simulated on the real program (not the proxy). */
  readonly report: SimReport;
  readonly searchTimeS: number;
  /** Distinct strategies simulated (cache hits excluded). */
  readonly evaluations: number;
  readonly iterations: number;
  /** True when the search stopped on shouldStop(). */
  readonly cancelled: boolean;
  /** Layer counts of the proxy programs, when candidates were evaluated on them. */
  readonly proxyLayers?: readonly [number, number];
  /** The expert strategies that apply to this model, on the same mesh and hardware. */
  readonly baselines: readonly AutoBaseline[];
  /** Strategies (candidates or baselines) that propagated but failed in lowering or
   *  simulation: bugs of those stages, skipped so the search can go on, listed here. */
  readonly failures: readonly { readonly schedule: string; readonly message: string }[];
}

/** Bad input to the search (unknown axis, axis taken by the prefix, bad budget…). */
export class AutoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AutoError';
  }
}
