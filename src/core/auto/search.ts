import type { ScheduleResult } from '../tactics/apply.ts';
import { scheduleToString } from '../tactics/schedule.ts';
import { TacticError, type Tactic } from '../tactics/tactic.ts';
import type { Evaluator, Figures } from './evaluate.ts';
import { better, Yardstick } from './goal.ts';
import {
  advance,
  isTerminal,
  moves,
  moveTactics,
  START,
  NONE,
  type Cursor,
  type DecisionSpace,
} from './space.ts';
import type { AutoGoal, AutoProgress } from './types.ts';

/** A complete strategy and its figures (on the evaluator's programs). */
export interface Plan {
  /** The move taken at each stage. */
  readonly moves: readonly number[];
  readonly tactics: readonly Tactic[];
  readonly schedule: string;
  readonly figures: Figures;
}

/** A point of a walk through the space: the decisions so far and their propagated states. */
interface Point {
  readonly cursor: Cursor;
  readonly moves: readonly number[];
  readonly tactics: readonly Tactic[];
  readonly states: readonly ScheduleResult[];
}

export interface Budget {
  readonly maxIterations: number;
  readonly timeLimitS: number;
  readonly shouldStop?: () => boolean;
  readonly onProgress?: (p: AutoProgress) => void;
}

const FINALISTS = 4;

/**
 * What both search methods share: legal moves (a move whose tactic throws — matches nothing,
 * does not divide, an axis already taken — or changes no sharding is pruned; this is where the
 * compiler's analysis enters the search; conflicts with earlier decisions are left to the
 * simulator to judge, as the propagation leaves them: stopped, not guessed), evaluation with the goal, the best plans so far,
 * the budget and progress reports.
 */
export class SearchRun {
  readonly yardstick: Yardstick;
  readonly finalists: Plan[] = [];
  iterations = 0;
  cancelled = false;
  private readonly t0 = performance.now();
  private lastReport = 0;

  constructor(
    readonly space: DecisionSpace,
    readonly evaluator: Evaluator,
    readonly root: Point,
    readonly goal: AutoGoal,
    readonly budget: Budget,
  ) {
    this.yardstick = new Yardstick(goal);
  }

  get best(): Plan | undefined {
    return this.finalists[0];
  }

  elapsedS(): number {
    return (performance.now() - this.t0) / 1000;
  }

  /** The part of the budget the current phase may spend (MCTS leaves some to polish). */
  share = 1;

  /** True once the phase's part of the budget is spent or the caller cancelled. */
  done(): boolean {
    if (this.budget.shouldStop?.()) this.cancelled = true;
    return (
      this.cancelled ||
      this.iterations >= this.budget.maxIterations * this.share ||
      this.elapsedS() >= this.budget.timeLimitS * this.share
    );
  }

  private readonly own = new Map<string, number>();

  /** Conflicts a move's tactics meet right after the prefix (cached per stage and move). */
  private ownConflicts(stage: number, move: number, added: readonly Tactic[]): number {
    const key = `${stage}:${move}`;
    let n = this.own.get(key);
    if (n === undefined) {
      try {
        const states = this.evaluator.apply([...this.root.tactics, ...added], this.root.states);
        n = newConflicts(states, this.root.states);
      } catch (e) {
        if (!(e instanceof TacticError)) throw e;
        n = 0;
      }
      this.own.set(key, n);
    }
    return n;
  }

  /** The point after a move, or undefined when the move is illegal or changes nothing. */
  step(p: Point, move: number): Point | undefined {
    const added = moveTactics(this.space, p.cursor, move);
    const cursor = advance(this.space, p.cursor);
    const moves = [...p.moves, move];
    if (added.length === 0) return { cursor, moves, tactics: p.tactics, states: p.states };
    const tactics = [...p.tactics, ...added];
    let states: ScheduleResult[];
    try {
      states = this.evaluator.apply(tactics, p.states);
    } catch (e) {
      if (e instanceof TacticError) return undefined;
      throw e;
    }
    if (this.evaluator.unchanged(states, p.states)) return undefined;
    // a dimension-group decision that meets more conflicts than it does on the prefix alone
    // collides with an earlier decision and is half applied (propagation stops where they
    // meet): pruned. Named macro-actions are left to the simulator: MP after EP+BP meets the
    // expert dim and is still Mixtral's best plan.
    if (
      added[0].tactic === 'tile' &&
      newConflicts(states, p.states) > this.ownConflicts(p.cursor.stage, move, added)
    )
      return undefined;
    return { cursor, moves, tactics, states };
  }

  /** Evaluates a complete plan, keeps the best few, and returns the reward. */
  evaluate(p: Point): number {
    const figures = this.figures(p);
    return figures ? this.yardstick.reward(figures) : 0;
  }

