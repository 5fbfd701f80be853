import { isAbsolute } from 'node:path';
import {
  bounded,
  type CalibrationSample,
  calibrateScoreBound,
  createCascade,
  type PruningPolicy,
  patience,
  type ScoringStageSettings,
  scoreGap,
} from '@sieve/cascade';
import {
  documentContents,
  InvalidArgumentError,
  mrrAtK,
  ndcgAtK,
  type RetrieverV1,
  recallAtK,
  type SieveDocument,
} from '@sieve/core';
import { createTokenCache, type Dtype } from '@sieve/onnx';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createMemoryDocumentStore } from '@sieve/retrieval';
import type {
  EvaluationModels,
  FittedBound,
  ShapeEvaluation,
} from '../results/evaluation-result.js';
import type { CliContext } from '../support/cli-context.js';
import { isGeneratedModel } from '../support/generated-model.js';
import { chooseModels } from '../support/model-choice.js';
import type { Progress } from '../support/progress.js';
import type { CascadeShape, ShapeRetriever } from './cascade-shape.js';

/** The stage ids of the two cross-encoders, as shapes name them (`tiny=K`, `minilm=T`). */
export const scorerStageIds = { prefilter: 'tinybert', reranker: 'minilm' } as const;

/** Options of {@link evaluationModels}: the flags that choose the models. */
export interface EvaluationModelOptions {
  /**
   * The bi-encoder of `dense=N` and `hybrid=N`, as `--embedder` takes it: a model folder or a hub
   * id. @default `<models>/all-MiniLM-L6-v2`, else the hub's `Xenova/all-MiniLM-L6-v2`
   */
  embedder?: string;
  /** @default 'fp32' */
  embedderDtype?: Dtype;
  /**
   * The prefilter (`tiny=K`), as `--prefilter` takes it: a model folder (relative to where the
   * command was typed) or a hub id. @default `<models>/ms-marco-TinyBERT-L-2-v2`, else the hub's
   */
  prefilter?: string;
  /**
   * The reranker (`minilm=T`), as `--reranker` takes it: a model folder or a hub id.
   * @default `<models>/ms-marco-MiniLM-L-6-v2`, else the hub's
   */
  reranker?: string;
  /** @default 'fp32' */
  prefilterDtype?: Dtype;
  /** @default 'int8' */
  rerankerDtype?: Dtype;
  /**
   * The prefilter's longest pair in tokens (`--prefilter-max-length`): with the reranker's model
   * as the prefilter, a short cut makes it a cheap first pass. @default the model's own limit
   */
  prefilterMaxLength?: number;
}

/**
 * The models the shapes need (the bi-encoder of `dense=N` and `hybrid=N`, the cross-encoders of
 * `tiny=K` and `minilm=T`): each from its flag, else `--models DIR` (which must hold it), else
 * `.cache/models` when it holds it, else the hub's ONNX port. `generated` is true when a model
 * used is one of the random-weight benchmark exports. Throws an InvalidArgumentError (before
 * anything loads) for a named folder that does not exist.
 */
export function evaluationModels(
  context: Pick<CliContext, 'modelsDir' | 'modelsGiven'>,
  shapes: readonly CascadeShape[],
  options: EvaluationModelOptions = {},
): EvaluationModels & { generated: boolean } {
  const chosen = chooseModels(
    context,
    {
      embedder: {
        flag: 'embedder',
        value: options.embedder,
        name: 'all-MiniLM-L6-v2',
        hubId: 'Xenova/all-MiniLM-L6-v2',
        needed: shapes.some((shape) => shape.retriever !== 'bm25'),
      },
      prefilter: {
        flag: 'prefilter',
        value: options.prefilter,
        name: 'ms-marco-TinyBERT-L-2-v2',
        hubId: 'Xenova/ms-marco-TinyBERT-L-2-v2',
        needed: shapes.some((shape) => shape.prefilterKeep !== undefined),
      },
      reranker: {
        flag: 'reranker',
        value: options.reranker,
        name: 'ms-marco-MiniLM-L-6-v2',
        hubId: 'Xenova/ms-marco-MiniLM-L-6-v2',
        needed: shapes.some((shape) => shape.rerank),
      },
    },
    { preferLocal: true },
  );
  return {
    ...chosen,
    embedderDtype: options.embedderDtype ?? 'fp32',
    prefilterDtype: options.prefilterDtype ?? 'fp32',
    rerankerDtype: options.rerankerDtype ?? 'int8',
    ...(options.prefilterMaxLength === undefined
      ? {}
      : { prefilterMaxLength: options.prefilterMaxLength }),
    generated: [chosen.embedder, chosen.prefilter, chosen.reranker].some(
      // Hub ids are never the generated exports; folders are absolute by now.
      (model) => model !== null && isAbsolute(model) && isGeneratedModel(model),
    ),
  };
}

