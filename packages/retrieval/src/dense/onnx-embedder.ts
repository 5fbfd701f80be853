import { DependencyLoadError } from '@sieve/core';
import type { OnnxEmbedder, OnnxEmbedderSettings } from '@sieve/rerank';

/**
 * Creates an ONNX sentence-transformers embedder on the cross-encoders' runtime (`@sieve/rerank`:
 * tokenizer, sessions, worker pool, hub cache), imported on first use so a BM25-only user of this
 * package never loads ONNX.
 *
 * @example
 * ```ts
 * const embedder = await createOnnxEmbedder({ model: 'Xenova/all-MiniLM-L6-v2' });
 * const dense = await createDenseRetriever({ embedder });
 * ```
 */
export async function createOnnxEmbedder(
  settings: OnnxEmbedderSettings = {},
): Promise<OnnxEmbedder> {
  let rerank: typeof import('@sieve/rerank');
  try {
    rerank = await import('@sieve/rerank');
  } catch (error) {
    throw new DependencyLoadError({
      component: 'retrieval',
      packageName: '@sieve/rerank',
      message:
        'createOnnxEmbedder needs @sieve/rerank (the ONNX runtime): npm install @sieve/rerank',
      cause: error,
    });
  }
  return rerank.createOnnxEmbedder(settings);
}
