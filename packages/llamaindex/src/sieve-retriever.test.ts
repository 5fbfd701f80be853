// The Sieve retriever as LlamaIndex calls it, `retriever.retrieve({ query })`, over a cascade of
// BM25 and the tiny fixture cross-encoder; then inside a RetrieverQueryEngine (MockLLM answers).
import { MockLLM } from '@llamaindex/core/llms/mock';
import { RetrieverQueryEngine } from '@llamaindex/core/query-engine';
import { getResponseSynthesizer } from '@llamaindex/core/response-synthesizers';
import { TextNode } from '@llamaindex/core/schema';
import { type Cascade, createCascade } from '@sieve/cascade';
import {
  documentContents,
  InvalidArgumentError,
  InvalidConfigError,
  type SieveDocument,
} from '@sieve/core';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossEncoderSettings } from './__fixtures__/cross-encoder-settings.js';
import { createSieveNodePostprocessor } from './sieve-node-postprocessor.js';
import { createSieveRetriever } from './sieve-retriever.js';

const query = 'does aspirin prevent stroke';
const corpus: SieveDocument[] = [
  { id: 'd0', title: 'Aspirin', text: 'Aspirin lowers the risk of stroke in adults.' },
  { id: 'd1', text: 'Statins reduce cholesterol in the blood.', metadata: { year: 2020 } },
  {
    id: 'd2',
    title: 'Stroke',
    text: 'A stroke happens when blood flow to the brain stops; aspirin may help.',
    metadata: { year: 2021, tags: ['neurology'] },
  },
  { id: 'd3', text: 'Aspirin thins the blood.' },
  { id: 'd4', text: 'The Eiffel tower stands in Paris.' },
];

const bm25Over = (documents: readonly SieveDocument[]) => {
  const bm25 = createBm25Retriever();
  bm25.add(documents);
  return bm25;
};

describe('createSieveRetriever', () => {
  let reranker: CrossEncoder;
  let cascade: Cascade;
  const frozen = JSON.stringify(corpus);

  beforeAll(async () => {
    reranker = await createCrossEncoder(crossEncoderSettings);
    cascade = createCascade({
      retrievers: [bm25Over(corpus)],
      documentStore: createMemoryDocumentStore(corpus),
      stages: [{ scorer: reranker, topK: 3 }],
      topK: 3,
    });
  });
  afterAll(async () => {
    await reranker?.dispose();
  });

  it("retrieve({ query }) gives TextNodes in the cascade's order with its scores (1e-6)", async () => {
    const retriever = createSieveRetriever({ cascade });
    const nodes = await retriever.retrieve({ query });
    const { candidates } = await cascade.search({ query });
    expect(candidates.length).toBeGreaterThan(1);
    expect(nodes.map((entry) => entry.node.id_)).toEqual(candidates.map(({ id }) => id));
    nodes.forEach((entry, rank) => {
      const candidate = candidates[rank]!;
      const document = corpus.find(({ id }) => id === candidate.id)!;
      expect(entry.node).toBeInstanceOf(TextNode);
      expect((entry.node as TextNode).text).toBe(document.text);
      expect(entry.node.metadata).toEqual({
        ...document.metadata,
        ...(document.title ? { title: document.title } : {}),
      });
      expect(Math.abs(entry.score - candidate.score)).toBeLessThan(1e-6);
      // Every stage's score: BM25's, the fused retrieval score, the reranker's.
      expect(Object.keys(entry.scores).sort()).toEqual(['bm25', 'rerank', 'retrieval']);
      for (const [stageId, score] of Object.entries(candidate.scores)) {
        expect(Math.abs(entry.scores[stageId]! - score)).toBeLessThan(1e-6);
      }
    });
    // The scores are the reranker's on what the cascade's stage reads (title and text).
    const direct = await reranker.doScore({
      query,
      documents: candidates.map(({ id }) => ({
        id,
        text: documentContents(corpus.find((document) => document.id === id)!),
      })),
    });
    nodes.forEach((entry, rank) => {
      expect(Math.abs(entry.score - direct.scores[rank]!)).toBeLessThan(1e-6);
    });
  });

  it('a string query and a multi-modal one retrieve the same; topK cuts', async () => {
    const retriever = createSieveRetriever({ cascade, topK: 2 });
    const plain = await retriever.retrieve(query);
    expect(plain).toHaveLength(2);
    const multiModal = await retriever.retrieve({ query: [{ type: 'text', text: query }] });
    expect(multiModal.map((entry) => entry.node.id_)).toEqual(plain.map((entry) => entry.node.id_));
  });

  it('changes no document of the store: node metadata is a copy', async () => {
    const nodes = await createSieveRetriever({ cascade }).retrieve({ query });
    for (const entry of nodes) entry.node.metadata.changed = true;
    expect(JSON.stringify(corpus)).toBe(frozen);
  });

  it('serves a RetrieverQueryEngine, with the Sieve postprocessor after it', async () => {
    const bm25Only = createCascade({
      retrievers: [bm25Over(corpus)],
      documentStore: createMemoryDocumentStore(corpus),
      topK: 4,
    });
    const engine = new RetrieverQueryEngine(
      createSieveRetriever({ cascade: bm25Only }),
      getResponseSynthesizer('compact', { llm: new MockLLM({ timeBetweenToken: 0 }) }),
      [createSieveNodePostprocessor({ ranker: reranker, topN: 2 })],
    );
    const response = await engine.query({ query });
    const sources = response.sourceNodes ?? [];
    const retrieved = await createSieveRetriever({ cascade: bm25Only }).retrieve({ query });
    const { scores } = await reranker.doScore({
      query,
      documents: retrieved.map((entry) => ({
        id: entry.node.id_,
        text: (entry.node as TextNode).text,
      })),
    });
    const best = scores
      .map((score, index) => ({ id: retrieved[index]!.node.id_, score }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 2);
    expect(sources.map((entry) => entry.node.id_)).toEqual(best.map(({ id }) => id));
    sources.forEach((entry, rank) => {
      expect(Math.abs(entry.score! - best[rank]!.score)).toBeLessThan(1e-6);
    });
  });

  it('a cascade without documents to make nodes of is an InvalidConfigError that says the fix', async () => {
    const noStore = createCascade({ retrievers: [bm25Over(corpus)], topK: 2 });
    const error = await createSieveRetriever({ cascade: noStore })
      .retrieve({ query })
      .catch((caught: unknown) => caught);
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/without its document.*documentStore/);
  });

  it('an empty query is an InvalidArgumentError; bad settings an InvalidConfigError', async () => {
    const error = await createSieveRetriever({ cascade })
      .retrieve({ query: ' ' })
      .catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    for (const bad of [{}, { cascade: {} }, { cascade, topK: 0 }, { cascade, topN: 2 }]) {
      expect(() => createSieveRetriever(bad as never)).toThrow(InvalidConfigError);
    }
  });
});
