import {
  DeadlineExceededError,
  type FusedRetrievalCandidate,
  type FusionSettings,
  fuseSources,
  type GetDocuments,
  InvalidArgumentError,
  type RetrievalSource,
  raceAbort,
  retrieveFromSources,
  type SieveDocument,
  StageError,
} from '@sieve/core';
import type { CallControl } from './call-control.js';
import type { EventHub } from './cascade-events.js';
import type { CascadeWarning, RetrievalReport } from './cascade-result.js';
import type { WorkingCandidate } from './working-candidate.js';

const component = 'cascade';

/** What the retrieval stage passes on. */
export interface RetrievalStageOutcome {
  /** Candidates for the first scoring stage, with their documents where fetched. */
  ranking: WorkingCandidate[];
  /** The fused ranking with each retriever's score and rank (the result's `retrieval`). */
  retrieval: FusedRetrievalCandidate[];
}

/**
 * The retrieval stage: fans the query out to every retriever (`retrieveFromSources`), reports
 * each, fuses what answered keeping each source's score and rank (`fuseSources`), and fetches the
 * documents of the first `fetchCount` candidates. On the deadline it fuses the retrievers that
 * answered; when none did there is no ranking, and it throws `DeadlineExceededError`.
 */
export async function runRetrievalStage(options: {
  sources: readonly RetrievalSource[];
  fusion: FusionSettings;
  getDocuments: GetDocuments | undefined;
  query: string;
  /** Depth asked of each retriever, and kept after fusion. */
  depth: number;
  /** How many of the fused candidates need their documents. */
  fetchCount: number;
  deadlineMs: number | undefined;
  /** On a deadline passed while fetching documents: keep the ranking (without them) or throw. */
  onDeadline: 'return' | 'throw';
  /** `skip`: a retriever that throws is left out of fusion, with a warning. */
  retrievalFailures: 'throw' | 'skip';
  control: CallControl;
  events: EventHub;
  finish: (report: RetrievalReport) => void;
  warnings: CascadeWarning[];
}): Promise<RetrievalStageOutcome> {
  const { query, depth, control, events, warnings } = options;
  const failures = new Map<string, unknown>();
  const sources =
    options.retrievalFailures === 'skip'
      ? options.sources.map((source) => skipOnFailure(source, failures))
      : options.sources;
  const answers = await retrieveFromSources({
    sources,
    query,
    topK: depth,
    abortSignal: control.signal,
    keepAnswered: () => control.deadlineHit,
    onStart: ({ retriever }) => {
      events.emit({
        type: 'stage-start',
        query,
        stageId: retriever.stageId,
        kind: 'retrieval',
        inputCount: depth,
      });
    },
    component,
  });
  for (const { source, candidates, wallMs } of answers) {
    // A retriever cut by the deadline is reported; the others' results are fused.
    options.finish({
      stageId: source.retriever.stageId,
      kind: 'retrieval',
      inputCount: depth,
      outputCount: candidates?.length ?? 0,
      wallMs,
      stopReason: candidates ? 'complete' : 'deadline',
    });
  }
  for (const [stageId, error] of failures) {
    warnings.push({
      type: 'retriever-skipped',
      stageId,
      message: `retriever '${stageId}' failed (${errorMessage(error)}); fused the others`,
    });
  }
  if (failures.size > 0 && failures.size === sources.length) {
    // Every retriever failed: there is nothing to fuse.
    const [stageId, error] = [...failures][0]!;
    throw new StageError({
      component,
      stageId,
      message: `retriever '${stageId}' failed: ${errorMessage(error)} (and every other retriever failed too)`,
      cause: error,
    });
  }
  const answered = answers.filter((answer) => answer.candidates !== undefined).length;
  if (answered === 0) {
    // Nothing came back in time: there is no ranking to return.
    throw new DeadlineExceededError({
      component,
      deadlineMs: options.deadlineMs ?? 0,
      stageId: sources[0]!.retriever.stageId,
    });
  }
  if (answered < sources.length) {
    warnings.push({
      type: 'retriever-skipped',
      stageId: 'retrieval',
      message: `${sources.length - answered} retriever(s) did not answer before the deadline; fused the others`,
    });
  }
  const retrieval = fuseSources(
    answers.map(({ source, candidates }) => ({
      stageId: source.retriever.stageId,
      candidates,
      weight: source.weight,
    })),
    options.fusion,
  ).slice(0, depth);
  const ranking: WorkingCandidate[] = retrieval.map(({ id, score, sources: bySource }) => {
    const scores: Record<string, number> = {};
    for (const [stageId, { score: sourceScore }] of Object.entries(bySource)) {
      scores[stageId] = sourceScore;
    }
    scores.retrieval = score;
    return { id, document: undefined, scores, lastStageId: 'retrieval', lastScore: score };
  });
  const toFetch = ranking.slice(0, options.fetchCount);
  if (!options.getDocuments || toFetch.length === 0) return { ranking, retrieval };
  try {
    return {
      ranking: await fetchDocuments(options.getDocuments, toFetch, control, warnings),
      retrieval,
    };
  } catch (error) {
    if (!control.deadlineHit) throw error;
    // The deadline passed before (or while) the documents came: the fused ranking is the best so
    // far. It goes on without documents (later stages, past the deadline, score nothing).
    if (options.onDeadline === 'throw') {
      throw new DeadlineExceededError({
        component,
        deadlineMs: options.deadlineMs ?? 0,
        stageId: 'documents',
      });
    }
    warnings.push({
      type: 'deadline',
      stageId: 'documents',
      message: `deadline of ${options.deadlineMs} ms passed before the documents were fetched; the candidates carry no document`,
    });
    return { ranking, retrieval };
  }
}

const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Wraps a source so that its retriever's failure (not an abort) is recorded in `failures` and
 * answers `[]`: fusion then ranks the other sources' candidates alone.
 */
function skipOnFailure(source: RetrievalSource, failures: Map<string, unknown>): RetrievalSource {
  const { retriever } = source;
  return {
    ...source,
    retriever: {
      specificationVersion: retriever.specificationVersion,
      stageId: retriever.stageId,
      async doRetrieve(callOptions) {
        try {
          return await retriever.doRetrieve(callOptions);
        } catch (error) {
          if (callOptions.abortSignal?.aborted) throw error;
          failures.set(retriever.stageId, error);
          return [];
        }
      },
    },
  };
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
