import {
  assertDocuments,
  assertQuery,
  assertTopK,
  type CascadeResult,
  type CascadeWarning,
  DeadlineExceededError,
  fuse,
  type GetDocuments,
  InvalidArgumentError,
  parseSettings,
  perSecond,
  type RankedCandidate,
  type RetrievedCandidate,
  type SieveDocument,
  StageError,
  type StageReport,
  startTimer,
} from '@sieve/core';
import { type CallControl, createCallControl, raceAbort } from './call-control.js';
import {
  type CascadeEventListener,
  type CascadeEventType,
  createEventHub,
  type EventHub,
} from './cascade-events.js';
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

async function search(
  settings: ResolvedCascadeSettings,
  getDocuments: GetDocuments | undefined,
  events: EventHub,
  stats: StatsAccumulator,
  options: CascadeCallOptions,
): Promise<CascadeResult> {
  const elapsed = startTimer();
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
    if (options.candidates !== undefined) {
      ranking = fromInputCandidates(options.candidates);
    } else if (settings.retrievers.length === 0) {
      throw new InvalidArgumentError({
        component,
        argument: 'candidates',
        message:
          'this cascade has no retrievers: pass candidates to search(), or retrievers to createCascade()',
      });
    } else {
      ranking = await retrieve(
        settings,
        query,
        retrievalTopK,
        deadlineMs,
        control,
        events,
        finish,
        warnings,
      );
      const needTexts = settings.stages.length > 0;
      const toFetch = needTexts ? ranking : ranking.slice(0, topK);
      if (getDocuments && toFetch.length > 0) {
        ranking = await fetchDocuments(getDocuments, toFetch, control, warnings);
      }
    }

    for (const stage of settings.stages) {
      if (control.signal.aborted && !control.deadlineHit) throw control.signal.reason;
      const stageId = stage.scorer.stageId;
      if (control.deadlineHit) {
        finish(skippedReport(stageId, stage.scorer.modelId, ranking.length));
        continue;
      }
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
    return { query, candidates, reports, warnings, totalMs };
  } catch (error) {
    if (control.signal.aborted && !control.deadlineHit && options.abortSignal?.aborted) {
      throw options.abortSignal.reason;
    }
    throw error;
  } finally {
    control.dispose();
  }
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

/** Runs every retriever concurrently, reports each, and fuses what came back. */
async function retrieve(
  settings: ResolvedCascadeSettings,
  query: string,
  depth: number,
  deadlineMs: number | undefined,
  control: CallControl,
  events: EventHub,
  finish: (report: StageReport) => void,
  warnings: CascadeWarning[],
): Promise<WorkingCandidate[]> {
  const results: Array<{ candidates: readonly RetrievedCandidate[]; wallMs: number } | undefined> =
    settings.retrievers.map(() => undefined);
  const runs = settings.retrievers.map(async ({ retriever }, index) => {
    events.emit({
      type: 'stage-start',
      query,
      stageId: retriever.stageId,
      kind: 'retrieval',
      inputCount: depth,
    });
    const elapsed = startTimer();
    let candidates: readonly RetrievedCandidate[];
    try {
      candidates = await retriever.doRetrieve({ query, topK: depth, abortSignal: control.signal });
    } catch (error) {
      if (control.signal.aborted) throw control.signal.reason;
      throw new StageError({
        component,
        stageId: retriever.stageId,
        message: `retriever '${retriever.stageId}' failed: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
    results[index] = {
      candidates: checkRetrieved(retriever.stageId, candidates),
      wallMs: elapsed(),
    };
  });
  try {
    await raceAbort(Promise.all(runs), control.signal);
  } catch (error) {
    if (!control.deadlineHit) throw error;
  }
  const inputs: Array<{ candidates: readonly RetrievedCandidate[]; weight: number }> = [];
  settings.retrievers.forEach(({ retriever, weight }, index) => {
    const result = results[index];
    const report: StageReport = {
      stageId: retriever.stageId,
      kind: 'retrieval',
      inputCount: depth,
      outputCount: result?.candidates.length ?? 0,
      pairsScored: 0,
      pairsSkipped: 0,
      batches: 0,
      wallMs: result?.wallMs ?? 0,
      pairsPerSecond: 0,
      stopReason: result ? 'complete' : 'deadline',
    };
    // A retriever cut by the deadline is reported; the others' results are fused.
    if (result) inputs.push({ candidates: result.candidates, weight });
    finish(report);
  });
  if (inputs.length === 0) {
    // Nothing came back in time: there is no ranking to return.
    throw new DeadlineExceededError({
      component,
      deadlineMs: deadlineMs ?? 0,
      stageId: settings.retrievers[0]!.retriever.stageId,
    });
  }
  if (inputs.length < settings.retrievers.length) {
    warnings.push({
      type: 'retriever-skipped',
      stageId: 'retrieval',
      message: `${settings.retrievers.length - inputs.length} retriever(s) did not answer before the deadline; fused the others`,
    });
  }
  const rawScores = new Map<string, Record<string, number>>();
  settings.retrievers.forEach(({ retriever }, index) => {
    for (const candidate of results[index]?.candidates ?? []) {
      const scores = rawScores.get(candidate.id) ?? {};
      scores[retriever.stageId] = candidate.score;
      rawScores.set(candidate.id, scores);
    }
  });
  // One list needs no fusion: keep the retriever's own scores, which mean something to the user.
  const fused = inputs.length === 1 ? [...inputs[0]!.candidates] : fuse(inputs, settings.fusion);
  return fused.slice(0, depth).map(({ id, score }) => ({
    id,
    document: undefined,
    scores: { ...rawScores.get(id), retrieval: score },
    lastStageId: 'retrieval',
    lastScore: score,
  }));
}

function checkRetrieved(stageId: string, candidates: unknown): readonly RetrievedCandidate[] {
  const fail = (message: string): never => {
    throw new StageError({ component, stageId, message: `retriever '${stageId}' ${message}` });
  };
  if (!Array.isArray(candidates)) return fail('must return an array of { id, score }');
  const seen = new Set<string>();
  for (const [index, candidate] of candidates.entries()) {
    const { id, score } = (candidate ?? {}) as { id?: unknown; score?: unknown };
    if (typeof id !== 'string') fail(`returned a non-string id at position ${index}`);
    if (typeof score !== 'number' || Number.isNaN(score)) {
      fail(`returned a non-numeric score for '${String(id)}'`);
    }
    if (seen.has(id as string)) fail(`returned id '${String(id)}' twice`);
    seen.add(id as string);
  }
  return candidates as RetrievedCandidate[];
}

/** Attaches documents; drops (with a warning) ids the store does not know. */
async function fetchDocuments(
  getDocuments: GetDocuments,
  ranking: readonly WorkingCandidate[],
  control: CallControl,
  warnings: CascadeWarning[],
): Promise<WorkingCandidate[]> {
  const ids = ranking.map((candidate) => candidate.id);
  let documents: ReadonlyArray<SieveDocument | undefined>;
  try {
    documents = await raceAbort(Promise.resolve(getDocuments(ids)), control.signal);
  } catch (error) {
    if (control.signal.aborted) throw control.signal.reason;
    throw new StageError({
      component,
      stageId: 'documents',
      message: `getDocuments failed: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  if (!Array.isArray(documents) || documents.length !== ids.length) {
    throw new StageError({
      component,
      stageId: 'documents',
      message: `getDocuments must return one entry (or undefined) per id: asked ${ids.length}, got ${Array.isArray(documents) ? documents.length : 'no array'}`,
    });
  }
  const kept: WorkingCandidate[] = [];
  const missing: string[] = [];
  ranking.forEach((candidate, index) => {
    const document = documents[index];
    if (document == null) {
      missing.push(candidate.id);
      return;
    }
    if (typeof document.text !== 'string') {
      throw new InvalidArgumentError({
        component,
        argument: `documents['${candidate.id}'].text`,
        message: `getDocuments returned a non-string text for id '${candidate.id}'`,
      });
    }
    candidate.document = document;
    kept.push(candidate);
  });
  if (missing.length > 0) {
    warnings.push({
      type: 'missing-document',
      stageId: 'documents',
      message: `getDocuments knows no document for ${missing.length} id(s) (${missing.slice(0, 5).join(', ')}); dropped them`,
    });
  }
  return kept;
}

function skippedReport(stageId: string, modelId: string, inputCount: number): StageReport {
  return {
    stageId,
    kind: 'score',
    modelId,
    inputCount,
    outputCount: inputCount,
    pairsScored: 0,
    pairsSkipped: inputCount,
    batches: 0,
    wallMs: 0,
    pairsPerSecond: perSecond(0, 0),
    stopReason: 'deadline',
  };
}
