import {
  addInferenceTimings,
  createInferenceTimings,
  type InferenceTimings,
  raceAbort,
  StageError,
  startTimer,
} from '@sieve/core';
import type { CallControl } from './call-control.js';
import type { EventHub } from './cascade-events.js';
import type { ScoringReport } from './cascade-result.js';
import type { ResolvedScoringStage } from './cascade-settings.js';
import type { StatsAccumulator } from './cascade-stats.js';
import { perSecond } from './stage-counters.js';
import type { WorkingCandidate } from './working-candidate.js';

/** What one scoring stage run produced. */
export interface ScoringStageOutcome {
  /** Ranking passed to the next stage: scored candidates by score, then unscored in input order. */
  output: WorkingCandidate[];
  report: ScoringReport;
}

/**
 * Runs one progressive scoring stage: scores `input` in its order, in waves of `concurrency`
 * batches, asking the pruning policy between waves whether to stop. On the deadline it keeps what
 * was scored (a stage reached after the deadline scores nothing and passes its input on); on the
 * caller's abort or a scorer failure it throws.
 */
export async function runScoringStage(options: {
  stage: ResolvedScoringStage;
  input: readonly WorkingCandidate[];
  query: string;
  control: CallControl;
  events: EventHub;
  stats: StatsAccumulator;
}): Promise<ScoringStageOutcome> {
  const { stage, input, query, control, events, stats } = options;
  const { scorer } = stage;
  const stageId = scorer.stageId;
  const count = input.length;
  if (control.deadlineHit) {
    return { output: [...input], report: skippedReport(stageId, scorer.modelId, count) };
  }
  events.emit({ type: 'stage-start', query, stageId, kind: 'score', inputCount: count });
  const elapsed = startTimer();

  const plan = stage.prune?.plan({
    topK: stage.topK,
    previousScores: input.map((candidate) => candidate.lastScore),
  });
  const maxDepth = Math.min(count, Math.max(0, Math.floor(plan?.maxDepth ?? count)));
  const batchSize = stage.batchSize ?? (stage.prune ? 32 : Math.max(1, count));
  const scores = new Float64Array(count);
  let scoredCount = 0;
  let batches = 0;
  let tokens = 0;
  let tokensKnown = false;
  let inference: InferenceTimings | undefined;
  let stopReason: ScoringReport['stopReason'] = 'complete';

  while (scoredCount < maxDepth) {
    if (batches > 0 && plan?.shouldStop?.({ scoredCount, scores, batchIndex: batches })) {
      stopReason = 'pruned';
      break;
    }
    const wave: Array<[number, number]> = [];
    for (let start = scoredCount; wave.length < stage.concurrency && start < maxDepth; ) {
      const end = Math.min(start + batchSize, maxDepth);
      wave.push([start, end]);
      start = end;
    }
    const waveTimer = startTimer();
    let results: BatchResult[];
    try {
      results = await raceAbort(
        Promise.all(
          wave.map(([start, end]) => scoreBatch(stage, query, input.slice(start, end), control)),
        ),
        control.signal,
      );
    } catch (error) {
      if (control.deadlineHit) {
        stopReason = 'deadline';
        break;
      }
      throw error;
    }
    const waveMs = waveTimer();
    for (const [index, [start, end]] of wave.entries()) {
      const result = results[index]!;
      for (let position = start; position < end; position++) {
        scores[position] = result.scores[position - start]!;
      }
      if (result.tokenCounts) {
        tokensKnown = true;
        for (const tokenCount of result.tokenCounts) tokens += tokenCount;
      }
      if (result.timings) {
        inference = addInferenceTimings(inference ?? createInferenceTimings(), result.timings);
      }
      scoredCount = end;
      stats.recordBatch(stageId, waveMs);
      events.emit({
        type: 'batch-end',
        query,
        stageId,
        batchIndex: batches,
        batchSize: end - start,
        scoredCount,
        wallMs: waveMs,
      });
      batches += 1;
    }
  }
  if (stopReason === 'complete' && scoredCount < count) stopReason = 'pruned';

  // Scored candidates by this stage's score (ties keep input order), then the rest in input order.
  const order = Array.from({ length: scoredCount }, (_, index) => index).sort(
    (a, b) => scores[b]! - scores[a]! || a - b,
  );
  const output: WorkingCandidate[] = [];
  for (const index of order) {
    if (output.length === stage.topK) break;
    const candidate = input[index]!;
    candidate.scores[stageId] = scores[index]!;
    candidate.lastScore = scores[index]!;
    candidate.lastStageId = stageId;
    output.push(candidate);
  }
  for (let index = scoredCount; index < count && output.length < stage.topK; index++) {
    output.push(input[index]!);
  }

  const wallMs = elapsed();
  const report: ScoringReport = {
    stageId,
    kind: 'score',
    modelId: scorer.modelId,
    inputCount: count,
    outputCount: output.length,
    pairsScored: scoredCount,
    pairsSkipped: count - scoredCount,
    batches,
    wallMs,
    pairsPerSecond: perSecond(scoredCount, wallMs),
    stopReason,
    ...(tokensKnown ? { tokens, tokensPerSecond: perSecond(tokens, wallMs) } : {}),
    ...(inference ? { inference } : {}),
    ...(stopReason === 'pruned' && stage.prune ? { prunedBy: stage.prune.name } : {}),
  };
  return { output, report };
}

