import {
  InvalidArgumentError as AiInvalidArgumentError,
  type RerankingModelV4,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import { type Cascade, createCascade } from '@sieve/cascade';
import { InvalidArgumentError, InvalidConfigError, type ScorerV1 } from '@sieve/core';
import { MockScorerV1 } from '@sieve/core/test';
import { type CrossEncoder, createCrossEncoder, createRemoteScorer } from '@sieve/rerank';
import { createServer, type SieveServer } from '@sieve/server';
import { type RerankResult, rerank } from 'ai';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createSieve, type SieveRerankingMetadata, sieve } from './index.js';

const fixture = new URL('../../onnx/src/__fixtures__/tiny-bert-cross-encoder/', import.meta.url)
  .pathname;

const query = 'does aspirin prevent stroke';
const texts = [
  'Aspirin lowers the risk of stroke in adults.',
  'Statins reduce cholesterol in the blood.',
  'The Eiffel tower stands in Paris.',
  'A stroke happens when blood flow to the brain stops.',
  'Aspirin thins the blood.',
  'Paris is the capital of France.',
];

/** Sieve's own ranking: one `doScore` over the texts, best first, ties in input order. */
async function ownRanking(
  scorer: ScorerV1,
  values: readonly string[],
): Promise<Array<{ index: number; score: number }>> {
  const { scores } = await scorer.doScore({
    query,
    documents: values.map((text, index) => ({ id: String(index), text })),
  });
  return scores
    .map((score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
}

/** Asserts that `rerank()`'s result is `expected`, cut to its length: order, indices, scores. */
function expectRanking<Document>(
  result: RerankResult<Document>,
  documents: readonly Document[],
  expected: ReadonlyArray<{ index: number; score: number }>,
): void {
  expect(result.ranking.map((entry) => entry.originalIndex)).toEqual(
    expected.map((entry) => entry.index),
  );
  result.ranking.forEach((entry, position) => {
    expect(Math.abs(entry.score - expected[position]!.score)).toBeLessThan(1e-6);
    expect(entry.document).toBe(documents[entry.originalIndex]);
  });
  expect(result.rerankedDocuments).toEqual(expected.map((entry) => documents[entry.index]));
  expect(result.originalDocuments).toEqual(documents);
}

const metadataOf = (result: { providerMetadata?: unknown }): SieveRerankingMetadata =>
  (result.providerMetadata as { sieve: SieveRerankingMetadata }).sieve;

describe('sieve.reranking with the AI SDK rerank()', () => {
  let reranker: CrossEncoder;
  let server: SieveServer;
  let url: string;
  let cascade: Cascade;

  beforeAll(async () => {
    reranker = await createCrossEncoder({
      model: fixture,
      dtype: 'fp32',
      workers: 1,
      stageId: 'rerank',
    });
    server = createServer({ reranker, warmUp: false });
    ({ url } = await server.listen({ port: 0 }));
  });
  afterAll(async () => {
    await server?.close();
    await reranker?.dispose();
  });

  it('a cross-encoder: the order, indices, scores and documents are its own, cut to topN', async () => {
    const documents = [...texts];
    const expected = await ownRanking(reranker, texts);
    const model = sieve.reranking(reranker);
    expect(model).toMatchObject({
      specificationVersion: 'v4',
      provider: 'sieve',
      modelId: reranker.modelId,
    });
    const result = await rerank({ model, query, documents, topN: 3 });
    expectRanking(result, documents, expected.slice(0, 3));
    expect(metadataOf(result).scores).toEqual(
      result.ranking.map((entry) => ({ rerank: entry.score })),
    );
    expect(result.response.modelId).toBe(reranker.modelId);
    expect(documents).toEqual(texts);

    const all = await rerank({ model, query, documents });
    expectRanking(all, documents, expected);
    // topN past the number of documents returns them all.
    expect((await rerank({ model, query, documents, topN: 99 })).ranking).toHaveLength(6);
  });

  it('object documents through documentText (the model\u2019s or the provider\u2019s)', async () => {
    const documents = texts.map((text, index) => ({ id: `d${index}`, text }));
    const expected = await ownRanking(reranker, texts);
    const documentText = (document: { text?: unknown }) => String(document.text);
    for (const model of [
      sieve.reranking(reranker, { documentText }),
      createSieve({ documentText }).reranking(reranker),
      createSieve({ documentText: () => 'ignored' }).reranking(reranker, { documentText }),
    ]) {
      const result = await rerank({ model, query, documents, topN: 4 });
      expectRanking(result, documents, expected.slice(0, 4));
    }
  });

  it('a cascade: its final ranking and every stage score, modelId "cascade"', async () => {
    const prefilter = new MockScorerV1({
      stageId: 'prefilter',
      score: (_query, document) => -document.text.length,
    });
    cascade = createCascade({
      retrievers: [],
      stages: [
        { scorer: prefilter, topK: 4 },
        { scorer: reranker, topK: 4 },
      ],
      topK: 4,
    });
    // The prefilter keeps the four shortest texts; the cross-encoder ranks those.
    const survivors = texts
      .map((text, index) => ({ text, index }))
      .sort((a, b) => a.text.length - b.text.length || a.index - b.index)
      .slice(0, 4)
      .map((entry) => entry.index);
    const own = await ownRanking(
      reranker,
      survivors.map((index) => texts[index]!),
    );
    const expected = own.map((entry) => ({ index: survivors[entry.index]!, score: entry.score }));

    const model = sieve.reranking(cascade);
    expect(model.modelId).toBe('cascade');
    const result = await rerank({ model, query, documents: texts, topN: 3 });
    expectRanking(result, texts, expected.slice(0, 3));
    metadataOf(result).scores.forEach((scores, position) => {
      const entry = result.ranking[position]!;
      // As the cascade reports them (it also gives passed candidates a `retrieval` score).
      expect(scores).toMatchObject({
        prefilter: -texts[entry.originalIndex]!.length,
        rerank: entry.score,
      });
    });
    // Without topN, the cascade's own topK.
    expect((await rerank({ model, query, documents: texts })).ranking).toHaveLength(4);
  });

  it('a remote scorer on sieve serve (TEI): its own ranking, the in-process one within 1e-5', async () => {
    const remote = createRemoteScorer({ url, protocol: 'tei', stageId: 'remote-rerank' });
    const expected = await ownRanking(remote, texts);
    const local = await ownRanking(reranker, texts);
    const model = sieve.reranking(remote);
    expect(model.modelId).toBe(remote.modelId);
    const result = await rerank({ model, query, documents: texts, topN: 5 });
    expectRanking(result, texts, expected.slice(0, 5));
    result.ranking.forEach((entry, position) => {
      expect(entry.originalIndex).toBe(local[position]!.index);
      expect(Math.abs(entry.score - local[position]!.score)).toBeLessThan(1e-5);
    });
    expect(metadataOf(result).scores[0]).toEqual({ 'remote-rerank': result.ranking[0]!.score });
  });

  it('abortSignal: an aborted call rejects with the signal\u2019s reason', async () => {
    const reason = new DOMException('stop', 'AbortError');
    await expect(
      rerank({
        model: sieve.reranking(reranker),
        query,
        documents: texts,
        abortSignal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);

    // Aborted while the scorer works: no retry, the call rejects at once.
    const slow = new MockScorerV1({ delayMs: 10_000 });
    const controller = new AbortController();
    const call = rerank({
      model: sieve.reranking(slow),
      query,
      documents: texts,
      abortSignal: controller.signal,
    });
    setTimeout(() => controller.abort(reason), 20);
    await expect(call).rejects.toBe(reason);
    expect(slow.calls).toHaveLength(1);
  });

  it('the reranker itself is disposed by its owner, not by the model', async () => {
    // Making models is cheap and holds nothing: the cross-encoder still answers.
    for (let index = 0; index < 3; index++) sieve.reranking(reranker);
    expect(
      (await rerank({ model: sieve(reranker), query, documents: texts })).ranking,
    ).toHaveLength(6);
  });
});

describe('bad input', () => {
  const scorer = new MockScorerV1({ stageId: 'words' });
  const model = sieve.reranking(scorer);

  it('no documents: rerank() answers an empty ranking without calling the model', async () => {
    const result = await rerank({ model, query, documents: [] });
    expect(result.ranking).toEqual([]);
    expect(result.rerankedDocuments).toEqual([]);
    expect(scorer.calls).toHaveLength(0);
    // Called directly, the model answers the same.
    expect(
      (await model.doRerank({ query, documents: { type: 'text', values: [] } })).ranking,
    ).toEqual([]);
  });

  it('object documents without documentText: the AI SDK\u2019s UnsupportedFunctionalityError', async () => {
    const error = await rerank({ model, query, documents: [{ text: 'a' }], maxRetries: 0 }).catch(
      (caught: unknown) => caught,
    );
    expect(UnsupportedFunctionalityError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/documentText/);
    expect(scorer.calls).toHaveLength(0);
  });

  it('a non-string document, an empty query, a bad topN: the AI SDK\u2019s InvalidArgumentError', async () => {
    const cases = [
      {
        call: { query, documents: ['a', 5 as unknown as string, 'c'] },
        argument: 'documents[1]',
        message: /documents\[1\] must be a string/,
      },
      { call: { query: ' ', documents: ['a'] }, argument: 'query', message: /query is empty/ },
      { call: { query, documents: ['a'], topN: 0 }, argument: 'topN', message: /topN must be/ },
      {
        call: { query, documents: ['a'], topN: 1.5 },
        argument: 'topN',
        message: /topN must be/,
      },
    ];
    for (const { call, argument, message } of cases) {
      const error = await rerank({ model, ...call }).catch((caught: unknown) => caught);
      expect(AiInvalidArgumentError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ argument });
      expect((error as Error).message).toMatch(message);
      expect(InvalidArgumentError.isInstance((error as Error).cause)).toBe(true);
    }
    // A documentText that does not return a string names the document.
    const error = await rerank({
      model: sieve.reranking(scorer, { documentText: (document) => document.text as string }),
      query,
      documents: [{ text: 'a' }, { body: 'b' }],
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ argument: 'documents[1]' });
    expect(scorer.calls).toHaveLength(0);
  });

  it('a scorer\u2019s own failure is passed on unchanged', async () => {
    const failure = new Error('boom');
    const broken = new MockScorerV1({
      override: () => {
        throw failure;
      },
    });
    await expect(
      rerank({ model: sieve.reranking(broken), query, documents: ['a'], maxRetries: 0 }),
    ).rejects.toBe(failure);
  });

  it('bad settings: InvalidConfigError, once, when the provider or model is made', () => {
    const configError = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const notARanker = configError(() => sieve.reranking({} as unknown as ScorerV1));
    expect(InvalidConfigError.isInstance(notARanker)).toBe(true);
    expect((notARanker as Error).message).toMatch(/ScorerV1.*Cascade/);
    for (const make of [
      () => createSieve({ documentText: 'text' as unknown as () => string }),
      () => createSieve({ unknown: true } as never),
      () => sieve.reranking(scorer, { modelId: '' }),
      () => sieve.reranking(scorer, { documentText: 1 as never }),
    ]) {
      expect(InvalidConfigError.isInstance(configError(make))).toBe(true);
    }
  });
});

describe('the model object', () => {
  const scorer = new MockScorerV1({ stageId: 'words', modelId: 'word-count' });

  it('is a RerankingModelV4 of the installed @ai-sdk/provider', () => {
    const model = sieve.reranking(scorer);
    expectTypeOf(model).toExtend<RerankingModelV4>();
    expect(model.modelId).toBe('word-count');
    expect(sieve.rerankingModel(scorer, { modelId: 'mine' }).modelId).toBe('mine');
    expect(model.ranker).toBe(scorer);
  });

  it('doRerank: JSON provider metadata, a warning for headers it cannot send', async () => {
    const model = sieve.reranking(scorer);
    const result = await model.doRerank({
      query: 'aspirin stroke',
      documents: { type: 'text', values: ['nothing', 'aspirin', 'aspirin stroke'] },
      topN: 2,
      headers: { 'x-tenant': 'a' },
    });
    expect(result.ranking).toEqual([
      { index: 2, relevanceScore: 2 },
      { index: 1, relevanceScore: 1 },
    ]);
    expect(JSON.parse(JSON.stringify(result.providerMetadata))).toEqual({
      sieve: { scores: [{ words: 2 }, { words: 1 }] },
    });
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'unsupported', feature: 'headers' }),
    ]);
    const quiet = await model.doRerank({
      query: 'aspirin',
      documents: { type: 'text', values: ['aspirin'] },
    });
    expect(quiet.warnings).toBeUndefined();
  });
});