/** The model of a role the shape uses: chosen up front, so null here is a caller's mistake. */
function requireModel(model: string | null, role: string, shape: CascadeShape): string {
  if (model === null) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'models',
      message: `shape '${shape.id}' has a ${role} but models.${role} is null; choose the models for these shapes (evaluationModels)`,
    });
  }
  return model;
}

/**
 * The retrievers of a run over the corpus, built once: BM25 always, dense and hybrid when a shape
 * needs them.
 */
export type EvaluationRetrievers = { bm25: RetrieverV1 } & Partial<
  Record<Exclude<ShapeRetriever, 'bm25'>, RetrieverV1>
>;

/** The inputs shared by every shape of a run. */
export interface EvaluationInputs {
  corpus: readonly SieveDocument[];
  retrievers: EvaluationRetrievers;
  /** (query id, text) pairs to evaluate, each with judgments in `qrels`. */
  queries: ReadonlyArray<readonly [string, string]>;
  qrels: Map<string, Map<string, number>>;
  models: EvaluationModels;
  /**
   * Queries of another split that `prune=bounded` shapes fit their bound on (`--bound-split`);
   * needed only by those shapes.
   */
  boundQueries?: { split: string; queries: readonly string[] };
}

/**
 * Fits the `bounded` policy's bound for `shape` on `boundQueries`: each query's candidates as the
 * shape retrieves them, scored by the reranker, against the scores of the stage before it (the
 * prefilter's, else the retriever's, as the cascade will see them).
 */
async function fitShapeBound(
  shape: CascadeShape,
  inputs: EvaluationInputs,
  stages: { retriever: RetrieverV1; prefilter?: CrossEncoder; reranker: CrossEncoder },
): Promise<{ prune: PruningPolicy; bound: FittedBound }> {
  const fit = inputs.boundQueries;
  if (fit === undefined || fit.queries.length === 0) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'boundQueries',
      message: `shape '${shape.id}' prunes with a fitted bound but the run has no queries to fit it on; pass --bound-split (a split other than the one evaluated, e.g. train)`,
    });
  }
  const byId = new Map(inputs.corpus.map((document) => [document.id, document]));
  const samples: CalibrationSample[] = [];
  for (const query of fit.queries) {
    const retrieved = await stages.retriever.doRetrieve({ query, topK: shape.retrievalTopK });
    const found = retrieved.filter((candidate) => byId.has(candidate.id));
    samples.push({
      query,
      documents: found.map((candidate) => ({
        id: candidate.id,
        text: documentContents(byId.get(candidate.id)!),
      })),
      ...(stages.prefilter ? {} : { previousScores: found.map((candidate) => candidate.score) }),
    });
  }
  const { bound, pairs } = await calibrateScoreBound({
    next: stages.reranker,
    ...(stages.prefilter ? { previous: stages.prefilter } : {}),
    samples,
  });
  return {
    prune: bounded({ bound }),
    bound: {
      slope: bound.slope,
      intercept: bound.intercept,
      split: fit.split,
      queries: fit.queries.length,
      pairs: pairs.length,
    },
  };
}

/**
 * Runs one cascade shape over the queries and measures quality (nDCG@10, MRR@10, Recall@10,
 * retrieval Recall@100 and at depth) and cost (per-stage p50/p95, pairs per query), keeping each
 * query's final top-10 ids for the agreement column. Each shape gets fresh scorers and a fresh
 * token cache, warmed up (with its retriever) before timing, so shapes do not subsidize each
 * other. `agreementAt10` and `costFraction` come back null: they need the reference's run
 * (`compareWithReference`).
 */
