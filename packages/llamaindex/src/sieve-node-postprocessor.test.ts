// Through LlamaIndex's own pipeline object: a RetrieverQueryEngine whose nodePostprocessors hold
// the Sieve postprocessor. Its answer step needs an LLM; LlamaIndex's MockLLM stands in, so the
// engine runs end to end without one. The tiny fixture cross-encoder's scores mean nothing: the
// tests compare with what Sieve itself computes on the same texts.
import { MockLLM } from '@llamaindex/core/llms/mock';
import { RetrieverQueryEngine } from '@llamaindex/core/query-engine';
import { getResponseSynthesizer } from '@llamaindex/core/response-synthesizers';
import { BaseRetriever } from '@llamaindex/core/retriever';
import { MetadataMode, type NodeWithScore, TextNode } from '@llamaindex/core/schema';
import { createCascade } from '@sieve/cascade';
import { InvalidArgumentError, InvalidConfigError } from '@sieve/core';
import { type CrossEncoder, createCrossEncoder, createRemoteScorer } from '@sieve/rerank';
import { createServer, type SieveServer } from '@sieve/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossEncoderSettings } from './__fixtures__/cross-encoder-settings.js';
import { createSieveNodePostprocessor } from './sieve-node-postprocessor.js';
import type { SieveNodeWithScore } from './sieve-node-with-score.js';

const query = 'does aspirin prevent stroke';
const nodes = [
  'The Eiffel tower stands in Paris.',
  'Aspirin lowers the risk of stroke in adults.',
  'Statins reduce cholesterol in the blood.',
  'A stroke happens when blood flow to the brain stops.',
  'Aspirin thins the blood.',
].map(
  (text, index) =>
    new TextNode({ id_: `n${index}`, text, metadata: { source: `page-${index}.txt` } }),
);

/** What a vector retriever would hand on: the nodes in its order, with its own scores. */
class FixedRetriever extends BaseRetriever {
  // BaseRetriever's constructor is protected; a subclass makes its own public.
  // biome-ignore lint/complexity/noUselessConstructor: it changes the visibility
  constructor() {
    super();
  }

  async _retrieve(): Promise<NodeWithScore[]> {
    return nodes.map((node, index) => ({ node, score: 1 - index / 10 }));
  }
}

/** A query engine as LlamaIndex users build one; MockLLM answers, so no LLM is needed. */
const queryEngine = (postprocessor: ReturnType<typeof createSieveNodePostprocessor>) =>
  new RetrieverQueryEngine(
    new FixedRetriever(),
    getResponseSynthesizer('compact', { llm: new MockLLM({ timeBetweenToken: 0 }) }),
    [postprocessor],
  );

