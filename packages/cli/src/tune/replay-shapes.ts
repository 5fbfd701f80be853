import { createCascadeFromConfig } from '@sieve/cascade';
import {
  InvalidArgumentError,
  type Judgments,
  ndcgAtK,
  type RetrieverV1,
  type ScorerV1,
  type SieveDocument,
} from '@sieve/core';
import type { CascadeShape } from '../evaluate/cascade-shape.js';
import { topAgreement } from '../evaluate/reference-agreement.js';
import type { Progress } from '../support/progress.js';
import { rankBiasedOverlap } from './rank-biased-overlap.js';
import type { SampleQuery, ScoreCache, ScorerCost } from './score-candidates.js';
import { shapeConfig, type TuneModels, tuneModelNames } from './tune-shapes.js';

/**
 * A scorer that answers from the scores a model already gave (query text -> document id ->
 * score), at once: the cascade prunes on exactly the scores the model would give (exactly for
 * fp32; int8 scores move slightly with the batch they are computed in).
 */
export function createReplayScorer(stageId: string, scores: ScoreCache): ScorerV1 {
  return {
    specificationVersion: 'v1',
    stageId,
    modelId: `replay:${stageId}`,
    async doScore({ query, documents }) {
      const byId = scores.get(query);
      return {
        scores: documents.map((document) => {
          const score = byId?.get(document.id);
          if (score === undefined) {
            throw new InvalidArgumentError({
              component: 'cli',
              argument: 'documents',
              message: `no ${stageId} score was recorded for document '${document.id}' and query '${query}'`,
            });
          }
          return score;
        }),
      };
    },
  };
}

/** A retriever that returns each sample query's recorded candidates, cut to the depth asked. */
export function createReplayRetriever(sample: readonly SampleQuery[]): RetrieverV1 {
  const byQuery = new Map(sample.map((query) => [query.text, query.candidates]));
  return {
    specificationVersion: 'v1',
    stageId: 'bm25',
    async doRetrieve({ query, topK }) {
      return (byQuery.get(query) ?? []).slice(0, topK);
    },
  };
}

/** What one shape did over the sample, replayed. */
export interface ReplayedShape {
  shape: CascadeShape;
  /** Each query's final top-k ids, in sample order. */
  topIds: string[][];
  /** Pairs scored per query, by model name (`prefilter`, `reranker`). */
  pairsPerQuery: Record<string, number>;
  /** `doScore` calls per query, by model name. */
  callsPerQuery: Record<string, number>;
}

/**
 * Runs each shape as the cascade `createCascadeFromConfig` builds from its configuration, on the
 * recorded candidates and scores (replay scorers, so it takes no model time), and records each
 * query's top k and the pairs and calls of each stage.
 */
export async function replayShapes(
  shapes: readonly CascadeShape[],
  options: {
    sample: readonly SampleQuery[];
    scores: { reranker: ScoreCache; prefilter: ScoreCache | null };
    models: TuneModels;
    documents: ReadonlyMap<string, SieveDocument>;
    progress?: Progress;
  },
): Promise<ReplayedShape[]> {
  const { sample, documents } = options;
  const scorers: Record<string, ScorerV1> = {
    [tuneModelNames.reranker]: createReplayScorer(tuneModelNames.reranker, options.scores.reranker),
  };
  if (options.scores.prefilter !== null) {
    scorers[tuneModelNames.prefilter] = createReplayScorer(
      tuneModelNames.prefilter,
      options.scores.prefilter,
    );
  }
  const retriever = createReplayRetriever(sample);
  const getDocuments = async (ids: readonly string[]) => ids.map((id) => documents.get(id));
  const replayed: ReplayedShape[] = [];
  for (const shape of shapes) {
    const cascade = createCascadeFromConfig(shapeConfig(shape, options.models), {
      scorers,
      retrievers: { bm25: retriever },
      getDocuments,
    });
    const topIds: string[][] = [];
    const pairs: Record<string, number> = {};
    const calls: Record<string, number> = {};
    for (const query of sample) {
      const result = await cascade.search({ query: query.text });
      topIds.push(result.candidates.map((candidate) => candidate.id));
      for (const report of result.reports) {
        if (report.kind !== 'score') continue;
        pairs[report.stageId] = (pairs[report.stageId] ?? 0) + report.pairsScored;
        calls[report.stageId] = (calls[report.stageId] ?? 0) + report.batches;
      }
    }
    const perQuery = (totals: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(totals).map(([stage, total]) => [stage, total / Math.max(1, sample.length)]),
      );
    replayed.push({
      shape,
      topIds,
      pairsPerQuery: perQuery(pairs),
      callsPerQuery: perQuery(calls),
    });
    options.progress?.tick();
  }
  return replayed;
}

/** Agreement of rankings with the reference's, mean over queries: top-k overlap and RBO. */
export function agreementWith(
  topIds: readonly string[][],
  reference: readonly string[][],
  k: number,
): { overlap: number; rbo: number } {
  let overlap = 0;
  let rbo = 0;
  topIds.forEach((ids, index) => {
    const theirs = reference[index] ?? [];
    overlap += topAgreement(ids, theirs, k);
    rbo += rankBiasedOverlap(ids, theirs, { p: 0.9, k });
  });
  const count = Math.max(1, topIds.length);
  return { overlap: overlap / count, rbo: rbo / count };
}

/** Mean nDCG@10 over the sample queries that have judgments; null when none has. */
export function meanNdcgAt10(
  topIds: readonly string[][],
  sample: readonly SampleQuery[],
  qrels: ReadonlyMap<string, Judgments> | null,
): number | null {
  if (qrels === null) return null;
  let sum = 0;
  let judged = 0;
  sample.forEach((query, index) => {
    const judgments = qrels.get(query.id);
    if (judgments === undefined) return;
    sum += ndcgAtK(topIds[index] ?? [], judgments, 10);
    judged += 1;
  });
  return judged === 0 ? null : sum / judged;
}

/**
 * Estimated wall time per query of a shape on this machine: the retriever's measured time, plus,
 * per scoring stage, its calls and pairs per query at that model's fitted cost.
 */
export function estimateMs(
  replayed: Pick<ReplayedShape, 'pairsPerQuery' | 'callsPerQuery'>,
  retrievalMs: number,
  costs: Readonly<Record<string, ScorerCost>>,
): number {
  let total = retrievalMs;
  for (const [stage, pairs] of Object.entries(replayed.pairsPerQuery)) {
    const cost = costs[stage];
    if (cost === undefined) continue;
    total += pairs * cost.msPerPair + (replayed.callsPerQuery[stage] ?? 0) * cost.msPerCall;
  }
  return total;
}
