import { createLatencyHistogram, type LatencyHistogram, type LatencySummary } from '@sieve/core';
import type { StageReport } from './cascade-result.js';
import {
  addStageCounters,
  createStageCounters,
  perSecond,
  type StageCounters,
} from './stage-counters.js';

/** Throughput and latency of one stage, accumulated over calls. */
export interface StageStats {
  stageId: string;
  kind: 'retrieval' | 'score';
  modelId?: string;
  /** Calls in which the stage ran. */
  calls: number;
  pairsScored: number;
  pairsSkipped: number;
  batches: number;
  tokens: number;
  /** Sum of the stage's wall time, in milliseconds. */
  totalWallMs: number;
  /** Pairs scored per second of the stage's wall time. */
  pairsPerSecond: number;
  /** Tokens per second of the stage's wall time (0 when the scorer reports no tokens). */
  tokensPerSecond: number;
  /** Per-call wall time of the stage, in milliseconds. */
  latencyMs: LatencySummary;
  /** Per-batch wall time, in milliseconds (scoring stages). */
  batchLatencyMs: LatencySummary;
}

/** What `cascade.stats()` returns. */
export interface CascadeStats {
  /** Completed calls. */
  calls: number;
  /** Wall time per call, in milliseconds. */
  latencyMs: LatencySummary;
  /** One entry per stage that ran, in first-seen order. */
  stages: StageStats[];
}

interface StageAccumulator {
  kind: 'retrieval' | 'score';
  modelId: string | undefined;
  counters: StageCounters;
  latency: LatencyHistogram;
  batchLatency: LatencyHistogram;
}

/** Accumulates stage reports into {@link CascadeStats}. Updates are synchronous, so concurrent calls are safe. */
export function createStatsAccumulator() {
  const stages = new Map<string, StageAccumulator>();
  const callLatency = createLatencyHistogram();
  const stageOf = (stageId: string, kind: 'retrieval' | 'score', modelId?: string) => {
    let stage = stages.get(stageId);
    if (!stage) {
      stage = {
        kind,
        modelId,
        counters: createStageCounters(),
        latency: createLatencyHistogram(),
        batchLatency: createLatencyHistogram(),
      };
      stages.set(stageId, stage);
    }
    // Batches are recorded before the stage's report, which is the one that knows the model.
    stage.modelId ??= modelId;
    return stage;
  };
  return {
    recordBatch(stageId: string, wallMs: number) {
      stageOf(stageId, 'score').batchLatency.record(wallMs);
    },
    recordReport(report: StageReport) {
      const scoring = report.kind === 'score' ? report : undefined;
      const stage = stageOf(report.stageId, report.kind, scoring?.modelId);
      addStageCounters(stage.counters, {
        calls: 1,
        pairs: scoring?.pairsScored ?? 0,
        pairsSkipped: scoring?.pairsSkipped ?? 0,
        tokens: scoring?.tokens ?? 0,
        batches: scoring?.batches ?? 0,
        wallMs: report.wallMs,
      });
      stage.latency.record(report.wallMs);
    },
    recordCall(totalMs: number) {
      callLatency.record(totalMs);
    },
    snapshot(): CascadeStats {
      return {
        calls: callLatency.totals.count,
        latencyMs: callLatency.summary(),
        stages: [...stages].map(([stageId, stage]) => ({
          stageId,
          kind: stage.kind,
          ...(stage.modelId === undefined ? {} : { modelId: stage.modelId }),
          calls: stage.counters.calls,
          pairsScored: stage.counters.pairs,
          pairsSkipped: stage.counters.pairsSkipped,
          batches: stage.counters.batches,
          tokens: stage.counters.tokens,
          totalWallMs: stage.counters.wallMs,
          pairsPerSecond: perSecond(stage.counters.pairs, stage.counters.wallMs),
          tokensPerSecond: perSecond(stage.counters.tokens, stage.counters.wallMs),
          latencyMs: stage.latency.summary(),
          batchLatencyMs: stage.batchLatency.summary(),
        })),
      };
    },
    reset() {
      stages.clear();
      callLatency.reset();
    },
  };
}

/** The accumulator behind `cascade.stats()`. */
export type StatsAccumulator = ReturnType<typeof createStatsAccumulator>;
