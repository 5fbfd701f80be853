import {
  assertDocuments,
  assertQuery,
  assertTopK,
  DeadlineExceededError,
  type GetDocuments,
  InvalidArgumentError,
  parseSettings,
  type SieveDocument,
  startTimer,
} from '@sieve/core';
import { createCallControl } from './call-control.js';
import {
  type CascadeEventListener,
  type CascadeEventType,
  createEventHub,
  type EventHub,
} from './cascade-events.js';
import type {
  CascadeResult,
  CascadeWarning,
  RankedCandidate,
  StageReport,
} from './cascade-result.js';
import {
  type CascadeSettings,
  cascadeSettingsSchema,
  type ResolvedCascadeSettings,
} from './cascade-settings.js';
import {
  type CascadeStats,
  createStatsAccumulator,
  type StatsAccumulator,
} from './cascade-stats.js';
import { runRetrievalStage } from './run-retrieval-stage.js';
import { runScoringStage } from './run-scoring-stage.js';
import type { WorkingCandidate } from './working-candidate.js';

/** A candidate passed directly to a call, bypassing retrieval. */
export interface CascadeInputCandidate extends SieveDocument {
  /** Its score so far (orders it for the first stage); defaults to input order. */
  score?: number;
}

/** Options of one {@link Cascade.search} call. */
export interface CascadeCallOptions {
  /** The query text. */
  query: string;
  /** Length of the final ranking. @default the cascade's topK */
  topK?: number;
  /** Depth asked of each retriever. @default the cascade's retrievalTopK */
  retrievalTopK?: number;
  /**
   * Candidates to rank instead of retrieving (the rerank-only shape). Ordered best first; `score`
   * is optional.
   */
  candidates?: readonly CascadeInputCandidate[];
  /** Latency budget of this call, in milliseconds. @default the cascade's deadlineMs */
  deadlineMs?: number;
  /** What to do when the deadline passes. @default the cascade's onDeadline */
  onDeadline?: 'return' | 'throw';
  /** Cancels the call; it rejects with the signal's reason. */
  abortSignal?: AbortSignal;
}

/** A composed search pipeline. Create one with {@link createCascade}. */
export interface Cascade {
  /** Runs retrieval and every scoring stage for one query. Safe to call concurrently. */
  search(options: CascadeCallOptions): Promise<CascadeResult>;
  /** Per-stage throughput and latency percentiles accumulated over calls. */
  stats(): CascadeStats;
  /** Forgets accumulated stats. */
  resetStats(): void;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<Type extends CascadeEventType>(type: Type, listener: CascadeEventListener<Type>): () => void;
  /** Disposes every scoring stage's scorer that has `dispose()`. */
  dispose(): Promise<void>;
}

const component = 'cascade';

/**
 * Composes retrievers and scoring stages into one pipeline: retrieval (fused) -> stage 1 ->
 * stage 2 ... -> top-k, with early-stopping pruning, a latency budget, and a report per stage.
 * Settings are validated once here; bad settings throw `InvalidConfigError` with every issue.
 *
 * @example
 * ```ts
 * const cascade = createCascade({
 *   retrievers: [bm25],
 *   getDocuments: (ids) => store.getDocuments(ids),
 *   stages: [
 *     { scorer: prefilter, topK: 30 },
 *     { scorer: reranker, topK: 10, batchSize: 8, prune: patience(2) },
 *   ],
 *   topK: 5,
 * });
 * const { candidates, reports } = await cascade.search({ query: 'does aspirin help?' });
 * ```
 */
export function createCascade(settings: CascadeSettings): Cascade {
  const resolved = parseSettings(cascadeSettingsSchema, settings, { component });
  const getDocuments: GetDocuments | undefined =
    resolved.getDocuments ??
    (resolved.documentStore ? (ids) => resolved.documentStore!.getDocuments(ids) : undefined);
  const events = createEventHub();
  const stats = createStatsAccumulator();

  return {
    search: (options) => search(resolved, getDocuments, events, stats, options),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    on: (type, listener) => events.on(type, listener),
    async dispose() {
      await Promise.all(resolved.stages.map((stage) => stage.scorer.dispose?.()));
    },
  };
}

/** Per-call settings after validation, falling back to the cascade's. */
interface CallSettings {
  query: string;
  topK: number;
  retrievalTopK: number;
  deadlineMs: number | undefined;
  onDeadline: 'return' | 'throw';
}

