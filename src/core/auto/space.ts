import type { Program } from '../ir/program.ts';
import type { NamedTacticName, Tactic } from '../tactics/tactic.ts';
import { dimGroups, type DimGroup } from './groups.ts';

/**
 * The decision space, PartIR-style: per mesh axis, which compute decision takes the axis (none,
 * a named-tactic macro-action such as MP or MP+SP, or one dimension group of the factor
 * analysis as a tile decision), then per axis how much of the training state is sharded on it
 * for storage (ZeRO 0–3). A plan is an ordered walk through the stages: every compute stage
 * first (axes in order), then the storage stages, which is also the order of the emitted
 * schedule, so a tree node's propagation state is its parent's plus one decision.
 */
export interface Action {
  /** What the user reads (`MP`, `tile layers/*\/mlp/wi:1 +2`, `Z3`, `stop`). */
  readonly label: string;
  /** The tactics with the axis filled in; empty for `stop` and `Z0`. */
  readonly tactics: readonly Tactic[];
}

export interface Stage {
  readonly axis: string;
  readonly kind: 'compute' | 'storage';
  readonly actions: readonly Action[];
}

/**
 * Compute decisions built from named tactics (macro-actions), in the order they apply on one
 * axis: EP before BP (GShard needs the experts placed first), SP after MP (it splits what MP
 * leaves whole), EMB last.
 */
const COMPUTE_MACROS: readonly (readonly NamedTacticName[])[] = [
  ['BP'],
  ['MP'],
  ['MP', 'SP'],
  ['EMB'],
  ['BP', 'EMB'],
  ['MP', 'EMB'],
  ['EP', 'BP'],
];
const STORAGE: readonly NamedTacticName[] = ['Z1', 'Z2', 'Z3'];

export interface SpaceOptions {
  /** Dimension groups offered as tile decisions, largest first (default 4). */
  readonly groups?: number;
  /** Contiguous bands of layers whose storage (ZeRO) is decided apart (default 1: all alike). */
  readonly layerBands?: number;
}

export class DecisionSpace {
  readonly stages: readonly Stage[];
  readonly groups: readonly DimGroup[];

  constructor(program: Program, axes: readonly string[], opts: SpaceOptions = {}) {
    this.groups = dimGroups(program).slice(0, opts.groups ?? 4);
    const compute = axes.map((axis): Stage => ({
      axis,
      kind: 'compute',
      actions: [
        { label: 'none', tactics: [] },
        ...COMPUTE_MACROS.map((ts) => ({
          label: ts.join('+'),
          tactics: ts.map((t) => ({ tactic: t, axis })),
        })),
        ...this.groups.map((g) => ({
          label: `tile ${g.label}`,
          tactics: g.tactics.map((t) => ({ ...t, axis })),
        })),
      ],
    }));
    const bands = layerBands(program, opts.layerBands ?? 1);
    const storage = axes.flatMap((axis) =>
      bands.map((scope): Stage => ({
        axis,
        kind: 'storage',
        actions: [
          { label: 'Z0', tactics: [] },
          // the library's ZeRO-2/3 shard every parameter gradient whatever their scope (and
          // the optimizer carries that to every parameter), so a band offers ZeRO-1 only
          ...(scope === undefined ? STORAGE : (['Z1'] as const)).map((t) => ({
            label: t,
            tactics: [{ tactic: t, axis, ...(scope === undefined ? {} : { scope }) }],
          })),
        ],
      })),
    );
    this.stages = [...compute, ...storage];
  }
}

/** Where a walk through the space stands: the next stage to decide. */
export interface Cursor {
  readonly stage: number;
}

export const START: Cursor = { stage: 0 };

/** The do-nothing move of every stage (no compute decision, no ZeRO). */
export const NONE = 0;

export function isTerminal(space: DecisionSpace, c: Cursor): boolean {
  return c.stage >= space.stages.length;
}

/** The moves open at the cursor: every action of its stage. */
export function moves(space: DecisionSpace, c: Cursor): number[] {
  return space.stages[c.stage].actions.map((_, i) => i);
}

export function advance(_space: DecisionSpace, c: Cursor): Cursor {
  return { stage: c.stage + 1 };
}

/** The tactics a move adds (none for the do-nothing moves: they need no propagation). */
export function moveTactics(space: DecisionSpace, c: Cursor, move: number): readonly Tactic[] {
  return space.stages[c.stage].actions[move].tactics;
}

export function moveLabel(space: DecisionSpace, c: Cursor, move: number): string {
  const stage = space.stages[c.stage];
  return `${stage.actions[move].label}(${stage.axis})`;
}

const LAYER_INDEX = /(?:^|\/)layers\/(\d+)\//;

/**
 * Scope patterns for `n` contiguous bands of a layer stack (`layers/<i>/`), or `[undefined]`
 * (one band: every layer alike). The first band also holds everything outside the stack
 * (embeddings, final norm): it is written as "not in the other bands".
 */
export function layerBands(program: Program, n: number): (string | undefined)[] {
  if (n <= 1) return [undefined];
  let layers = 0;
  for (const id of program.main.params) {
    const m = LAYER_INDEX.exec(program.values[id].name);
    if (m) layers = Math.max(layers, Number(m[1]) + 1);
  }
  const k = Math.min(n, layers);
  if (k <= 1) return [undefined];
  const band = (b: number) => {
    const from = Math.floor((b * layers) / k);
    const to = Math.floor(((b + 1) * layers) / k);
    return Array.from({ length: to - from }, (_, i) => from + i).join('|');
  };
  const rest = Array.from({ length: k - 1 }, (_, b) => band(b + 1)).join('|');
  return [
    `^(?!.*(^|/)layers/(${rest})(/|$))`,
    ...Array.from({ length: k - 1 }, (_, b) => `(^|/)layers/(${band(b + 1)})(/|$)`),
  ];
}
