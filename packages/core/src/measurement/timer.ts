import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds since an arbitrary origin (never goes back with the wall clock). */
export function monotonicNow(): number {
  return performance.now();
}

/**
 * Starts a monotonic stopwatch. The returned function gives the milliseconds elapsed since.
 *
 * @example
 * ```ts
 * const elapsed = startTimer();
 * await work();
 * console.log(`${elapsed().toFixed(1)} ms`);
 * ```
 */
export function startTimer(): () => number {
  const start = performance.now();
  return () => performance.now() - start;
}
