import { type EmbedderV1, InvalidArgumentError, StageError } from '@sieve/core';
import { component } from './pg-connection.js';

/** Throws `InvalidArgumentError` unless `embedder` looks like an {@link EmbedderV1}. */
export function assertEmbedder(embedder: unknown): EmbedderV1 {
  const candidate = embedder as EmbedderV1 | undefined;
  if (
    !candidate ||
    typeof candidate.doEmbed !== 'function' ||
    !Number.isSafeInteger(candidate.dimensions) ||
    candidate.dimensions <= 0
  ) {
    throw new InvalidArgumentError({
      component,
      argument: 'embedder',
      message:
        'pass an EmbedderV1 (for example createOnnxEmbedder(...) of @sieve/onnx) as embedder',
    });
  }
  return candidate;
}

/**
 * Embeds texts, checking that the embedder returns one vector of its declared dimension per
 * text; a failure becomes a `StageError` naming `stageId` (an abort rethrows the signal's reason).
 */
export async function embedTexts(
  embedder: EmbedderV1,
  texts: string[],
  options: { stageId: string; abortSignal?: AbortSignal | undefined },
): Promise<readonly Float32Array[]> {
  const { abortSignal } = options;
  let embeddings: readonly Float32Array[];
  try {
    ({ embeddings } = await embedder.doEmbed({ texts, ...(abortSignal ? { abortSignal } : {}) }));
  } catch (error) {
    if (abortSignal?.aborted) throw abortSignal.reason;
    throw new StageError({
      component,
      stageId: options.stageId,
      message: `embedder '${embedder.modelId}' failed: ${(error as Error).message}`,
      cause: error,
    });
  }
  const wrong = embeddings.findIndex((vector) => vector?.length !== embedder.dimensions);
  if (embeddings.length !== texts.length || wrong !== -1) {
    throw new StageError({
      component,
      stageId: options.stageId,
      message: `embedder '${embedder.modelId}' returned ${embeddings.length} vectors for ${texts.length} texts, or a vector that is not ${embedder.dimensions}-dimensional`,
    });
  }
  return embeddings;
}
