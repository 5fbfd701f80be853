/** Graded relevance judgments of one query: document id -> gain (0 = not relevant). */
export type Judgments = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

const gainOf = (judgments: Judgments, id: string): number =>
  (judgments instanceof Map ? judgments.get(id) : (judgments as Record<string, number>)[id]) ?? 0;

const gains = (judgments: Judgments): number[] =>
  (judgments instanceof Map ? [...judgments.values()] : Object.values(judgments)).filter(
    (gain) => gain > 0,
  );

/**
 * nDCG@k with linear gains (as BEIR / pytrec_eval compute it): DCG of the ranking over the ideal
 * DCG of the judgments. 0 when the query has no relevant document.
 *
 * @example
 * ```ts
 * ndcgAtK(['a', 'b'], { a: 1 }, 10); // 1
 * ```
 */
export function ndcgAtK(rankedIds: readonly string[], judgments: Judgments, k: number): number {
  let dcg = 0;
  rankedIds.slice(0, k).forEach((id, index) => {
    dcg += gainOf(judgments, id) / Math.log2(index + 2);
  });
  const ideal = gains(judgments)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, gain, index) => sum + gain / Math.log2(index + 2), 0);
  return ideal > 0 ? dcg / ideal : 0;
}

/** Share of the relevant documents found in the first k. 0 when none is relevant. */
export function recallAtK(rankedIds: readonly string[], judgments: Judgments, k: number): number {
  const relevant = gains(judgments).length;
  if (relevant === 0) return 0;
  return rankedIds.slice(0, k).filter((id) => gainOf(judgments, id) > 0).length / relevant;
}

/** Reciprocal rank of the first relevant document within the first k, else 0. */
export function mrrAtK(rankedIds: readonly string[], judgments: Judgments, k: number): number {
  const index = rankedIds.slice(0, k).findIndex((id) => gainOf(judgments, id) > 0);
  return index === -1 ? 0 : 1 / (index + 1);
}
