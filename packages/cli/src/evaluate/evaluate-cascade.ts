import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCascade, patience, type ScoringStageSettings, scoreGap } from '@sieve/cascade';
import { documentContents, mrrAtK, ndcgAtK, recallAtK, type SieveDocument } from '@sieve/core';
import { createTokenCache, type Dtype } from '@sieve/onnx';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { type Bm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import type { ShapeEvaluation } from '../results/evaluation-result.js';
import { isGeneratedModel } from '../support/generated-model.js';
import type { Progress } from '../support/progress.js';
import type { CascadeShape } from './cascade-shape.js';

/** Where the two cross-encoders come from, and how they run. */
export interface EvaluationModels {
  /** Folder or hub id of the TinyBERT prefilter. */
  prefilter: string;
  /** Folder or hub id of the MiniLM reranker. */
  reranker: string;
  prefilterDtype: Dtype;
  rerankerDtype: Dtype;
}

/** Models from `modelsDir` when it holds them, else the hub's ONNX ports. */
export function evaluationModels(
  modelsDir: string,
  options: { prefilterDtype?: Dtype; rerankerDtype?: Dtype } = {},
): EvaluationModels & { local: boolean; generated: boolean } {
  const tiny = join(modelsDir, 'ms-marco-TinyBERT-L-2-v2');
  const minilm = join(modelsDir, 'ms-marco-MiniLM-L-6-v2');
  const local = existsSync(tiny) && existsSync(minilm);
  return {
    prefilter: local ? tiny : 'Xenova/ms-marco-TinyBERT-L-2-v2',
    reranker: local ? minilm : 'Xenova/ms-marco-MiniLM-L-6-v2',
    prefilterDtype: options.prefilterDtype ?? 'fp32',
    rerankerDtype: options.rerankerDtype ?? 'int8',
    local,
    generated: local && isGeneratedModel(minilm),
  };
}

/** The inputs shared by every shape of a run. */
export interface EvaluationInputs {
  corpus: readonly SieveDocument[];
  /** BM25 over the corpus, built once. */
  bm25: Bm25Retriever;
  /** (query id, text) pairs to evaluate, each with judgments in `qrels`. */
  queries: ReadonlyArray<readonly [string, string]>;
  qrels: Map<string, Map<string, number>>;
  models: EvaluationModels;
}

/**
 * Runs one cascade shape over the queries and measures quality (nDCG@10, MRR@10, Recall@10,
 * retrieval recall) and cost (per-stage p50/p95, pairs per query). Each shape gets fresh scorers and
 * a fresh token cache, warmed up before timing, so shapes do not subsidize each other.
 */
export async function evaluateShape(
  shape: CascadeShape,
  inputs: EvaluationInputs,
  progress?: Progress,
): Promise<ShapeEvaluation> {
  const { bm25, queries, qrels, models } = inputs;
  const tokenCache = createTokenCache();
  const scorers: CrossEncoder[] = [];
  const stages: ScoringStageSettings[] = [];
  try {
    if (shape.prefilterKeep !== undefined) {
      const prefilter = await createCrossEncoder({
        model: models.prefilter,
        dtype: models.prefilterDtype,
        stageId: 'tinybert',
        tokenCache,
      });
      scorers.push(prefilter);
      stages.push({ scorer: prefilter, topK: shape.rerank ? shape.prefilterKeep : shape.topK });
    }
    if (shape.rerank) {
      const reranker = await createCrossEncoder({
        model: models.reranker,
        dtype: models.rerankerDtype,
        stageId: 'minilm',
        tokenCache,
      });
      scorers.push(reranker);
      const prune =
        shape.prune.policy === 'patience'
          ? patience(shape.prune.batches)
          : shape.prune.policy === 'scoreGap'
            ? scoreGap({ gap: shape.prune.gap })
            : undefined;
      stages.push({
        scorer: reranker,
        topK: shape.topK,
        ...(prune ? { prune, batchSize: 8 } : {}),
      });
    }
  } catch (error) {
    await Promise.all(scorers.map((scorer) => scorer.dispose()));
    throw error;
  }
  // Warm-up outside the timed cascade: sessions allocate their arenas on the first runs.
  const [, firstQuery] = queries[0]!;
  const warmDocuments = inputs.corpus.slice(0, 4).map((document) => ({
    id: document.id,
    text: documentContents(document),
  }));
  for (const scorer of scorers)
    await scorer.doScore({ query: firstQuery, documents: warmDocuments });

  const cascade = createCascade({
    retrievers: [bm25],
    documentStore: createMemoryDocumentStore(inputs.corpus),
    retrievalTopK: shape.retrievalTopK,
    stages,
    topK: shape.topK,
  });
  let ndcg = 0;
  let mrr = 0;
  let recall = 0;
  let retrievalRecall = 0;
  try {
    for (const [queryId, query] of queries) {
      const judged = qrels.get(queryId)!;
      const result = await cascade.search({ query });
      const ranked = result.candidates.map((candidate) => candidate.id);
      ndcg += ndcgAtK(ranked, judged, 10);
      mrr += mrrAtK(ranked, judged, 10);
      recall += recallAtK(ranked, judged, 10);
      // The result carries the retrieval ranking the stages started from: no second BM25 run.
      retrievalRecall += recallAtK(
        (result.retrieval ?? []).map((candidate) => candidate.id),
        judged,
        shape.retrievalTopK,
      );
      progress?.tick();
    }
    const stats = cascade.stats();
    const count = queries.length;
    const scored = stats.stages.filter((stage) => stage.kind === 'score');
    return {
      shape: shape.id,
      queries: count,
      ndcgAt10: ndcg / count,
      mrrAt10: mrr / count,
      recallAt10: recall / count,
      retrievalRecall: retrievalRecall / count,
      latencyMs: stats.latencyMs,
      pairsPerQuery: scored.reduce((sum, stage) => sum + stage.pairsScored, 0) / count,
      stages: stats.stages.map((stage) => ({
        stageId: stage.stageId,
        kind: stage.kind,
        latencyMs: { p50: stage.latencyMs.p50, p95: stage.latencyMs.p95 },
        pairsScoredPerQuery: stage.kind === 'score' ? stage.pairsScored / count : 0,
        pairsSkippedPerQuery: stage.pairsSkipped / count,
      })),
      stats,
    };
  } finally {
    await cascade.dispose();
  }
}