  /** Evaluates a complete plan and keeps the best few; undefined if the pipeline failed on it. */
  figures(p: Point): Figures | undefined {
    const schedule = scheduleToString(p.tactics);
    const figures = this.evaluator.figures(schedule, p.states);
    if (!figures) return undefined;
    this.yardstick.see(figures);
    this.remember({ moves: p.moves, tactics: p.tactics, schedule, figures });
    this.progress(false);
    return figures;
  }

  private remember(plan: Plan): void {
    if (this.finalists.some((f) => f.schedule === plan.schedule)) return;
    const improved = better(plan.figures, this.best?.figures, this.goal);
    let i = this.finalists.length;
    while (i > 0 && better(plan.figures, this.finalists[i - 1].figures, this.goal)) i--;
    if (i < FINALISTS) this.finalists.splice(i, 0, plan);
    if (this.finalists.length > FINALISTS) this.finalists.pop();
    if (improved) this.progress(true);
  }

  progress(force: boolean): void {
    const now = performance.now();
    if (!this.budget.onProgress || (!force && now - this.lastReport < 100)) return;
    this.lastReport = now;
    const elapsedS = this.elapsedS();
    const best = this.best;
    this.budget.onProgress({
      iterations: this.iterations,
      evaluations: this.evaluator.evaluations,
      elapsedS,
      fraction: Math.min(
        1,
        Math.max(
          this.iterations / this.budget.maxIterations,
          Number.isFinite(this.budget.timeLimitS) ? elapsedS / this.budget.timeLimitS : 0,
        ),
      ),
      ...(best
        ? {
            best: {
              schedule: best.schedule,
              stepTimeS: best.figures.stepTimeS,
              peakMemoryBytes: best.figures.peakMemoryBytes,
              fits: best.figures.fits,
            },
          }
        : {}),
    });
  }
}

function newConflicts(after: readonly ScheduleResult[], before: readonly ScheduleResult[]): number {
  let n = 0;
  after.forEach((s, i) => (n = Math.max(n, s.conflicts.length - before[i].conflicts.length)));
  return n;
}

export function startPoint(states: readonly ScheduleResult[], prefix: readonly Tactic[]): Point {
  return { cursor: START, moves: [], tactics: prefix, states };
}

