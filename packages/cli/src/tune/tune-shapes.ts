import type { CascadeConfig, CascadeConfigModel, CascadeConfigStage } from '@sieve/cascade';
import { InvalidArgumentError } from '@sieve/core';
import type { CascadeShape, ShapePruning } from '../evaluate/cascade-shape.js';

/** The names the tuned config gives its two models (and their stages). */
export const tuneModelNames = { prefilter: 'prefilter', reranker: 'reranker' } as const;

/** The models a tuned config may use: the reranker always, the prefilter when tuning has one. */
export interface TuneModels {
  reranker: CascadeConfigModel;
  prefilter: CascadeConfigModel | null;
}

/** Retrieval depths tried, up to the maximum (which is always tried). */
const depths = [10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000];
/** How many candidates the prefilter may keep for the reranker. */
const keeps = [10, 15, 20, 30, 50];
/** `patience(B)` with batches of 8. */
const patienceBatches = [1, 2, 3];

/**
 * The shape as `sieve eval --shapes` writes it (`tiny` is the prefilter, `minilm` the reranker),
 * so a tuned shape can be evaluated there: `bm25=100,tiny=30,minilm=10,prune=patience:2`.
 */
export function shapeId(shape: Omit<CascadeShape, 'id'>): string {
  const parts = [`${shape.retriever}=${shape.retrievalTopK}`];
  if (shape.prefilterKeep !== undefined) {
    parts.push(`tiny=${shape.rerank ? shape.prefilterKeep : shape.topK}`);
  }
  if (shape.rerank) parts.push(`minilm=${shape.topK}`);
  if (shape.prune.policy === 'patience') parts.push(`prune=patience:${shape.prune.batches}`);
  if (shape.prune.policy === 'scoreGap') parts.push(`prune=gap:${shape.prune.gap}`);
  return parts.join(',');
}

const shape = (fields: Omit<CascadeShape, 'id' | 'retriever'>): CascadeShape => {
  const withRetriever = { retriever: 'bm25' as const, ...fields };
  return { id: shapeId(withRetriever), ...withRetriever };
};

/**
 * The gaps `scoreGap` is tried with for one previous stage: over the sample, the median drop from
 * a query's best score to its score at rank 2k and at rank 3k, to three significant digits. They
 * follow the scale of the scores (BM25 or a cross-encoder's logits) without a constant to tune.
 */
export function scoreGapValues(rankings: ReadonlyArray<readonly number[]>, k: number): number[] {
  const values = new Set<number>();
  for (const rank of [2 * k, 3 * k]) {
    const drops = rankings
      .filter((scores) => scores.length >= rank)
      .map((scores) => scores[0]! - scores[rank - 1]!)
      .sort((a, b) => a - b);
    if (drops.length === 0) continue;
    const median = drops[Math.floor((drops.length - 1) / 2)]!;
    if (median > 0) values.add(Number(median.toPrecision(3)));
  }
  return [...values];
}

/**
 * The shapes `sieve tune` replays, all over BM25: BM25 alone (its top k); the prefilter alone at
 * each depth; and the reranker at each depth (10, 20, 30, 50, 75, 100, ... up to `maxDepth`),
 * directly or after the prefilter keeps 10, 15, 20, 30 or 50 (at least k, fewer than the depth),
 * unpruned, with `patience` 1, 2 or 3 (batches of 8), or with `scoreGap` at the given gaps of
 * its previous stage (BM25's or the prefilter's). The reference, the reranker over `maxDepth`
 * unpruned, is among them.
 */
export function enumerateShapes(options: {
  k: number;
  maxDepth: number;
  prefilter: boolean;
  gaps: { retrieval: readonly number[]; prefilter: readonly number[] };
}): CascadeShape[] {
  const { k, maxDepth, prefilter, gaps } = options;
  const tried = [...new Set([...depths.filter((depth) => depth < maxDepth), maxDepth])].filter(
    (depth) => depth >= k,
  );
  const prunings = (previous: readonly number[]): ShapePruning[] => [
    { policy: 'none' },
    ...patienceBatches.map((batches) => ({ policy: 'patience' as const, batches })),
    ...previous.map((gap) => ({ policy: 'scoreGap' as const, gap })),
  ];
  const shapes: CascadeShape[] = [
    shape({ retrievalTopK: k, rerank: false, topK: k, prune: { policy: 'none' } }),
  ];
  for (const depth of tried) {
    if (prefilter && depth > k) {
      shapes.push(
        shape({
          retrievalTopK: depth,
          prefilterKeep: k,
          rerank: false,
          topK: k,
          prune: { policy: 'none' },
        }),
      );
    }
    for (const prune of prunings(gaps.retrieval)) {
      shapes.push(shape({ retrievalTopK: depth, rerank: true, topK: k, prune }));
    }
    if (!prefilter) continue;
    for (const keep of keeps.filter((keep) => keep >= k && keep < depth)) {
      for (const prune of prunings(gaps.prefilter)) {
        shapes.push(
          shape({ retrievalTopK: depth, prefilterKeep: keep, rerank: true, topK: k, prune }),
        );
      }
    }
  }
  return shapes;
}

/** The full rerank the agreement is measured against: the reranker over `maxDepth`, unpruned. */
export function referenceShape(k: number, maxDepth: number): CascadeShape {
  return shape({ retrievalTopK: maxDepth, rerank: true, topK: k, prune: { policy: 'none' } });
}

/**
 * A shape as the configuration `createCascadeFromConfig` reads: BM25 at the shape's depth, the
 * prefilter keeping its candidates, the reranker keeping the final top k with its pruning
 * (`patience` in batches of 8; `scoreGap` cuts up front, so its input goes in one call).
 */
export function shapeConfig(tuned: CascadeShape, models: TuneModels): CascadeConfig {
  const stages: CascadeConfigStage[] = [];
  const used: Record<string, CascadeConfigModel> = {};
  if (tuned.prefilterKeep !== undefined) {
    if (models.prefilter === null) {
      throw new InvalidArgumentError({
        component: 'cli',
        argument: 'models',
        message: `shape ${tuned.id} has a prefilter, but models.prefilter is null`,
      });
    }
    used[tuneModelNames.prefilter] = models.prefilter;
    stages.push({
      model: tuneModelNames.prefilter,
      topK: tuned.rerank ? tuned.prefilterKeep : tuned.topK,
    });
  }
  if (tuned.rerank) {
    used[tuneModelNames.reranker] = models.reranker;
    const input = tuned.prefilterKeep ?? tuned.retrievalTopK;
    const { prune } = tuned;
    stages.push({
      model: tuneModelNames.reranker,
      topK: tuned.topK,
      ...(prune.policy === 'patience'
        ? { batchSize: 8, prune: { policy: 'patience', batches: prune.batches } }
        : {}),
      ...(prune.policy === 'scoreGap'
        ? { batchSize: input, prune: { policy: 'scoreGap', gap: prune.gap } }
        : {}),
    });
  }
  return {
    version: 1,
    retrieval: { retriever: tuned.retriever, depth: tuned.retrievalTopK },
    models: used,
    stages,
    topK: tuned.topK,
  };
}
