import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScorerV1, ScorerV1Document } from '../spec/scorer-v1.js';
import { expectInvalidArgument } from './expect-invalid-argument.js';

/** Options of {@link describeScorerConformance}. */
export interface ScorerConformanceOptions {
  /** Builds the scorer under test (once for the suite; disposed after it). */
  create: () => ScorerV1 | Promise<ScorerV1>;
  /**
   * Largest allowed difference between the score of a pair scored alone and scored in a batch
   * (or in another order).
   * @default 1e-5
   */
  tolerance?: number;
}

const documents: ScorerV1Document[] = [
  { id: 'd1', text: 'Aspirin reduces the risk of heart attack in adults.' },
  { id: 'd2', text: 'The Eiffel tower is in Paris.' },
  { id: 'd3', text: '' },
  { id: 'd4', text: 'Heart disease is a leading cause of death; aspirin is studied widely.' },
  { id: 'd5', text: 'café naïve 東京 — punctuation!?' },
];
const query = 'does aspirin prevent heart attacks?';

/**
 * The contract every {@link ScorerV1} must keep. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * describeScorerConformance('cross-encoder', { create: () => createCrossEncoder({ model }) });
 * ```
 */
export function describeScorerConformance(name: string, options: ScorerConformanceOptions): void {
  const tolerance = options.tolerance ?? 1e-5;
  describe(`ScorerV1 conformance: ${name}`, () => {
    let scorer: ScorerV1;
    beforeAll(async () => {
      scorer = await options.create();
    });
    afterAll(async () => {
      await scorer?.dispose?.();
    });

    it('declares v1, a stage id and a model id', () => {
      expect(scorer.specificationVersion).toBe('v1');
      expect(typeof scorer.stageId).toBe('string');
      expect(scorer.stageId.length).toBeGreaterThan(0);
      expect(typeof scorer.modelId).toBe('string');
      expect(scorer.modelId.length).toBeGreaterThan(0);
    });

    it('returns one finite score per document, aligned with the input', async () => {
      const result = await scorer.doScore({ query, documents });
      expect(result.scores).toHaveLength(documents.length);
      for (const score of result.scores) expect(Number.isFinite(score)).toBe(true);
      if (result.tokenCounts) {
        expect(result.tokenCounts).toHaveLength(documents.length);
        for (const count of result.tokenCounts) expect(count).toBeGreaterThan(0);
      }
    });

    it('gives the same scores alone, batched and in reverse order', async () => {
      const batched = (await scorer.doScore({ query, documents })).scores;
      const reversed = (await scorer.doScore({ query, documents: [...documents].reverse() }))
        .scores;
      for (const [index, document] of documents.entries()) {
        const alone = (await scorer.doScore({ query, documents: [document] })).scores[0]!;
        expect(Math.abs(alone - batched[index]!)).toBeLessThanOrEqual(tolerance);
        const reversedScore = reversed[documents.length - 1 - index]!;
        expect(Math.abs(reversedScore - batched[index]!)).toBeLessThanOrEqual(tolerance);
      }
    });

    it('rejects an empty query, empty documents and non-string text with InvalidArgumentError', async () => {
      await expectInvalidArgument(() => scorer.doScore({ query: '  ', documents }));
      await expectInvalidArgument(() => scorer.doScore({ query, documents: [] }));
      await expectInvalidArgument(() =>
        scorer.doScore({
          query,
          documents: [{ id: 'x', text: 42 as unknown as string }],
        }),
      );
    });

    it('rejects when the abort signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      await expect(
        scorer.doScore({ query, documents, abortSignal: controller.signal }),
      ).rejects.toThrow();
    });
  });
}
