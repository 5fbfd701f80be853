/** Shape of a BERT encoder, for operation counts. */
export interface BertShape {
  layers: number;
  hidden: number;
  intermediate: number;
}

/** Shapes of the architectures Sieve benchmarks, by model name. */
export const bertShapes: Record<string, BertShape> = {
  'ms-marco-TinyBERT-L-2-v2': { layers: 2, hidden: 128, intermediate: 512 },
  'ms-marco-MiniLM-L-6-v2': { layers: 6, hidden: 384, intermediate: 1536 },
  'all-MiniLM-L6-v2': { layers: 6, hidden: 384, intermediate: 1536 },
};

/** The shape for a model folder or id (its last path segment), if known. */
export function shapeOf(model: string): BertShape | undefined {
  const name = model.replace(/\/+$/, '').split('/').pop() ?? model;
  return bertShapes[name];
}

/**
 * Multiply-add operations (counted as 2 ops) of one forward pass over `tokens` tokens: per layer,
 * the Q, K, V and output projections (4 x 2 x H^2 per token), the feed-forward (2 x 2 x H x I per
 * token) and attention itself (QK^T and AV: 2 x 2 x L^2 x H). Embeddings and the classifier are
 * negligible.
 */
export function operationsPerPair(shape: BertShape, tokens: number): number {
  const { layers, hidden, intermediate } = shape;
  const perToken = 8 * hidden * hidden + 4 * hidden * intermediate;
  return layers * (tokens * perToken + 4 * tokens * tokens * hidden);
}
