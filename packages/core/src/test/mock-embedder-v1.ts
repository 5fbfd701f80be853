import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { EmbedderV1, EmbedderV1CallOptions, EmbedderV1Result } from '../spec/embedder-v1.js';

/**
 * A deterministic {@link EmbedderV1} for tests: hashes each lower-cased word into one of
 * `dimensions` slots and L2-normalizes, so texts that share words have a positive cosine.
 *
 * @example
 * ```ts
 * const embedder = new MockEmbedderV1({ dimensions: 16 });
 * ```
 */
export class MockEmbedderV1 implements EmbedderV1 {
  readonly specificationVersion = 'v1' as const;
  readonly modelId = 'mock-embedder';
  readonly dimensions: number;
  /** Every call received, in order. */
  readonly calls: EmbedderV1CallOptions[] = [];

  constructor(settings: { dimensions?: number } = {}) {
    this.dimensions = settings.dimensions ?? 32;
  }

  async doEmbed(options: EmbedderV1CallOptions): Promise<EmbedderV1Result> {
    this.calls.push(options);
    options.abortSignal?.throwIfAborted();
    if (!Array.isArray(options.texts) || options.texts.length === 0) {
      throw new InvalidArgumentError({
        component: 'mock-embedder',
        argument: 'texts',
        message: 'texts must be a non-empty array of strings',
      });
    }
    return {
      embeddings: options.texts.map((text, index) => {
        if (typeof text !== 'string') {
          throw new InvalidArgumentError({
            component: 'mock-embedder',
            argument: `texts[${index}]`,
            message: `texts[${index}] must be a string`,
          });
        }
        return this.embed(text);
      }),
    };
  }

  private embed(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    for (const word of text.toLowerCase().split(/\W+/u)) {
      if (word === '') continue;
      let hash = 2166136261;
      for (let index = 0; index < word.length; index++) {
        hash = Math.imul(hash ^ word.charCodeAt(index), 16777619);
      }
      vector[(hash >>> 0) % this.dimensions]! += 1;
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((value) => value / norm);
  }
}
