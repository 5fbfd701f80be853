import { ContextualCompressionRetriever } from '@langchain/classic/retrievers/contextual_compression';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { BaseRetriever } from '@langchain/core/retrievers';
import { createCascade } from '@sieve/cascade';
import { InvalidArgumentError, InvalidConfigError } from '@sieve/core';
import { MockScorerV1 } from '@sieve/core/test';
import { type CrossEncoder, createRemoteScorer } from '@sieve/rerank';
import { createServer, type SieveServer } from '@sieve/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtureReranker, query } from './__fixtures__/fixture-reranker.js';
import {
  createSieveDocumentCompressor,
  type SieveDocumentCompressorSettings,
} from './sieve-document-compressor.js';

const texts = [
  'Aspirin lowers the risk of stroke in adults.',
  'Statins reduce cholesterol in the blood.',
  'The Eiffel tower stands in Paris.',
  'A stroke happens when blood flow to the brain stops.',
  'Aspirin thins the blood.',
];

/** The caller's documents, as a vector store would return them: with ids and metadata. */
const makeDocuments = (): Document[] =>
  texts.map(
    (pageContent, index) =>
      new Document({
        pageContent,
        metadata: { source: `doc-${index}.txt`, tags: ['medical'] },
        id: `d${index}`,
      }),
  );

/** What a function throws (undefined when it does not). */
const catchError = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

/** A base retriever that returns the same documents (the very objects) for every query. */
class FixedRetriever extends BaseRetriever {
  lc_namespace = ['sieve', 'test'];

  constructor(private readonly documents: DocumentInterface[]) {
    super();
  }

  override async _getRelevantDocuments(): Promise<DocumentInterface[]> {
    return this.documents;
  }
}

