// End to end with real stages: BM25 retrieval, two ONNX cross-encoders (the tiny fixtures of
// @sieve/rerank), a calibrated bounded pruning policy. Test-only dependencies: the package itself
// still imports nothing but @sieve/core.
import { documentContents } from '@sieve/core';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bounded, calibrateScoreBound, createCascade, type ScoringReport } from './index.js';

const fixture = (name: string): string =>
  new URL(`../../onnx/src/__fixtures__/${name}/`, import.meta.url).pathname;
const topics = [
  'aspirin heart risk',
  'coffee sleep health',
  'vitamin bone growth',
  'exercise heart health',
  'school children learning',
];
const corpus = Array.from({ length: 60 }, (_, index) => ({
  id: `doc-${index}`,
  title: topics[index % topics.length]!,
  text: `${topics[index % topics.length]} study number ${index} with ${'results '.repeat(index % 7)}and more words about ${topics[(index * 3) % topics.length]}`,
}));

describe('cascade end to end: BM25 -> prefilter -> bounded pruning -> rerank', () => {
  let prefilter: CrossEncoder;
  let reranker: CrossEncoder;
  beforeAll(async () => {
    prefilter = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      stageId: 'prefilter',
      execution: 'same-thread',
    });
    reranker = await createCrossEncoder({
      model: fixture('tiny-bert-no-token-types'),
      stageId: 'rerank',
      workers: 1,
    });
  });
  afterAll(async () => {
    await Promise.all([prefilter?.dispose(), reranker?.dispose()]);
  });

  it("scores what a direct doScore scores on the documented input: title and text, or the stage's documentText", async () => {
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const query = 'heart risk';
    const cascade = createCascade({
      retrievers: [bm25],
      documentStore: createMemoryDocumentStore(corpus),
      retrievalTopK: 12,
      stages: [
        { scorer: prefilter, topK: 12 },
        { scorer: reranker, topK: 12, documentText: (document) => document.text },
      ],
      topK: 12,
    });
    const result = await cascade.search({ query });
    const documents = result.candidates.map((candidate) => candidate.document!);
    const byContents = await prefilter.doScore({
      query,
      documents: documents.map((document) => ({
        id: document.id,
        text: documentContents(document),
      })),
    });
    const byText = await reranker.doScore({
      query,
      documents: documents.map((document) => ({ id: document.id, text: document.text })),
    });
    result.candidates.forEach((candidate, index) => {
      expect(Math.abs(candidate.scores.prefilter! - byContents.scores[index]!)).toBeLessThan(1e-5);
      expect(Math.abs(candidate.scores.rerank! - byText.scores[index]!)).toBeLessThan(1e-5);
    });
    // The title matters: scored on the text alone, the prefilter would see other inputs.
    expect(documents.every((document) => documentContents(document) !== document.text)).toBe(true);
    // Each scoring stage's report says where its time went, over every pair it scored.
    for (const report of result.reports) {
      if (report.kind !== 'score') continue;
      expect(report.inference?.rows).toBe(report.pairsScored);
      expect(report.inference?.runMs).toBeGreaterThan(0);
    }
  });

  it('returns the same top-k as an unpruned cascade while scoring fewer pairs', async () => {
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const documentStore = createMemoryDocumentStore(corpus);
    const samples = await Promise.all(
      ['heart risk', 'sleep coffee', 'children school'].map(async (query) => {
        const retrieved = await bm25.doRetrieve({ query, topK: 30 });
        const documents = (
          await documentStore.getDocuments(retrieved.map((candidate) => candidate.id))
        )
          // Calibrate on what the cascade's stages read: title and text.
          .map((document) => ({ id: document!.id, text: documentContents(document!) }));
        return { query, documents };
      }),
    );
    const { bound } = await calibrateScoreBound({ previous: prefilter, next: reranker, samples });
    const shape = (prune?: ReturnType<typeof bounded>) =>
      createCascade({
        retrievers: [bm25],
        documentStore,
        retrievalTopK: 30,
        stages: [
          { scorer: prefilter, topK: 20 },
          { scorer: reranker, topK: 3, batchSize: 2, ...(prune ? { prune } : {}) },
        ],
        topK: 3,
      });
    const full = shape();
    const pruned = shape(bounded({ bound }));
    for (const query of ['heart risk', 'sleep coffee', 'children school']) {
      const reference = await full.search({ query });
      const result = await pruned.search({ query });
      expect(result.candidates.map((candidate) => candidate.id)).toEqual(
        reference.candidates.map((candidate) => candidate.id),
      );
      const rerank = result.reports.find(
        (report): report is ScoringReport => report.stageId === 'rerank',
      )!;
      expect(rerank.pairsScored + rerank.pairsSkipped).toBe(rerank.inputCount);
      expect(rerank.stopReason === 'pruned').toBe(rerank.pairsSkipped > 0);
      expect(result.candidates[0]!.scores).toHaveProperty('prefilter');
      expect(result.candidates[0]!.scores).toHaveProperty('bm25');
      expect(rerank.tokens).toBeGreaterThan(0);
    }
    // The calibrated bound holds on the calibration queries, so pruning is exact there.
    expect(pruned.stats().stages.map((stage) => stage.stageId)).toEqual([
      'bm25',
      'prefilter',
      'rerank',
    ]);
  });
});