/** What one checked `doScore` call gave. */
interface BatchResult {
  scores: readonly number[];
  tokenCounts?: readonly number[];
  timings?: InferenceTimings;
}

/** Calls the scorer on one batch and checks what it returned. */
async function scoreBatch(
  stage: ResolvedScoringStage,
  query: string,
  batch: readonly WorkingCandidate[],
  control: CallControl,
): Promise<BatchResult> {
  const { scorer } = stage;
  const documents = batch.map((candidate) => {
    const text = candidate.document ? stage.documentText(candidate.document) : '';
    if (typeof text !== 'string') {
      throw new StageError({
        component: 'cascade',
        stageId: scorer.stageId,
        message: `documentText of stage '${scorer.stageId}' returned ${typeof text} for document '${candidate.id}'; it must return a string`,
      });
    }
    return { id: candidate.id, text };
  });
  let result: Awaited<ReturnType<typeof scorer.doScore>>;
  try {
    result = await scorer.doScore({ query, documents, abortSignal: control.signal });
  } catch (error) {
    if (control.signal.aborted) throw control.signal.reason;
    throw new StageError({
      component: 'cascade',
      stageId: scorer.stageId,
      message: `scorer '${scorer.stageId}' (${scorer.modelId}) failed: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  const scores = result?.scores;
  if (!Array.isArray(scores) || scores.length !== batch.length) {
    throw new StageError({
      component: 'cascade',
      stageId: scorer.stageId,
      message: `scorer '${scorer.stageId}' returned ${Array.isArray(scores) ? scores.length : 'no'} scores for ${batch.length} documents; doScore must return one score per document`,
    });
  }
  const badIndex = scores.findIndex((score) => typeof score !== 'number' || Number.isNaN(score));
  if (badIndex !== -1) {
    throw new StageError({
      component: 'cascade',
      stageId: scorer.stageId,
      message: `scorer '${scorer.stageId}' returned ${String(scores[badIndex])} for document '${batch[badIndex]!.id}'; scores must be numbers`,
    });
  }
  const tokenCounts =
    Array.isArray(result.tokenCounts) && result.tokenCounts.length === batch.length
      ? result.tokenCounts
      : undefined;
  return {
    scores,
    ...(tokenCounts ? { tokenCounts } : {}),
    ...(result.timings ? { timings: result.timings } : {}),
  };
}

function skippedReport(stageId: string, modelId: string, inputCount: number): ScoringReport {
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