describe('createSieveDocumentCompressor', () => {
  let reranker: CrossEncoder;
  let server: SieveServer;
  let url: string;
  /** Sieve's own ranking of the texts: [index, score], best first. */
  let expected: Array<[number, number]>;

  beforeAll(async () => {
    reranker = await createFixtureReranker();
    server = createServer({ reranker, warmUp: false });
    ({ url } = await server.listen({ port: 0 }));
    const { scores } = await reranker.doScore({
      query,
      documents: texts.map((text, index) => ({ id: String(index), text })),
    });
    expected = scores
      .map((score, index): [number, number] => [index, score])
      .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    // The fixture's ranking differs from input order, so a pass-through would fail.
    expect(expected.map(([index]) => index)).not.toEqual([0, 1, 2, 3, 4]);
  });
  afterAll(async () => {
    await server?.close();
    await reranker?.dispose();
  });

  /**
   * Builds LangChain's own ContextualCompressionRetriever over the fixed documents with the
   * Sieve compressor, invokes it, and checks order and scores against the cross-encoder's own,
   * and that the caller's documents did not change.
   */
  async function expectSieveRanking(
    settings: SieveDocumentCompressorSettings,
    length: number,
    metadataKey = 'relevanceScore',
  ): Promise<DocumentInterface[]> {
    const documents = makeDocuments();
    const before = structuredClone(documents);
    const retriever = new ContextualCompressionRetriever({
      baseRetriever: new FixedRetriever(documents),
      baseCompressor: createSieveDocumentCompressor(settings),
    });
    const ranked = await retriever.invoke(query);

    expect(ranked.map((document) => document.pageContent)).toEqual(
      expected.slice(0, length).map(([index]) => texts[index]),
    );
    ranked.forEach((document, rank) => {
      const [index, score] = expected[rank]!;
      expect(document.metadata[metadataKey]).toBeCloseTo(score, 6);
      expect(document.metadata.sieveScores.rerank).toBeCloseTo(score, 6);
      expect(document.metadata).toMatchObject({ source: `doc-${index}.txt`, tags: ['medical'] });
      expect(document.id).toBe(`d${index}`);
      expect(document).not.toBe(documents[index]);
    });
    expect(documents).toEqual(before);
    expect(documents[0]!.metadata).not.toHaveProperty(metadataKey);
    return ranked;
  }

  it('in ContextualCompressionRetriever with a cross-encoder: Sieve order and scores, new documents', async () => {
    await expectSieveRanking({ ranker: reranker, topK: 3 }, 3);
    const all = await expectSieveRanking({ ranker: reranker }, texts.length);
    expect(Object.keys(all[0]!.metadata.sieveScores)).toEqual(['rerank']);
  });

  it('with a cascade as the ranker: the cascade ranks the documents, every stage score kept', async () => {
    const prefilter = new MockScorerV1({ stageId: 'prefilter', score: () => 1 });
    const cascade = createCascade({
      retrievers: [],
      stages: [
        { scorer: prefilter, topK: texts.length },
        { scorer: reranker, topK: 4 },
      ],
      topK: 4,
    });
    const ranked = await expectSieveRanking({ ranker: cascade }, 4);
    expect(ranked[0]!.metadata.sieveScores).toMatchObject({ prefilter: 1 });
    await expectSieveRanking({ ranker: cascade, topK: 2 }, 2);
  });

  it('with the remote scorer over sieve serve (TEI): the same order and scores', async () => {
    const remote = createRemoteScorer({ url, protocol: 'tei', stageId: 'rerank' });
    await expectSieveRanking({ ranker: remote, topK: 4, metadataKey: 'score' }, 4, 'score');
  });

  describe('bad input', () => {
    const compressor = createSieveDocumentCompressor({
      ranker: new MockScorerV1({ stageId: 'rerank' }),
    });

    it('no documents rank as none, through ContextualCompressionRetriever too', async () => {
      expect(await compressor.compressDocuments([], query)).toEqual([]);
      const retriever = new ContextualCompressionRetriever({
        baseRetriever: new FixedRetriever([]),
        baseCompressor: compressor,
      });
      expect(await retriever.invoke(query)).toEqual([]);
    });

    it('a document whose pageContent is not a string is an InvalidArgumentError naming its index', async () => {
      const documents = makeDocuments();
      (documents[1] as { pageContent: unknown }).pageContent = 42;
      const error = await compressor.compressDocuments(documents, query).catch((caught) => caught);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect(error.argument).toBe('texts[1]');
      expect(error.message).toMatch(/texts\[1\] must be a string/);
      const missing = await compressor
        .compressDocuments([documents[0]!, undefined as unknown as Document], query)
        .catch((caught) => caught);
      expect(missing.argument).toBe('texts[1]');
      const notArray = await compressor
        .compressDocuments('text' as unknown as Document[], query)
        .catch((caught) => caught);
      expect(notArray.argument).toBe('documents');
    });

    it('an empty query is an InvalidArgumentError', async () => {
      for (const bad of ['', '   ']) {
        const error = await compressor
          .compressDocuments(makeDocuments(), bad)
          .catch((caught) => caught);
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        expect(error.argument).toBe('query');
      }
    });

    it('bad settings are one InvalidConfigError with every issue', () => {
      const bad = [
        {},
        { ranker: { doScore: () => undefined } },
        { ranker: reranker, topK: 0 },
        { ranker: reranker, topK: 1.5 },
        { ranker: reranker, metadataKey: '' },
        { ranker: reranker, metadataKey: 'sieveScores' },
        { ranker: reranker, top_k: 3 },
      ];
      for (const settings of bad) {
        expect(() =>
          createSieveDocumentCompressor(settings as SieveDocumentCompressorSettings),
        ).toThrow(InvalidConfigError);
      }
      const error = catchError(() =>
        createSieveDocumentCompressor({ ranker: 'x', topK: -1 } as never),
      );
      expect(InvalidConfigError.isInstance(error)).toBe(true);
      expect((error as InvalidConfigError).issues.map((issue) => issue.path)).toEqual([
        'ranker',
        'topK',
      ]);
    });
  });
});