/** Sieve's own ranking of texts: one doScore call, sorted best first (ties in input order). */
async function expectedRanking(scorer: CrossEncoder, texts: readonly string[]) {
  const { scores } = await scorer.doScore({
    query,
    documents: texts.map((text, index) => ({ id: String(index), text })),
  });
  return scores
    .map((score, index) => ({ index, score }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
}

function expectSameRanking(
  actual: readonly NodeWithScore[],
  expected: ReadonlyArray<{ index: number; score: number }>,
): void {
  expect(actual.map((entry) => entry.node.id_)).toEqual(expected.map(({ index }) => `n${index}`));
  actual.forEach((entry, rank) => {
    expect(Math.abs(entry.score! - expected[rank]!.score)).toBeLessThan(1e-6);
  });
}

const texts = nodes.map((node) => node.getContent(MetadataMode.NONE));
/** The caller's nodes as data, to show that nothing changed them. */
const snapshot = (entries: readonly NodeWithScore[]): string =>
  JSON.stringify(entries.map((entry) => ({ ...entry, node: entry.node.toJSON() })));

describe('createSieveNodePostprocessor in a LlamaIndex RetrieverQueryEngine', () => {
  let reranker: CrossEncoder;
  let server: SieveServer;
  let url: string;

  beforeAll(async () => {
    reranker = await createCrossEncoder(crossEncoderSettings);
    server = createServer({ reranker, warmUp: false });
    ({ url } = await server.listen({ port: 0 }));
  });
  afterAll(async () => {
    await server?.close();
    await reranker?.dispose();
  });

  it("a cross-encoder: the engine's nodes come in Sieve's order with Sieve's scores (1e-6)", async () => {
    const engine = queryEngine(createSieveNodePostprocessor({ ranker: reranker }));
    const expected = await expectedRanking(reranker, texts);
    const retrieved = (await engine.retrieve(query)) as SieveNodeWithScore[];
    expectSameRanking(retrieved, expected);
    for (const entry of retrieved) expect(entry.scores).toEqual({ rerank: entry.score });
    // The whole query path too: the answer's source nodes are the reranked nodes.
    const response = await engine.query({ query });
    expect(response.message.content).toBe('This is a mock response');
    expectSameRanking(response.sourceNodes ?? [], expected);
  });

  it('cuts to topN', async () => {
    const engine = queryEngine(createSieveNodePostprocessor({ ranker: reranker, topN: 2 }));
    const expected = await expectedRanking(reranker, texts);
    expectSameRanking(await engine.retrieve(query), expected.slice(0, 2));
  });

  it("a cascade: its stages rank the nodes; scores are each stage's, as doScore gives them", async () => {
    const prefilter = await createCrossEncoder({ ...crossEncoderSettings, stageId: 'prefilter' });
    try {
      const cascade = createCascade({
        retrievers: [],
        stages: [
          { scorer: prefilter, topK: 4 },
          { scorer: reranker, topK: 3 },
        ],
        topK: 3,
      });
      const engine = queryEngine(createSieveNodePostprocessor({ ranker: cascade }));
      const expected = await expectedRanking(reranker, texts);
      // The prefilter is the same model: it keeps the reranker's best 4, of which 3 remain.
      const retrieved = (await engine.retrieve(query)) as SieveNodeWithScore[];
      expectSameRanking(retrieved, expected.slice(0, 3));
      retrieved.forEach((entry) => {
        expect(Object.keys(entry.scores).sort()).toEqual(['prefilter', 'rerank', 'retrieval']);
        expect(Math.abs(entry.scores.prefilter! - entry.score)).toBeLessThan(1e-6);
      });
    } finally {
      await prefilter.dispose();
    }
  });

  it('a remote scorer over sieve serve (TEI protocol) ranks as the in-process cross-encoder', async () => {
    const remote = createRemoteScorer({ url, protocol: 'tei', stageId: 'rerank' });
    const engine = queryEngine(createSieveNodePostprocessor({ ranker: remote }));
    const expected = await expectedRanking(reranker, texts);
    expectSameRanking(await engine.retrieve(query), expected);
  });

  it("returns new wrappers around the caller's nodes and changes neither", async () => {
    const postprocessor = createSieveNodePostprocessor({ ranker: reranker, topN: 3 });
    const entries = nodes.map((node) => ({ node, score: 0.5 }));
    const before = snapshot(entries);
    const result = await postprocessor.postprocessNodes(entries, query);
    expect(snapshot(entries)).toBe(before);
    for (const entry of result) {
      expect(entries).not.toContain(entry);
      expect(nodes).toContain(entry.node);
      expect(entry.node.metadata).not.toHaveProperty('scores');
    }
  });

  it('reads a multi-modal query as LlamaIndex does: its text parts', async () => {
    const postprocessor = createSieveNodePostprocessor({ ranker: reranker });
    const entries = nodes.map((node) => ({ node }));
    const multiModal = await postprocessor.postprocessNodes(entries, [
      { type: 'text', text: query },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
    ]);
    const plain = await postprocessor.postprocessNodes(entries, query);
    expect(multiModal).toEqual(plain);
  });

  it("reads getContent(metadataMode): NONE by default, CohereRerank's ALL on request", async () => {
    const postprocessor = createSieveNodePostprocessor({
      ranker: reranker,
      metadataMode: MetadataMode.ALL,
    });
    const withMetadata = nodes.map((node) => node.getContent(MetadataMode.ALL));
    expect(withMetadata[0]).toBe('source: page-0.txt\n\nThe Eiffel tower stands in Paris.');
    const result = await postprocessor.postprocessNodes(
      nodes.map((node) => ({ node })),
      query,
    );
    expectSameRanking(result, await expectedRanking(reranker, withMetadata));
  });

  describe('bad input', () => {
    const postprocessor = () => createSieveNodePostprocessor({ ranker: reranker });
    const entries = nodes.map((node) => ({ node }));

    it('no nodes give no nodes, with or without a query (as CohereRerank)', async () => {
      await expect(postprocessor().postprocessNodes([], query)).resolves.toEqual([]);
      await expect(postprocessor().postprocessNodes([])).resolves.toEqual([]);
    });

    it('a missing, empty or text-less query is an InvalidArgumentError', async () => {
      for (const bad of [undefined, '', '   ', [{ type: 'image_url', image_url: { url: 'x' } }]]) {
        const error = await postprocessor()
          .postprocessNodes(entries, bad as string)
          .catch((caught: unknown) => caught);
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        expect((error as InvalidArgumentError).argument).toBe('query');
        expect((error as Error).message).toMatch(/^\[llamaindex\] query/);
      }
    });

    it('an entry that is not a LlamaIndex node, or a node whose text is not a string, is named', async () => {
      const textless = new TextNode({ id_: 'broken', text: 'x' });
      (textless as { text: unknown }).text = undefined;
      const cases: Array<[unknown[], string, RegExp]> = [
        [[entries[0], { node: { text: 'plain object' } }], 'nodes[1]', /LlamaIndex node/],
        [[entries[0], null], 'nodes[1]', /got null/],
        [[{ node: textless }], 'nodes[0].node.text', /node 'broken'.*no text/],
      ];
      for (const [bad, argument, message] of cases) {
        const error = await postprocessor()
          .postprocessNodes(bad as NodeWithScore[], query)
          .catch((caught: unknown) => caught);
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        expect((error as InvalidArgumentError).argument).toBe(argument);
        expect((error as Error).message).toMatch(message);
      }
    });

    it("an empty text is ranked by its score, as CohereRerank sends it (LlamaIndex's behaviour)", async () => {
      const empty = new TextNode({ id_: 'empty', text: '' });
      const result = await postprocessor().postprocessNodes([...entries, { node: empty }], query);
      const expected = await expectedRanking(reranker, [...texts, '']);
      expect(result.map((entry) => entry.node.id_)).toEqual(
        expected.map(({ index }) => (index === nodes.length ? 'empty' : `n${index}`)),
      );
      expect(result.find((entry) => entry.node.id_ === 'empty')?.score).toBeCloseTo(
        expected.find(({ index }) => index === nodes.length)!.score,
        6,
      );
    });

    it('bad settings are one InvalidConfigError at creation', () => {
      for (const bad of [
        {},
        { ranker: {} },
        { ranker: reranker, topN: 0 },
        { ranker: reranker, topK: 3 },
        { ranker: reranker, metadataMode: 'SOME' },
      ]) {
        expect(() => createSieveNodePostprocessor(bad as never)).toThrow(InvalidConfigError);
      }
    });
  });
});