/** One call: validate -> call control -> retrieval stage -> scoring stages -> result. */
async function search(
  settings: ResolvedCascadeSettings,
  getDocuments: GetDocuments | undefined,
  events: EventHub,
  stats: StatsAccumulator,
  options: CascadeCallOptions,
): Promise<CascadeResult> {
  const elapsed = startTimer();
  const call = validateCall(settings, options);
  const { query, topK, deadlineMs, onDeadline } = call;
  options.abortSignal?.throwIfAborted();

  const control = createCallControl(options.abortSignal, deadlineMs);
  const warnings: CascadeWarning[] = [];
  const reports: StageReport[] = [];
  const finish = (report: StageReport): void => {
    const { stageId } = report;
    reports.push(report);
    stats.recordReport(report);
    events.emit({ type: 'stage-end', query, report });
    if (report.stopReason === 'deadline') {
      if (onDeadline === 'throw') {
        throw new DeadlineExceededError({ component, deadlineMs: deadlineMs ?? 0, stageId });
      }
      warnings.push({
        type: 'deadline',
        stageId,
        message:
          report.kind === 'retrieval'
            ? `deadline of ${deadlineMs} ms passed before retriever '${stageId}' answered`
            : `deadline of ${deadlineMs} ms passed during '${stageId}': ${report.pairsSkipped} of ${report.inputCount} candidates keep the previous stage's order`,
      });
    }
  };

  try {
    let ranking: WorkingCandidate[];
    let retrieval: CascadeResult['retrieval'];
    if (options.candidates !== undefined) {
      ranking = fromInputCandidates(options.candidates);
    } else {
      const outcome = await runRetrievalStage({
        sources: settings.retrievers,
        fusion: settings.fusion,
        getDocuments,
        query,
        depth: call.retrievalTopK,
        // Scoring stages read every candidate's text; without them only the result's are needed.
        fetchCount: settings.stages.length > 0 ? call.retrievalTopK : topK,
        deadlineMs,
        onDeadline,
        retrievalFailures: settings.retrievalFailures,
        control,
        events,
        finish,
        warnings,
      });
      ranking = outcome.ranking;
      retrieval = outcome.retrieval;
    }

    for (const stage of settings.stages) {
      if (control.signal.aborted && !control.deadlineHit) throw control.signal.reason;
      const outcome = await runScoringStage({
        stage,
        input: ranking,
        query,
        control,
        events,
        stats,
      });
      ranking = outcome.output;
      finish(outcome.report);
    }

    const candidates: RankedCandidate[] = ranking.slice(0, topK).map((candidate, rank) => ({
      id: candidate.id,
      rank,
      score: candidate.lastScore,
      stageId: candidate.lastStageId,
      scores: candidate.scores,
      ...(candidate.document ? { document: candidate.document } : {}),
    }));
    const totalMs = elapsed();
    stats.recordCall(totalMs);
    return {
      query,
      candidates,
      ...(retrieval ? { retrieval } : {}),
      reports,
      warnings,
      totalMs,
    };
  } catch (error) {
    if (control.signal.aborted && !control.deadlineHit && options.abortSignal?.aborted) {
      throw options.abortSignal.reason;
    }
    throw error;
  } finally {
    control.dispose();
  }
}

/** Checks one call's options against the cascade; throws `InvalidArgumentError` on bad input. */
function validateCall(
  settings: ResolvedCascadeSettings,
  options: CascadeCallOptions,
): CallSettings {
  if (options == null || typeof options !== 'object') {
    throw new InvalidArgumentError({
      component,
      argument: 'options',
      message: 'search(options) needs an object: { query, topK?, ... }',
    });
  }
  const query = assertQuery(options.query, component);
  const topK = options.topK === undefined ? settings.topK : assertTopK(options.topK, component);
  const retrievalTopK =
    options.retrievalTopK === undefined
      ? settings.retrievalTopK
      : assertTopK(options.retrievalTopK, component, 'retrievalTopK');
  const deadlineMs = options.deadlineMs ?? settings.deadlineMs;
  if (deadlineMs !== undefined && !(typeof deadlineMs === 'number' && deadlineMs > 0)) {
    throw new InvalidArgumentError({
      component,
      argument: 'deadlineMs',
      message: `deadlineMs must be a positive number of milliseconds, got ${String(deadlineMs)}`,
    });
  }
  const onDeadline = options.onDeadline ?? settings.onDeadline;
  if (onDeadline !== 'return' && onDeadline !== 'throw') {
    throw new InvalidArgumentError({
      component,
      argument: 'onDeadline',
      message: `onDeadline must be 'return' or 'throw', got ${String(onDeadline)}`,
    });
  }
  if (options.candidates === undefined && settings.retrievers.length === 0) {
    throw new InvalidArgumentError({
      component,
      argument: 'candidates',
      message:
        'this cascade has no retrievers: pass candidates to search(), or retrievers to createCascade()',
    });
  }
  return { query, topK, retrievalTopK, deadlineMs, onDeadline };
}

function fromInputCandidates(input: readonly CascadeInputCandidate[]): WorkingCandidate[] {
  const candidates = assertDocuments<CascadeInputCandidate>(input, component, {
    argument: 'candidates',
    allowEmpty: true,
  });
  return candidates.map((candidate, index) => {
    const score =
      typeof candidate.score === 'number' && Number.isFinite(candidate.score)
        ? candidate.score
        : candidates.length - index;
    return {
      id: candidate.id,
      document: candidate,
      scores: { retrieval: score },
      lastStageId: 'retrieval',
      lastScore: score,
    };
  });
}
