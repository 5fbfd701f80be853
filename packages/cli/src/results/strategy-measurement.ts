import type { InferenceTimings } from '@sieve/core';

/** What one strategy measured (the median repeat's time and that repeat's resources). */
export interface StrategyMeasurement {
  /** Wall seconds of each repeat. */
  repeatSeconds: number[];
  /** Median of `repeatSeconds`. */
  seconds: number;
  pairs: number;
  /** Tokens of each pair after truncation (Sieve runs only; empty for peers). */
  tokenCounts: number[];
  cpuAveragePercent: number;
  cpuPeakPercent: number;
  coresBusy: number;
  peakRssBytes: number;
  /** Event-loop lag p99 / max in ms while scoring; null where there is no Node event loop. */
  loopLagP99Ms: number | null;
  loopLagMaxMs: number | null;
  /** Where the median pass's time went, per phase summed over batches (Sieve runs only). */
  timings?: InferenceTimings;
  /** Scores in workload order (query by query, candidate by candidate), from the last repeat. */
  scores: number[];
}
