/**
 * Rank-biased overlap (Webber, Moffat and Zobel, 2010) of two rankings at depth k, extrapolated
 * (RBO_ext): the agreement of their prefixes at every depth d <= k, weighted by p^(d-1), with the
 * agreement at depth k assumed to hold below it. 1 for identical lists, 0 for disjoint ones;
 * unlike top-k overlap it counts order, and a swap near the top costs more than one near k.
 * With p 0.9 the first 10 ranks carry about 86% of the weight. Lists shorter than k are compared
 * at the longer one's length; two empty lists agree (1).
 *
 * @example
 * ```ts
 * rankBiasedOverlap(['a', 'b', 'c'], ['a', 'b', 'c']); // 1
 * rankBiasedOverlap(['a', 'b', 'c'], ['b', 'a', 'c']); // 0.9 (the first rank disagrees)
 * ```
 */
export function rankBiasedOverlap(
  ranking: readonly string[],
  reference: readonly string[],
  options: { p?: number; k?: number } = {},
): number {
  const p = options.p ?? 0.9;
  const k = options.k ?? 10;
  const depth = Math.min(k, Math.max(ranking.length, reference.length));
  if (depth === 0) return 1;
  const seenRanking = new Set<string>();
  const seenReference = new Set<string>();
  let overlap = 0;
  let sum = 0;
  for (let d = 1; d <= depth; d++) {
    const mine = ranking[d - 1];
    const theirs = reference[d - 1];
    if (mine !== undefined && mine === theirs) overlap += 1;
    else {
      if (mine !== undefined && seenReference.has(mine)) overlap += 1;
      if (theirs !== undefined && seenRanking.has(theirs)) overlap += 1;
    }
    if (mine !== undefined) seenRanking.add(mine);
    if (theirs !== undefined) seenReference.add(theirs);
    sum += (overlap / d) * p ** d;
  }
  // Clamped: identical lists sum to 1 up to rounding, which may land a hair above it.
  return Math.min(1, (overlap / depth) * p ** depth + ((1 - p) / p) * sum);
}
