/** Options of one {@link EmbedderV1.doEmbed} call. */
export interface EmbedderV1CallOptions {
  /** The texts to embed. Never empty. */
  texts: readonly string[];
  /** Cancels the call. */
  abortSignal?: AbortSignal;
}

/** Result of one {@link EmbedderV1.doEmbed} call. */
export interface EmbedderV1Result {
  /** One vector of {@link EmbedderV1.dimensions} numbers per input text, in input order. */
  embeddings: readonly Float32Array[];
}

/**
 * A text embedder (bi-encoder), version 1 of the spec.
 *
 * `doEmbed` takes an options object, like every `do*` method of the spec, so that cancellation and
 * later options fit without a breaking change.
 *
 * @example
 * ```ts
 * const { embeddings } = await embedder.doEmbed({ texts: ['hello'] });
 * ```
 */
export interface EmbedderV1 {
  /** The spec version this object implements. */
  readonly specificationVersion: 'v1';
  /** The model behind the vectors. */
  readonly modelId: string;
  /** Length of every vector. */
  readonly dimensions: number;
  /** Embeds the texts. */
  doEmbed(options: EmbedderV1CallOptions): PromiseLike<EmbedderV1Result>;
  /** Frees sessions, workers and memory. */
  dispose?(): PromiseLike<void> | void;
}
