import { StageError } from '../errors/stage-error.js';
import { startTimer } from '../measurement/timer.js';
import { raceAbort } from '../race-abort.js';
import type { RetrievedCandidate } from '../spec/retriever-v1.js';
import type { RetrievalSource } from './retrieval-source.js';

/** What one source returned, or `undefined` candidates when it had not answered at an abort. */
export interface SourceRetrieval {
  source: RetrievalSource;
  /** Its candidates, best first; undefined when it did not answer before the abort. */
  candidates: readonly RetrievedCandidate[] | undefined;
  /** Its wall time, in milliseconds (0 when it did not answer). */
  wallMs: number;
}

/** Options of {@link retrieveFromSources}. */
export interface RetrieveFromSourcesOptions {
  sources: readonly RetrievalSource[];
  query: string;
  /** Depth asked of each source. */
  topK: number;
  /** Passed to every retriever; on abort the call rejects with its reason, unless `keepAnswered`. */
  abortSignal?: AbortSignal;
  /**
   * Asked when the signal aborts: `true` returns what answered so far (a deadline), `false`
   * rejects with the signal's reason (a caller's abort).
   */
  keepAnswered?: () => boolean;
  /** Called as each source starts. */
  onStart?: (source: RetrievalSource) => void;
  /** Component named in errors. */
  component: string;
}

/**
 * The fan-out of a retrieval stage: runs every source concurrently with the same query and depth,
 * checks what each returns (an array of `{ id, score }`, numeric scores, no duplicate id), and
 * returns one entry per source in source order. A retriever's failure becomes a `StageError`
 * naming it. The cascade's retrieval stage and the hybrid retriever both run retrieval through it.
 */
export async function retrieveFromSources(
  options: RetrieveFromSourcesOptions,
): Promise<SourceRetrieval[]> {
  const { sources, query, topK, abortSignal, component } = options;
  const results: SourceRetrieval[] = sources.map((source) => ({
    source,
    candidates: undefined,
    wallMs: 0,
  }));
  const runs = sources.map(async (source, index) => {
    const { retriever } = source;
    options.onStart?.(source);
    const elapsed = startTimer();
    let candidates: readonly RetrievedCandidate[];
    try {
      candidates = await retriever.doRetrieve({
        query,
        topK,
        ...(abortSignal ? { abortSignal } : {}),
      });
    } catch (error) {
      if (abortSignal?.aborted) throw abortSignal.reason;
      throw new StageError({
        component,
        stageId: retriever.stageId,
        message: `retriever '${retriever.stageId}' failed: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
    results[index] = {
      source,
      candidates: checkRetrieved(component, retriever.stageId, candidates),
      wallMs: elapsed(),
    };
  });
  const all = Promise.all(runs);
  try {
    await (abortSignal ? raceAbort(all, abortSignal) : all);
  } catch (error) {
    if (!(abortSignal?.aborted && options.keepAnswered?.())) throw error;
  }
  return results;
}

function checkRetrieved(
  component: string,
  stageId: string,
  candidates: unknown,
): readonly RetrievedCandidate[] {
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
