import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbedderV1 } from '../spec/embedder-v1.js';
import { expectInvalidArgument } from './expect-invalid-argument.js';

/** Options of {@link describeEmbedderConformance}. */
export interface EmbedderConformanceOptions {
  /** Builds the embedder under test (once for the suite; disposed after it). */
  create: () => EmbedderV1 | Promise<EmbedderV1>;
  /** Largest allowed difference between a text embedded alone and in a batch. @default 1e-5 */
  tolerance?: number;
}

const texts = [
  'Aspirin lowers the risk of stroke.',
  '',
  'café 東京 — punctuation!?',
  'word '.repeat(600),
];

/**
 * The contract every {@link EmbedderV1} must keep. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * describeEmbedderConformance('onnx', { create: () => createOnnxEmbedder({ model }) });
 * ```
 */
export function describeEmbedderConformance(
  name: string,
  options: EmbedderConformanceOptions,
): void {
  const tolerance = options.tolerance ?? 1e-5;
  describe(`EmbedderV1 conformance: ${name}`, () => {
    let embedder: EmbedderV1;
    beforeAll(async () => {
      embedder = await options.create();
    });
    afterAll(async () => {
      await embedder?.dispose?.();
    });

    it('declares v1, a model id and a positive dimension', () => {
      expect(embedder.specificationVersion).toBe('v1');
      expect(embedder.modelId.length).toBeGreaterThan(0);
      expect(Number.isSafeInteger(embedder.dimensions) && embedder.dimensions > 0).toBe(true);
    });

    it('returns one finite vector of `dimensions` per text, independent of batching', async () => {
      const { embeddings } = await embedder.doEmbed({ texts });
      expect(embeddings).toHaveLength(texts.length);
      for (const [index, text] of texts.entries()) {
        const vector = embeddings[index]!;
        expect(vector).toHaveLength(embedder.dimensions);
        expect(vector.every(Number.isFinite)).toBe(true);
        const alone = (await embedder.doEmbed({ texts: [text] })).embeddings[0]!;
        for (let unit = 0; unit < vector.length; unit++) {
          expect(Math.abs(alone[unit]! - vector[unit]!)).toBeLessThanOrEqual(tolerance);
        }
      }
    });

    it('rejects an empty list and non-string texts with InvalidArgumentError', async () => {
      for (const bad of [[], ['ok', 7]]) {
        await expectInvalidArgument(() => embedder.doEmbed({ texts: bad as string[] }));
      }
    });
  });
}
