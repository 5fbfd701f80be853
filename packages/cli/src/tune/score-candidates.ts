import {
  documentContents,
  type RetrievedCandidate,
  type RetrieverV1,
  type ScorerV1,
  type SieveDocument,
} from '@sieve/core';
import type { Progress } from '../support/progress.js';

/** One sample query and the candidates retrieved for it at the deepest depth tuned. */
export interface SampleQuery {
  id: string;
  text: string;
  /** The retriever's ranking at the maximum depth, best first. */
  candidates: readonly RetrievedCandidate[];
}

/** Every score one model gave: query text -> document id -> score. */
export type ScoreCache = Map<string, Map<string, number>>;

/**
 * What a scorer's time on this machine is made of, fitted on calls of two sizes: a call of n
 * pairs takes about `msPerCall + n * msPerPair`. Small progressive batches pay `msPerCall` each,
 * so a pruned stage that scores fewer pairs in more calls may save less than its pairs suggest.
 */
export interface ScorerCost {
  msPerCall: number;
  msPerPair: number;
  /** Mean wall time of one query's whole candidate list in one call (the unpruned stage). */
  fullCallMs: number;
  /** Pairs scored in the timed calls, both sizes. */
  pairs: number;
}

/** One timed call: its pairs and its wall time. */
export interface TimedCall {
  pairs: number;
  ms: number;
}

/** The batch size of the small calls, as a pruned stage makes them (`batchSize` 8). */
export const smallBatch = 8;

/**
 * Fits `ms = msPerCall + pairs * msPerPair` on two groups of calls, whole candidate lists and
 * small batches: the line through their means. When the groups are too close in size to tell the
 * two apart, or noise gives a negative part, the call overhead is taken as 0 and every pair costs
 * the mean.
 *
 * @example
 * ```ts
 * fitScorerCost([{ pairs: 100, ms: 52 }], [{ pairs: 8, ms: 6 }]); // { msPerCall: 2, msPerPair: 0.5 }
 * ```
 */
export function fitScorerCost(
  full: readonly TimedCall[],
  small: readonly TimedCall[],
): Pick<ScorerCost, 'msPerCall' | 'msPerPair'> {
  const all = [...full, ...small];
  const pairs = all.reduce((sum, call) => sum + call.pairs, 0);
  const ms = all.reduce((sum, call) => sum + call.ms, 0);
  const flat = { msPerCall: 0, msPerPair: pairs > 0 ? ms / pairs : 0 };
  const mean = (calls: readonly TimedCall[], key: keyof TimedCall): number =>
    calls.reduce((sum, call) => sum + call[key], 0) / calls.length;
  if (full.length === 0 || small.length === 0) return flat;
  const [fullPairs, smallPairs] = [mean(full, 'pairs'), mean(small, 'pairs')];
  if (fullPairs - smallPairs < smallBatch) return flat;
  const msPerPair = (mean(full, 'ms') - mean(small, 'ms')) / (fullPairs - smallPairs);
  const msPerCall = mean(small, 'ms') - msPerPair * smallPairs;
  return msPerPair > 0 && msPerCall >= 0 ? { msPerCall, msPerPair } : flat;
}

/**
 * Retrieves each query's candidates once at `depth`, timing the retriever (after one untimed
 * call). Returns the queries with their candidates and the mean milliseconds per query.
 */
export async function retrieveSample(
  retriever: RetrieverV1,
  queries: ReadonlyArray<readonly [string, string]>,
  depth: number,
): Promise<{ sample: SampleQuery[]; retrievalMs: number }> {
  if (queries.length > 0) await retriever.doRetrieve({ query: queries[0]![1], topK: depth });
  const sample: SampleQuery[] = [];
  let total = 0;
  for (const [id, text] of queries) {
    const start = performance.now();
    const candidates = await retriever.doRetrieve({ query: text, topK: depth });
    total += performance.now() - start;
    sample.push({ id, text, candidates });
  }
  return { sample, retrievalMs: queries.length > 0 ? total / queries.length : 0 };
}

/**
 * Scores every candidate of every sample query once with `scorer` (each query's list in one call,
 * as an unpruned stage does), keeping the scores for replay and timing the calls; then times
 * small batches on the first ten queries, so that {@link fitScorerCost} can tell the cost of a
 * call from the cost of a pair. One untimed warm-up of each size comes first: sessions allocate
 * their memory on their first runs.
 */
export async function scoreCandidates(
  scorer: ScorerV1,
  sample: readonly SampleQuery[],
  documents: ReadonlyMap<string, SieveDocument>,
  progress?: Progress,
): Promise<{ scores: ScoreCache; cost: ScorerCost }> {
  const inputs = sample.map((query) => ({
    query: query.text,
    documents: query.candidates.map((candidate) => ({
      id: candidate.id,
      text: documentContents(documents.get(candidate.id) ?? { id: candidate.id, text: '' }),
    })),
  }));
  const scored = inputs.filter((input) => input.documents.length > 0);
  const scores: ScoreCache = new Map();
  if (scored.length === 0) {
    progress?.tick(sample.length);
    return { scores, cost: { msPerCall: 0, msPerPair: 0, fullCallMs: 0, pairs: 0 } };
  }
  const warm = scored[0]!;
  await scorer.doScore(warm);
  await scorer.doScore({ ...warm, documents: warm.documents.slice(0, smallBatch) });

  const full: TimedCall[] = [];
  for (const input of inputs) {
    if (input.documents.length > 0) {
      const start = performance.now();
      const result = await scorer.doScore(input);
      full.push({ pairs: input.documents.length, ms: performance.now() - start });
      const byId = scores.get(input.query) ?? new Map<string, number>();
      input.documents.forEach((document, index) => {
        byId.set(document.id, result.scores[index]!);
      });
      scores.set(input.query, byId);
    }
    progress?.tick();
  }
  const small: TimedCall[] = [];
  for (const input of scored.slice(0, 10)) {
    const head = input.documents.slice(0, 3 * smallBatch);
    for (let start = 0; start + smallBatch <= head.length; start += smallBatch) {
      const batch = head.slice(start, start + smallBatch);
      const began = performance.now();
      await scorer.doScore({ query: input.query, documents: batch });
      small.push({ pairs: batch.length, ms: performance.now() - began });
    }
  }
  const fullCallMs = full.reduce((sum, call) => sum + call.ms, 0) / full.length;
  const pairs = [...full, ...small].reduce((sum, call) => sum + call.pairs, 0);
  return { scores, cost: { ...fitScorerCost(full, small), fullCallMs, pairs } };
}
