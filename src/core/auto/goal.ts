import type { Figures } from './evaluate.ts';
import type { AutoGoal } from './types.ts';

/**
 * The goals in order, as a lexicographic key (smaller is better): for `time`, strategies that
 * fit come first, then the shorter step (among those that do not fit, the smaller peak, which
 * is the way towards fitting); for `memory`, strategies within the time budget come first, then
 * the smaller peak (outside the budget, the shorter step).
 */
export function goalKey(f: Figures, goal: AutoGoal): readonly [number, number] {
  if (goal.kind === 'time') return f.fits ? [0, f.stepTimeS] : [1, f.peakMemoryBytes];
  return f.stepTimeS <= goal.timeBudgetS ? [0, f.peakMemoryBytes] : [1, f.stepTimeS];
}

export function better(a: Figures, b: Figures | undefined, goal: AutoGoal): boolean {
  if (!b) return true;
  const ka = goalKey(a, goal);
  const kb = goalKey(b, goal);
  return ka[0] !== kb[0] ? ka[0] < kb[0] : ka[1] < kb[1];
}

/** The best second-goal figure seen so far in each tier of goalKey (the search's yardsticks). */
export class Yardstick {
  private readonly best: [number, number] = [Infinity, Infinity];
  constructor(readonly goal: AutoGoal) {}

  see(f: Figures): void {
    const [tier, x] = goalKey(f, this.goal);
    this.best[tier] = Math.min(this.best[tier], x);
  }

  /**
   * The search's reward in [0, 1]: a strategy that meets the first goal scores 0.5 plus up to
   * 0.5 by how close it comes to the best second-goal figure; one that does not scores at most
   * 0.5 by the same measure on its own tier, so meeting the first goal always pays more.
   */
  reward(f: Figures): number {
    const [tier, x] = goalKey(f, this.goal);
    const ratio = x > 0 ? Math.min(1, this.best[tier] / x) : 1;
    return tier === 0 ? 0.5 + 0.5 * ratio : 0.5 * ratio;
  }
}
