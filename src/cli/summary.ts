import type { Program, ProgramStats } from '../core/ir/index.ts';
import { formatBytes, formatCount, formatFlops, formatInt } from './format.ts';

/**
 * A program's statistics as labelled lines of text, in the order `shardlab show` prints them.
 * DOM-free and Node-free: the workbench page shows the same lines.
 */
export function programSummaryRows(p: Program, s: ProgramStats): [label: string, value: string][] {
  const tokens = p.meta.tokensPerStep;
  const phase = s.flopsByPhase;
  const pct = (f: number) => `${s.flops ? ((100 * f) / s.flops).toFixed(1) : '0.0'}%`;
  const ofTotal = (f: number) => `${formatFlops(f)} (${pct(f)})`;
  return [
    ['parameters', `${formatCount(s.params)} (${formatInt(s.params)})`],
    ['ops', formatInt(s.ops)],
    ['FLOPs per step', `${formatFlops(s.flops)} (${pct(s.matmulFlops)} in matmuls)`],
    ['tokens per step', tokens === undefined ? '-' : formatInt(tokens)],
    ['FLOPs per token', tokens ? formatFlops(s.flops / tokens) : '-'],
    ['bytes accessed', formatBytes(s.bytes)],
    ['parameter bytes', formatBytes(s.paramBytes)],
    ['optimizer state', formatBytes(s.optStateBytes)],
    ['data bytes', formatBytes(s.dataBytes)],
    ['FLOPs forward', ofTotal(phase.forward)],
    ['FLOPs backward', ofTotal(phase.backward)],
    ['FLOPs optimizer', ofTotal(phase.optimizer)],
  ];
}

/** One line naming the program: `gpt2-small (gpt, training step)`. */
export function programTitle(p: Program): string {
  return `${p.name} (${p.meta.family ?? 'model'}, ${p.meta.training ? 'training step' : 'forward pass'})`;
}
