/** Running totals of a stage: calls, pairs, tokens, batches and busy time. */
export interface StageCounters {
  calls: number;
  pairs: number;
  pairsSkipped: number;
  tokens: number;
  batches: number;
  /** Sum of the stage's wall time over all calls, in milliseconds. */
  wallMs: number;
}

/** A zeroed {@link StageCounters}. */
export function createStageCounters(): StageCounters {
  return { calls: 0, pairs: 0, pairsSkipped: 0, tokens: 0, batches: 0, wallMs: 0 };
}

/** Adds `delta` into `counters` in place and returns it. */
export function addStageCounters(
  counters: StageCounters,
  delta: Partial<StageCounters>,
): StageCounters {
  counters.calls += delta.calls ?? 0;
  counters.pairs += delta.pairs ?? 0;
  counters.pairsSkipped += delta.pairsSkipped ?? 0;
  counters.tokens += delta.tokens ?? 0;
  counters.batches += delta.batches ?? 0;
  counters.wallMs += delta.wallMs ?? 0;
  return counters;
}

/** Items per second; 0 when no time passed. */
export function perSecond(count: number, milliseconds: number): number {
  return milliseconds > 0 ? (count * 1000) / milliseconds : 0;
}
