import { describe, expect, it } from 'vitest';
import { programStats } from '../ir/stats.ts';
import { buildModel } from './spec.ts';

/**
 * Model FLOPs of one training step against model-configs.md §11. Convention (stated there as the
 * shardlab recommendation): matmul FLOPs only, 2 per multiply-add, training = 3 × forward, the full
 * T×T attention (no causal discount), and N = parameters used in matmuls, so the input-embedding
 * and position-table gathers do not count (for tied models the table still counts once, as the
 * logit matmul). For untied models this is §11's "Megatron-LM without the causal ½" column; for
 * tied ones it equals PaLM's 6N + 12·L·H·Q·T up to biases, norms and position tables (< 0.1%).
 *
 * The step is the real training step (forward, autodiff backward, optimizer), whose backward runs
 * two matmuls per forward matmul; the 2% tolerance absorbs the reference's rounding, the few
 * non-matmul parameters it counts and the backward matmuls autodiff can skip (none for a weight).
 */
function trainingFlopsPerToken(spec: string, tokens: number): number {
  const sep = spec.includes(':') ? ',' : ':';
  const p = buildModel(`${spec}${sep}batch=1`);
  expect(p.meta.training).toBe(true);
  return programStats(p).matmulFlops / tokens;
}

function within(actual: number, expected: number, tol = 0.02): void {
  expect(
    Math.abs(actual / expected - 1),
    `actual ${actual.toExponential(6)} vs expected ${expected.toExponential(6)}`,
  ).toBeLessThan(tol);
}

describe('training FLOPs per token of the decoder presets (§11)', () => {
  it('GPT-3 175B at T=2048: 1076.6 GFLOP/token (PaLM 6N + 12LHQT, §11 table)', () => {
    within(trainingFlopsPerToken('gpt3-175b', 2048), 1076.6e9);
  });

  it('PaLM 540B at T=2048: 3277.7 GFLOP/token (§11 table)', () => {
    within(trainingFlopsPerToken('palm-540b', 2048), 3277.7e9);
  });

  it('Llama 2 7B at T=4096: 46.08 GFLOP/token (untied: the input-embedding gather is not a matmul, §11 table)', () => {
    within(trainingFlopsPerToken('llama2-7b', 4096), 46.08e9);
  });

  it('Llama 3 8B at T=8192: 57.91 GFLOP/token (§11 table)', () => {
    within(trainingFlopsPerToken('llama3-8b', 8192), 57.91e9);
  });

  it('Mixtral 8x7B at T=4096: 82.93 GFLOP/token active (§11 table) + the dense dispatch/combine einsums', () => {
    // capacity factor 1 gives every expert exactly k·N/E slots, so expert FLOPs equal the active count.
    // GShard's dense dispatch and combine are real matmuls §11 does not count: [N, E, C]·[N, d] each,
    // E·C = k·N, i.e. 2·2·k·N·d per token per layer forward, ×3 for training. Groups of N = 1024 tokens.
    const [L, k, N, d] = [32, 2, 1024, 4096];
    within(trainingFlopsPerToken('mixtral-8x7b', 4096), 82.93e9 + 3 * 4 * k * N * d * L);
    // with groups of 256 the overhead shrinks fourfold
    within(
      trainingFlopsPerToken('mixtral-8x7b:group_size=256', 4096),
      82.93e9 + 3 * 4 * k * 256 * d * L,
    );
  });

  it('GPT-2 small at T=1024: 6N + 12·L·H·Q·T with N = 124,439,808 − 786,432 (position table, a gather)', () => {
    const N = 124_439_808 - 786_432;
    within(trainingFlopsPerToken('gpt2-small', 1024), 6 * N + 12 * 12 * 12 * 64 * 1024);
  });

  it('the decoder matmul FLOPs are exactly 2·N_matmul + 4·L·H·dh·T per token forward (closed form, GPT-2 small)', () => {
    const [L, d, V, T] = [12, 768, 50257, 1024];
    const nMatmul = L * 12 * d * d + V * d;
    const forward = programStats(buildModel('gpt2-small:train=false,batch=2')).matmulFlops;
    expect(forward).toBe(2 * T * (2 * nMatmul + 4 * L * d * T));
  });

  it('a scanned stack counts the same FLOPs as the unrolled one (the while body × trip count)', () => {
    const unrolled = programStats(buildModel('llama2-7b:train=false,batch=1,seq=256')).matmulFlops;
    const scanned = programStats(
      buildModel('llama2-7b:train=false,batch=1,seq=256,scan=true'),
    ).matmulFlops;
    expect(scanned).toBe(unrolled);
  });
});
