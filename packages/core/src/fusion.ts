import { z } from 'zod';
import type { RetrievedCandidate } from './spec/retriever-v1.js';

/** How the results of several retrievers are merged into one ranking. */
export type FusionSettings =
  | { type: 'rrf'; k?: number }
  | { type: 'weighted'; normalization?: 'min-max' };

/**
 * Schema of a fusion setting as users write it, `'rrf'`, `'weighted'` or an object, normalised to
 * {@link FusionSettings}; reciprocal rank fusion with k = 60 when left out.
 */
export const fusionSettingsSchema = z
  .union([
    z.literal('rrf').transform(() => ({ type: 'rrf' as const, k: 60 })),
    z.literal('weighted').transform(() => ({ type: 'weighted' as const })),
    z.object({ type: z.literal('rrf'), k: z.number().positive().default(60) }),
    z.object({ type: z.literal('weighted'), normalization: z.literal('min-max').optional() }),
  ])
  .default({ type: 'rrf', k: 60 });

/** One retriever's ranked results with its weight. */
export interface FusionInput {
  candidates: readonly RetrievedCandidate[];
  weight: number;
}

/** A fused candidate: its id and fused score. */
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

/** A source's own score and 0-based rank for one fused candidate. */
export interface SourceScore {
  score: number;
  rank: number;
}

/** One candidate of a fused retrieval ranking. */
export interface FusedRetrievalCandidate {
  id: string;
  /** The fused score; the source's own score when one source answered. */
  score: number;
  /** Each source that returned this id: its score and 0-based rank, by retriever stage id. */
  sources: Readonly<Record<string, SourceScore>>;
}

/**
 * Fuses what several sources returned into one ranking, keeping each source's score and rank per
 * candidate. Sources that returned nothing (`undefined`, as after a deadline) are left out. One
 * answering source needs no fusion: its own scores, which mean something to the user, are kept.
 *
 * @example
 * ```ts
 * fuseSources([{ stageId: 'bm25', candidates: bm25, weight: 1 }, { stageId: 'dense', candidates: dense, weight: 1 }], { type: 'rrf', k: 60 });
 * ```
 */
export function fuseSources(
  results: ReadonlyArray<{
    stageId: string;
    candidates: readonly RetrievedCandidate[] | undefined;
    weight: number;
  }>,
  settings: FusionSettings,
): FusedRetrievalCandidate[] {
  const answered = results.filter(
    (result): result is typeof result & { candidates: readonly RetrievedCandidate[] } =>
      result.candidates !== undefined,
  );
  const sources = new Map<string, Record<string, SourceScore>>();
  for (const { stageId, candidates } of answered) {
    candidates.forEach((candidate, rank) => {
      const entry = sources.get(candidate.id) ?? {};
      entry[stageId] = { score: candidate.score, rank };
      sources.set(candidate.id, entry);
    });
  }
  const fused = answered.length === 1 ? answered[0]!.candidates : fuse(answered, settings);
  return fused.map(({ id, score }) => ({ id, score, sources: sources.get(id) ?? {} }));
}