export async function evaluateShape(
  shape: CascadeShape,
  inputs: EvaluationInputs,
  progress?: Progress,
): Promise<ShapeEvaluation> {
  const { queries, qrels, models } = inputs;
  const retriever = inputs.retrievers[shape.retriever];
  if (retriever === undefined) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'retrievers',
      message: `shape '${shape.id}' retrieves with ${shape.retriever} but the run has no ${shape.retriever} retriever; build it for these shapes`,
    });
  }
  const tokenCache = createTokenCache();
  const scorers: CrossEncoder[] = [];
  const stages: ScoringStageSettings[] = [];
  let fitted: FittedBound | undefined;
  let prefilterScorer: CrossEncoder | undefined;
  try {
    // One token cache for both stages. Entries are keyed by tokenizer and length cut: a prefilter
    // on the reranker's own model at the same length reuses the reranker's tokens; at a shorter
    // cut (--prefilter-max-length) it keeps entries of its own.
    if (shape.prefilterKeep !== undefined) {
      const prefilter = await createCrossEncoder({
        model: requireModel(models.prefilter, 'prefilter', shape),
        dtype: models.prefilterDtype,
        stageId: scorerStageIds.prefilter,
        tokenCache,
        ...(models.prefilterMaxLength === undefined
          ? {}
          : { maxLength: models.prefilterMaxLength }),
      });
      scorers.push(prefilter);
      stages.push({ scorer: prefilter, topK: shape.rerank ? shape.prefilterKeep : shape.topK });
      prefilterScorer = prefilter;
    }
    if (shape.rerank) {
      const reranker = await createCrossEncoder({
        model: requireModel(models.reranker, 'reranker', shape),
        dtype: models.rerankerDtype,
        stageId: scorerStageIds.reranker,
        tokenCache,
      });
      scorers.push(reranker);
      let prune: PruningPolicy | undefined;
      if (shape.prune.policy === 'patience') prune = patience(shape.prune.batches);
      if (shape.prune.policy === 'scoreGap') prune = scoreGap({ gap: shape.prune.gap });
      if (shape.prune.policy === 'bounded') {
        const fit = await fitShapeBound(shape, inputs, {
          retriever,
          reranker,
          ...(prefilterScorer ? { prefilter: prefilterScorer } : {}),
        });
        prune = fit.prune;
        fitted = fit.bound;
      }
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
  // The dense retriever embeds each query: its first call pays for the session too.
  await retriever.doRetrieve({ query: firstQuery, topK: shape.retrievalTopK });

  const cascade = createCascade({
    retrievers: [retriever],
    documentStore: createMemoryDocumentStore(inputs.corpus),
    retrievalTopK: shape.retrievalTopK,
    stages,
    topK: shape.topK,
  });
  let ndcg = 0;
  let mrr = 0;
  let recall = 0;
  let recallAt100 = 0;
  let retrievalRecall = 0;
  const topIds: string[][] = [];
  try {
    for (const [queryId, query] of queries) {
      const judged = qrels.get(queryId)!;
      const result = await cascade.search({ query });
      const ranked = result.candidates.map((candidate) => candidate.id);
      ndcg += ndcgAtK(ranked, judged, 10);
      mrr += mrrAtK(ranked, judged, 10);
      recall += recallAtK(ranked, judged, 10);
      topIds.push(ranked.slice(0, 10));
      // The result carries the retrieval ranking the stages started from: no second retrieval.
      const retrieved = (result.retrieval ?? []).map((candidate) => candidate.id);
      retrievalRecall += recallAtK(retrieved, judged, shape.retrievalTopK);
      recallAt100 += recallAtK(retrieved, judged, 100);
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
      // Below depth 100 the retrieval list is shorter than 100: R@100 would be R@depth again.
      recallAt100: shape.retrievalTopK >= 100 ? recallAt100 / count : null,
      retrievalRecall: retrievalRecall / count,
      agreementAt10: null,
      costFraction: null,
      latencyMs: stats.latencyMs,
      pairsPerQuery: scored.reduce((sum, stage) => sum + stage.pairsScored, 0) / count,
      ...(fitted ? { bound: fitted } : {}),
      stages: stats.stages.map((stage) => {
        const scorer = scorers.find((item) => item.stageId === stage.stageId);
        return {
          stageId: stage.stageId,
          kind: stage.kind,
          ...(scorer ? { maxLength: scorer.maxLength } : {}),
          latencyMs: { p50: stage.latencyMs.p50, p95: stage.latencyMs.p95 },
          pairsScoredPerQuery: stage.kind === 'score' ? stage.pairsScored / count : 0,
          pairsSkippedPerQuery: stage.pairsSkipped / count,
        };
      }),
      stats,
      topIds,
    };
  } finally {
    await cascade.dispose();
  }
}