class Node {
  readonly children: Node[] = [];
  untried: number[];
  visits = 0;
  total = 0;
  exhausted = false;
  constructor(
    readonly point: Point,
    readonly parent: Node | undefined,
    space: DecisionSpace,
    random: () => number,
  ) {
    this.untried = isTerminal(space, point.cursor)
      ? []
      : shuffle(moves(space, point.cursor), random);
  }
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** UCT exploration constant; rewards lie in [0, 1]. */
const EXPLORE = 0.4;

/**
 * Monte Carlo Tree Search (UCT), as in Automap and PartIR's partitioner: select by upper
 * confidence bound, expand one legal move (propagating its tactic), finish the plan with random
 * legal moves, simulate it, back the reward up. A subtree whose every plan has been simulated
 * is closed, so on a small space the search ends having enumerated it.
 */
export function runMcts(run: SearchRun, random: () => number): void {
  const { space } = run;
  const root = new Node(run.root, undefined, space, random);
  while (!root.exhausted && !run.done()) {
    run.iterations++;
    let node = root;
    // selection
    while (node.untried.length === 0 && !isTerminal(space, node.point.cursor)) {
      const open = node.children.filter((c) => !c.exhausted);
      if (open.length === 0) break;
      node = uctChild(node, open);
    }
    // expansion
    let leaf: Node | undefined;
    while (node.untried.length > 0 && !leaf) {
      const move = node.untried.pop()!;
      const next = run.step(node.point, move);
      if (next) {
        leaf = new Node(next, node, space, random);
        node.children.push(leaf);
      }
    }
    if (!leaf) {
      if (isTerminal(space, node.point.cursor)) leaf = node;
      else {
        // every untried move was illegal: the node is done once its children are
        if (!node.children.some((c) => !c.exhausted)) close(node);
        continue;
      }
    }
    // rollout
    let point = leaf.point;
    while (!isTerminal(space, point.cursor)) {
      const options = rolloutOrder(moves(space, point.cursor), random);
      let next: Point | undefined;
      while (!next && options.length) next = run.step(point, options.pop()!);
      if (!next) break; // cannot happen: the do-nothing move is always legal
      point = next;
    }
    const r = run.evaluate(point);
    if (isTerminal(space, leaf.point.cursor)) close(leaf);
    for (let n: Node | undefined = leaf; n; n = n.parent) {
      n.visits++;
      n.total += r;
    }
  }
  run.progress(true);
}

/**
 * The rollout policy, in the order moves are tried (last first): half the time the do-nothing
 * move (no decision on this axis, or no ZeRO), else a random one: lean plans, as experts write
 * them, get sampled more often than uniform rollouts would.
 */
function rolloutOrder(options: number[], random: () => number): number[] {
  const order = shuffle(options, random);
  const lean = order.indexOf(NONE);
  if (random() < 0.5 && lean >= 0) order.push(...order.splice(lean, 1));
  return order;
}

function uctChild(parent: Node, open: readonly Node[]): Node {
  let best = open[0];
  let bestScore = -Infinity;
  const logN = Math.log(Math.max(1, parent.visits));
  for (const c of open) {
    const score =
      c.visits === 0 ? Infinity : c.total / c.visits + EXPLORE * Math.sqrt(logN / c.visits);
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

/** Marks a node done and closes every ancestor whose moves are all done. */
function close(node: Node): void {
  node.exhausted = true;
  for (let n = node.parent; n; n = n.parent) {
    if (n.untried.length > 0 || n.children.some((c) => !c.exhausted)) return;
    n.exhausted = true;
  }
}

/**
 * Exhaustive enumeration of the same space, depth first in move order, pruned by the same
 * legality checks: exact within the space when the budget lets it finish.
 */
export function runExhaustive(run: SearchRun): void {
  const { space } = run;
  const visit = (p: Point): void => {
    if (run.done()) return;
    if (isTerminal(space, p.cursor)) {
      run.iterations++;
      run.evaluate(p);
      return;
    }
    for (const move of moves(space, p.cursor)) {
      const next = run.step(p, move);
      if (next) visit(next);
      if (run.done()) return;
    }
  };
  visit(run.root);
  run.progress(true);
}

/**
 * Coordinate descent from the best plan: change one stage's move at a time, keep a change that
 * improves the goal, until a whole pass changes nothing (or the budget ends). Cheap (the sum of
 * the stages' moves per pass) and it fixes what random rollouts leave slightly off, e.g. a
 * ZeRO level on the wrong axis.
 */
export function polish(run: SearchRun): void {
  let improved = true;
  while (improved && run.best && !run.done()) {
    improved = false;
    const best = run.best;
    // the points along the best plan, so a change at stage i replays only the stages after it
    const path = [run.root];
    for (const m of best.moves) {
      const next = run.step(path[path.length - 1], m);
      if (!next) return; // the best plan replays: its moves were legal when it was found
      path.push(next);
    }
    // last stage first: its changes replay nothing after them, and ZeRO levels are where
    // random rollouts are most often slightly off
    for (let i = best.moves.length - 1; i >= 0 && !improved && !run.done(); i--) {
      for (const m of moves(run.space, path[i].cursor)) {
        if (m === best.moves[i] || run.done()) continue;
        let p = run.step(path[i], m);
        for (let j = i + 1; p && j < best.moves.length; j++) p = run.step(p, best.moves[j]);
        if (!p) continue;
        run.iterations++;
        run.evaluate(p);
        if (run.best !== best) {
          improved = true;
          break;
        }
      }
    }
  }
  run.progress(true);
}

/** The index of the BP macro-action in a compute stage (the default an engineer starts from). */
function bpMove(space: DecisionSpace, stage: number): number {
  return space.stages[stage].actions.findIndex((a) => a.label === 'BP');
}

/**
 * A plan finished the way an engineer would leave the undecided axes: batch parallelism on the
 * later compute stages where it applies (else nothing), no ZeRO. Judging a decision with the
 * other axes idle would judge it on memory alone (nothing fits), not on time.
 */
function completeWithDefaults(run: SearchRun, from: Point): Point {
  const { space } = run;
  let p = from;
  while (!isTerminal(space, p.cursor)) {
    const stage = space.stages[p.cursor.stage];
    const bp = stage.kind === 'compute' ? bpMove(space, p.cursor.stage) : -1;
    p = (bp >= 0 ? run.step(p, bp) : undefined) ?? run.step(p, NONE)!;
  }
  return p;
}

/**
 * Greedy construction, one stage at a time (XLA's auto-sharding solves an N-D mesh one axis per
 * pass the same way): each legal move of the stage is tried with the later stages completed by
 * completeWithDefaults, and the best is kept. About the sum of the stages' moves in evaluations; it
 * gives MCTS a strong first yardstick and polish a starting point.
 */
export function runGreedy(run: SearchRun): void {
  const { space } = run;
  let point = run.root;
  while (!isTerminal(space, point.cursor) && !run.done()) {
    let chosen: Point | undefined;
    let chosenFigures: Figures | undefined;
    for (const m of moves(space, point.cursor)) {
      if (run.done()) break;
      const next = run.step(point, m);
      if (!next) continue;
      const plan = completeWithDefaults(run, next);
      run.iterations++;
      const f = run.figures(plan);
      if (f && better(f, chosenFigures, run.goal)) {
        chosen = next;
        chosenFigures = f;
      }
    }
    if (!chosen) return;
    point = chosen;
  }
}
