import {
  assertQuery,
  InvalidArgumentError,
  type ScorerV1,
  type ScorerV1CallOptions,
} from '@sieve/core';
import type { StageScores } from './cascade-result.js';
import type { Cascade } from './create-cascade.js';
import { isCascade } from './ranker-schemas.js';

/** What ranks texts: one scorer (a cross-encoder, a remote scorer) or a whole cascade. */
export type TextRanker = ScorerV1 | Cascade;

/** Options of {@link rankTexts}. */
export interface RankTextsOptions {
  /** The query. Never empty. */
  query: string;
  /** The texts to rank, in the caller's order; each a string (an empty string is allowed). */
  texts: readonly string[];
  /**
   * Keep the best `topK`. @default every text for a scorer; the cascade's own `topK` for a
   * cascade (its stages may pass on fewer)
   */
  topK?: number;
  abortSignal?: AbortSignal;
}

/** One ranked text. */
export interface RankedText {
  /** Its position in `texts`. */
  index: number;
  /** The score that ranked it (the last stage's, for a cascade). */
  score: number;
  /** Every score it received, by stage id. */
  scores: StageScores;
}

const component = 'cascade';

/**
 * Ranks texts against a query, best first, with a scorer or a cascade: the one ranking the
 * framework adapters (LangChain, LlamaIndex, the AI SDK) share, so that each puts out Sieve's own
 * order and scores. Ties keep input order. No texts rank as none (frameworks pass empty lists);
 * a text that is not a string is an `InvalidArgumentError` naming its index, never a silent
 * reorder. Caller data is not changed.
 *
 * @example
 * ```ts
 * const ranking = await rankTexts(reranker, { query: 'aspirin', texts: ['a', 'b'], topK: 1 });
 * // [{ index: 1, score: 3.2, scores: { rerank: 3.2 } }]
 * ```
 */
export async function rankTexts(
  ranker: TextRanker,
  options: RankTextsOptions,
): Promise<RankedText[]> {
  const { query, texts, topK, abortSignal } = options;
  assertQuery(query, component);
  if (!Array.isArray(texts)) {
    throw new InvalidArgumentError({
      component,
      argument: 'texts',
      message: `texts must be an array of strings, got ${typeof texts}`,
    });
  }
  texts.forEach((text, index) => {
    if (typeof text !== 'string') {
      throw new InvalidArgumentError({
        component,
        argument: `texts[${index}]`,
        message: `texts[${index}] must be a string (the document's text), got ${text === null ? 'null' : typeof text}`,
      });
    }
  });
  if (topK !== undefined && !(Number.isInteger(topK) && topK > 0)) {
    throw new InvalidArgumentError({
      component,
      argument: 'topK',
      message: `topK must be a positive integer, got ${topK}`,
    });
  }
  if (texts.length === 0) return [];
  if (isCascade(ranker)) {
    const { candidates } = await ranker.search({
      query,
      candidates: texts.map((text, index) => ({ id: String(index), text })),
      ...(topK === undefined ? {} : { topK }),
      ...(abortSignal ? { abortSignal } : {}),
    });
    return candidates.map((candidate) => ({
      index: Number(candidate.id),
      score: candidate.score,
      scores: candidate.scores,
    }));
  }
  const call: ScorerV1CallOptions = {
    query,
    documents: texts.map((text, index) => ({ id: String(index), text })),
    ...(abortSignal ? { abortSignal } : {}),
  };
  const { scores } = await ranker.doScore(call);
  const ranking = scores.map((score, index) => ({
    index,
    score,
    scores: { [ranker.stageId]: score },
  }));
  ranking.sort((a, b) => b.score - a.score || a.index - b.index);
  return topK === undefined ? ranking : ranking.slice(0, topK);
}
