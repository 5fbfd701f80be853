import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SieveDocument } from '../sieve-document.js';
import type { RetrieverV1 } from '../spec/retriever-v1.js';
import { expectInvalidArgument } from './expect-invalid-argument.js';

/** Options of {@link describeRetrieverConformance}. */
export interface RetrieverConformanceOptions {
  /** Builds the retriever under test over the given corpus (once for the suite). */
  create: (corpus: readonly SieveDocument[]) => RetrieverV1 | Promise<RetrieverV1>;
  /** Called after the suite, to free resources. */
  dispose?: (retriever: RetrieverV1) => void | Promise<void>;
  /**
   * Also check that a query copying a document's words ranks that document first. Lexical
   * retrievers must; a dense retriever with an untrained test model cannot.
   * @default true
   */
  checkRelevance?: boolean;
}

/** The small corpus the retriever conformance suite indexes. */
export const conformanceCorpus: readonly SieveDocument[] = [
  { id: 'a', title: 'Aspirin', text: 'Aspirin lowers the risk of heart attack and stroke.' },
  { id: 'b', title: 'Paris', text: 'The Eiffel tower stands in Paris, France.' },
  { id: 'c', title: 'Sleep', text: 'Adults need seven to nine hours of sleep each night.' },
  {
    id: 'd',
    title: 'Coffee',
    text: 'Coffee contains caffeine, a stimulant of the nervous system.',
  },
  { id: 'e', title: 'Vitamin D', text: 'Vitamin D deficiency is common in northern latitudes.' },
  { id: 'f', title: 'Exercise', text: 'Regular exercise improves heart health and sleep quality.' },
];

/**
 * The contract every {@link RetrieverV1} must keep. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * describeRetrieverConformance('bm25', { create: (corpus) => indexed(corpus) });
 * ```
 */
export function describeRetrieverConformance(
  name: string,
  options: RetrieverConformanceOptions,
): void {
  describe(`RetrieverV1 conformance: ${name}`, () => {
    let retriever: RetrieverV1;
    beforeAll(async () => {
      retriever = await options.create(conformanceCorpus);
    });
    afterAll(async () => {
      if (retriever) await options.dispose?.(retriever);
    });

    it('declares v1 and a stage id', () => {
      expect(retriever.specificationVersion).toBe('v1');
      expect(retriever.stageId.length).toBeGreaterThan(0);
    });

    it('returns at most topK unique corpus ids, sorted by descending score', async () => {
      const ids = new Set(conformanceCorpus.map((document) => document.id));
      for (const topK of [1, 3, 100]) {
        const results = await retriever.doRetrieve({ query: 'heart sleep exercise', topK });
        expect(results.length).toBeLessThanOrEqual(topK);
        expect(new Set(results.map((result) => result.id)).size).toBe(results.length);
        for (const result of results) {
          expect(ids.has(result.id)).toBe(true);
          expect(Number.isFinite(result.score)).toBe(true);
        }
        for (let index = 1; index < results.length; index++) {
          expect(results[index - 1]!.score).toBeGreaterThanOrEqual(results[index]!.score);
        }
      }
    });

    if (options.checkRelevance !== false) {
      it('ranks the document whose words the query copies first', async () => {
        const results = await retriever.doRetrieve({
          query: 'Eiffel tower in Paris',
          topK: 3,
        });
        expect(results[0]?.id).toBe('b');
      });
    }

    it('rejects an empty query and a bad topK with InvalidArgumentError', async () => {
      for (const call of [
        { query: '', topK: 3 },
        { query: 'heart', topK: 0 },
        { query: 'heart', topK: 1.5 },
      ]) {
        await expectInvalidArgument(() => retriever.doRetrieve(call));
      }
    });
  });
}
