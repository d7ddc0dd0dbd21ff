import type { Program } from '../ir/program.ts';
import type { NamedTacticName, Tactic } from '../tactics/tactic.ts';
import { dimGroups, type DimGroup } from './groups.ts';

/**
 * The decision space, PartIR-style: per mesh axis, which compute decisions take the axis (named
 * tactics as macro-actions, and dimension groups from the factor analysis as tile decisions),
 * then per axis how much of the training state is sharded on it for storage (ZeRO 0–3). A plan
 * is an ordered walk through the stages: every compute stage first (axes in order), then the
 * storage stages, which is also the order of the emitted schedule, so a tree node's
 * propagation state is its parent's plus one tactic.
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

/** Named tactics offered as compute decisions, in the order they are applied on one axis
 *  (EP before BP, as GShard needs; SP after MP, where it splits what MP left). */
const COMPUTE_NAMED: readonly NamedTacticName[] = ['EP', 'BP', 'MP', 'SP', 'EMB'];
const STORAGE: readonly NamedTacticName[] = ['Z1', 'Z2', 'Z3'];

export interface SpaceOptions {
  /** Compute decisions one axis may take (default 3). */
  readonly maxPerAxis?: number;
  /** Dimension groups offered as tile decisions, largest first (default 4). */
  readonly groups?: number;
}

export class DecisionSpace {
  readonly stages: readonly Stage[];
  readonly maxPerAxis: number;
  readonly groups: readonly DimGroup[];

  constructor(program: Program, axes: readonly string[], opts: SpaceOptions = {}) {
    this.maxPerAxis = opts.maxPerAxis ?? 3;
    this.groups = dimGroups(program).slice(0, opts.groups ?? 4);
    const compute = axes.map((axis): Stage => ({
      axis,
      kind: 'compute',
      actions: [
        ...COMPUTE_NAMED.map((t) => ({ label: t, tactics: [{ tactic: t, axis }] })),
        ...this.groups.map((g) => ({
          label: `tile ${g.label}`,
          tactics: g.tactics.map((t) => ({ ...t, axis })),
        })),
      ],
    }));
    const storage = axes.map((axis): Stage => ({
      axis,
      kind: 'storage',
      actions: [
        { label: 'Z0', tactics: [] },
        ...STORAGE.map((t) => ({ label: t, tactics: [{ tactic: t, axis }] })),
      ],
    }));
    this.stages = [...compute, ...storage];
  }
}

/**
 * Where a walk through the space stands: the stage, the last compute action taken in it (the
 * next must come later in the stage's order, so a set of decisions is reached one way only) and
 * how many it has taken.
 */
export interface Cursor {
  readonly stage: number;
  readonly last: number;
  readonly count: number;
}

export const START: Cursor = { stage: 0, last: -1, count: 0 };

/** A move: an action index of the cursor's stage, or STOP (leave a compute stage). */
export const STOP = -1;

export function isTerminal(space: DecisionSpace, c: Cursor): boolean {
  return c.stage >= space.stages.length;
}

/** The moves open at the cursor, in order. */
export function moves(space: DecisionSpace, c: Cursor): number[] {
  const stage = space.stages[c.stage];
  if (stage.kind === 'storage') return stage.actions.map((_, i) => i);
  const out = [STOP];
  if (c.count < space.maxPerAxis)
    for (let i = c.last + 1; i < stage.actions.length; i++) out.push(i);
  return out;
}

export function advance(space: DecisionSpace, c: Cursor, move: number): Cursor {
  const stage = space.stages[c.stage];
  if (stage.kind === 'storage' || move === STOP) return { stage: c.stage + 1, last: -1, count: 0 };
  return { stage: c.stage, last: move, count: c.count + 1 };
}

/** The tactics a move adds (none for STOP and Z0: they need no propagation). */
export function moveTactics(space: DecisionSpace, c: Cursor, move: number): readonly Tactic[] {
  return move === STOP ? [] : space.stages[c.stage].actions[move].tactics;
}

export function moveLabel(space: DecisionSpace, c: Cursor, move: number): string {
  const stage = space.stages[c.stage];
  return move === STOP ? 'stop' : `${stage.actions[move].label}(${stage.axis})`;
}
