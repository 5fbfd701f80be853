/**
 * The `k`-th largest of the first `count` values (the score a candidate must beat to enter the
 * top-k), or `-Infinity` when fewer than `k` values exist.
 */
export function kthLargest(values: ArrayLike<number>, count: number, k: number): number {
  if (k <= 0 || count < k) return Number.NEGATIVE_INFINITY;
  const top = Array.from({ length: count }, (_, index) => values[index]!);
  top.sort((a, b) => b - a);
  return top[k - 1]!;
}

/** Indices of the `k` largest of the first `count` values; ties go to the lower index. */
export function topKIndices(values: ArrayLike<number>, count: number, k: number): number[] {
  const indices = Array.from({ length: count }, (_, index) => index);
  indices.sort((a, b) => values[b]! - values[a]! || a - b);
  return indices.slice(0, k);
}
