import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { type Cascade, createCascade } from '@sieve/cascade';
import { documentContents, InvalidArgumentError, InvalidConfigError } from '@sieve/core';
import type { CrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureReranker, query } from './__fixtures__/fixture-reranker.js';
import { createSieveDocumentCompressor } from './sieve-document-compressor.js';
import { createSieveRetriever, type SieveRetrieverSettings } from './sieve-retriever.js';

const corpus = [
  {
    id: 'aspirin',
    title: 'Aspirin',
    text: 'Aspirin lowers the risk of stroke in adults.',
    metadata: { year: 2001, relevanceScore: -1 },
  },
  { id: 'statins', text: 'Statins reduce cholesterol and the risk of stroke.' },
  { id: 'paris', title: 'Paris', text: 'The Eiffel tower stands in Paris.' },
  {
    id: 'stroke',
    text: 'A stroke happens when blood flow to the brain stops.',
    metadata: { year: 2019 },
  },
  { id: 'thin', text: 'Aspirin thins the blood.' },
];

describe('createSieveRetriever', () => {
  let reranker: CrossEncoder;
  let cascade: Cascade;

  beforeAll(async () => {
    reranker = await createFixtureReranker();
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    cascade = createCascade({
      retrievers: [bm25],
      documentStore: createMemoryDocumentStore(corpus),
      stages: [{ scorer: reranker, topK: 4 }],
      topK: 3,
    });
  });
  afterAll(async () => {
    await reranker?.dispose();
  });

  it("invoke(query) through LangChain returns the cascade's own ranking as Documents", async () => {
    const before = structuredClone(corpus);
    const retriever = createSieveRetriever({ cascade });
    const documents = await retriever.invoke(query);
    const { candidates } = await cascade.search({ query });

    expect(documents).toHaveLength(3);
    expect(documents.map((document) => document.metadata.id)).toEqual(
      candidates.map((candidate) => candidate.id),
    );
    documents.forEach((document, rank) => {
      const candidate = candidates[rank]!;
      const source = corpus.find((entry) => entry.id === candidate.id)!;
      expect(document.pageContent).toBe(source.text);
      expect(document.id).toBe(candidate.id);
      expect(document.metadata.relevanceScore).toBeCloseTo(candidate.score, 6);
      expect(document.metadata.sieveScores).toEqual(candidate.scores);
      expect(document.metadata.sieveScores.rerank).toBeCloseTo(candidate.score, 6);
      expect(document.metadata.title).toBe(source.title);
      if (source.title === undefined) expect(document.metadata).not.toHaveProperty('title');
      if (source.metadata) expect(document.metadata.year).toBe(source.metadata.year);
    });
    expect(corpus).toEqual(before);
  });

  it("the scores are the cross-encoder's own on the retrieved documents (1e-6)", async () => {
    const documents = await createSieveRetriever({ cascade, topK: 4 }).invoke(query);
    expect(documents).toHaveLength(4);
    const { scores } = await reranker.doScore({
      query,
      // The cascade's stages score documentContents: the title and the text.
      documents: documents
        .map((document) => corpus.find((entry) => entry.id === document.id)!)
        .map((source) => ({ id: source.id, text: documentContents(source) })),
    });
    documents.forEach((document, rank) => {
      expect(document.metadata.relevanceScore).toBeCloseTo(scores[rank]!, 6);
    });
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it("Sieve's score wins over a stale one in the document's metadata; metadataKey renames it", async () => {
    const aspirin = (await createSieveRetriever({ cascade, topK: 5 }).invoke(query)).find(
      (document) => document.id === 'aspirin',
    )!;
    expect(aspirin.metadata.relevanceScore).toBe(aspirin.metadata.sieveScores.rerank);
    expect(aspirin.metadata.relevanceScore).not.toBe(-1);
    const renamed = await createSieveRetriever({ cascade, metadataKey: 'sieveScore' }).invoke(
      query,
    );
    expect(renamed[0]!.metadata.sieveScore).toBe(renamed[0]!.metadata.sieveScores.rerank);
  });

  it('works as the base retriever of a ContextualCompressionRetriever', async () => {
    const retriever = new ContextualCompressionRetriever({
      baseRetriever: createSieveRetriever({ cascade, topK: 4 }),
      baseCompressor: createSieveDocumentCompressor({ ranker: reranker, topK: 2 }),
    });
    const documents = await retriever.invoke(query);
    expect(documents).toHaveLength(2);
    expect(documents[0]!.metadata.relevanceScore).toBeGreaterThanOrEqual(
      documents[1]!.metadata.relevanceScore,
    );
  });

  it('a cascade without a document store is an InvalidArgumentError that says to add one', async () => {
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const bare = createCascade({ retrievers: [bm25], topK: 2 });
    const error = await createSieveRetriever({ cascade: bare })
      .invoke(query)
      .catch((caught) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.argument).toBe('cascade');
    expect(error.message).toMatch(/documentStore/);
  });

  it('an empty query is an InvalidArgumentError; bad settings an InvalidConfigError', async () => {
    const error = await createSieveRetriever({ cascade })
      .invoke('')
      .catch((caught) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.argument).toBe('query');
    const bad = [
      {},
      { cascade: reranker },
      { cascade, topK: 0 },
      { cascade, metadataKey: 'sieveScores' },
      { cascade, top_k: 2 },
    ];
    for (const settings of bad) {
      expect(() => createSieveRetriever(settings as SieveRetrieverSettings)).toThrow(
        InvalidConfigError,
      );
    }
  });
});
