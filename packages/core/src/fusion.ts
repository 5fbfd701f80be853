import type { RetrievedCandidate } from './spec/retriever-v1.js';

/** How the results of several retrievers are merged into one ranking. */
export type FusionSettings =
  | { type: 'rrf'; k?: number }
  | { type: 'weighted'; normalization?: 'min-max' };

/** One retriever's ranked results with its weight. */
export interface FusionInput {
  candidates: readonly RetrievedCandidate[];
  weight: number;
}

/** A fused candidate: its fused score and each input's raw score (undefined where absent). */
export interface FusedCandidate {
  id: string;
  score: number;
}

/**
 * Reciprocal rank fusion: `sum(weight / (k + rank))` with 1-based ranks. Ties are broken by id, so
 * the result is deterministic.
 *
 * @example
 * ```ts
 * fuseReciprocalRank([{ candidates: bm25, weight: 1 }, { candidates: dense, weight: 1 }], 60);
 * ```
 */
export function fuseReciprocalRank(inputs: readonly FusionInput[], k = 60): FusedCandidate[] {
  const scores = new Map<string, number>();
  for (const { candidates, weight } of inputs) {
    candidates.forEach((candidate, index) => {
      scores.set(candidate.id, (scores.get(candidate.id) ?? 0) + weight / (k + index + 1));
    });
  }
  return sortFused(scores);
}

/**
 * Weighted sum of min-max normalized scores (each retriever's scores mapped to 0..1; a retriever
 * whose scores are all equal gives 1). A candidate a retriever did not return gets 0 from it.
 *
 * @example
 * ```ts
 * fuseWeighted([{ candidates: bm25, weight: 0.3 }, { candidates: dense, weight: 0.7 }]);
 * ```
 */
export function fuseWeighted(inputs: readonly FusionInput[]): FusedCandidate[] {
  const scores = new Map<string, number>();
  for (const { candidates, weight } of inputs) {
    if (candidates.length === 0) continue;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const candidate of candidates) {
      min = Math.min(min, candidate.score);
      max = Math.max(max, candidate.score);
    }
    const range = max - min;
    for (const candidate of candidates) {
      const normalized = range > 0 ? (candidate.score - min) / range : 1;
      scores.set(candidate.id, (scores.get(candidate.id) ?? 0) + weight * normalized);
    }
  }
  return sortFused(scores);
}

/** Fuses by the given settings. */
export function fuse(inputs: readonly FusionInput[], settings: FusionSettings): FusedCandidate[] {
  return settings.type === 'rrf' ? fuseReciprocalRank(inputs, settings.k) : fuseWeighted(inputs);
}

function sortFused(scores: Map<string, number>): FusedCandidate[] {
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
