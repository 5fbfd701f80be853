/** Limits of one batch. */
export interface BatchLimits {
  /** Most pairs in a batch. */
  maxBatchSize: number;
  /** Most padded tokens in a batch (pairs x longest pair). */
  maxBatchTokens: number;
  /** Group pairs of similar length (less padding); otherwise keep input order. */
  sortByLength: boolean;
}

/**
 * Splits pairs into batches. With `sortByLength`, pairs are sorted by descending length and cut
 * greedily, so each batch pads to nearly its own length (the longest first: memory peaks early).
 * Returns indices into `lengths`; the caller restores input order.
 *
 * @example
 * ```ts
 * planBatches([5, 200, 7, 190], { maxBatchSize: 2, maxBatchTokens: 10_000, sortByLength: true });
 * // [[1, 3], [2, 0]]
 * ```
 */
export function planBatches(lengths: ArrayLike<number>, limits: BatchLimits): number[][] {
  const order = Array.from({ length: lengths.length }, (_, index) => index);
  if (limits.sortByLength) order.sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let width = 0;
  for (const index of order) {
    const nextWidth = Math.max(width, lengths[index]!);
    const fits =
      current.length < limits.maxBatchSize &&
      nextWidth * (current.length + 1) <= limits.maxBatchTokens;
    if (!fits && current.length > 0) {
      batches.push(current);
      current = [];
      width = 0;
    }
    current.push(index);
    width = Math.max(width, lengths[index]!);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
