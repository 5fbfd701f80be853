import { describe, expect, it } from 'vitest';
import { StageError } from '../errors/stage-error.js';
import { fuseSources } from '../fusion.js';
import type { RetrieverV1 } from '../spec/retriever-v1.js';
import { MockRetrieverV1 } from '../test/mock-retriever-v1.js';
import { retrievalSourcesSchema } from './retrieval-source.js';
import { retrieveFromSources } from './retrieve-from-sources.js';

const quick = new MockRetrieverV1({
  stageId: 'quick',
  results: [
    { id: 'a', score: 3 },
    { id: 'b', score: 1 },
  ],
});
const slow = new MockRetrieverV1({
  stageId: 'slow',
  results: [{ id: 'c', score: 1 }],
  delayMs: 500,
});

describe('retrieveFromSources and fuseSources', () => {
  it('normalises retriever entries: one, many, weighted', () => {
    expect(retrievalSourcesSchema.parse(quick)).toEqual([{ retriever: quick, weight: 1 }]);
    expect(retrievalSourcesSchema.parse([quick, { retriever: slow, weight: 2 }])).toEqual([
      { retriever: quick, weight: 1 },
      { retriever: slow, weight: 2 },
    ]);
    expect(retrievalSourcesSchema.parse(undefined)).toEqual([]);
    const bad = retrievalSourcesSchema.safeParse([quick, { retriever: slow, weight: 0 }]);
    expect(bad.success ? [] : bad.error.issues.map((issue) => issue.path.join('.'))).toEqual(['1']);
  });

  it('keeps what answered when an abort is a deadline, and fuses only that', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('deadline')), 50);
    const answers = await retrieveFromSources({
      sources: [
        { retriever: quick, weight: 1 },
        { retriever: slow, weight: 1 },
      ],
      query: 'q',
      topK: 5,
      abortSignal: controller.signal,
      keepAnswered: () => true,
      component: 'test',
    });
    expect(answers.map((answer) => answer.candidates?.length)).toEqual([2, undefined]);
    const fused = fuseSources(
      answers.map(({ source, candidates }) => ({
        stageId: source.retriever.stageId,
        candidates,
        weight: source.weight,
      })),
      { type: 'rrf', k: 60 },
    );
    // One source answered: its own scores are kept, with its ranks.
    expect(fused).toEqual([
      { id: 'a', score: 3, sources: { quick: { score: 3, rank: 0 } } },
      { id: 'b', score: 1, sources: { quick: { score: 1, rank: 1 } } },
    ]);
  });

  it("rejects with the caller's reason on a plain abort", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 20);
    await expect(
      retrieveFromSources({
        sources: [{ retriever: slow, weight: 1 }],
        query: 'q',
        topK: 5,
        abortSignal: controller.signal,
        component: 'test',
      }),
    ).rejects.toThrow('caller gave up');
  });

  it('turns a failing or malformed retriever into a StageError naming it', async () => {
    const broken: RetrieverV1 = {
      specificationVersion: 'v1',
      stageId: 'broken',
      doRetrieve: async () => [{ id: 'x', score: Number.NaN }],
    };
    const error = await retrieveFromSources({
      sources: [{ retriever: broken, weight: 1 }],
      query: 'q',
      topK: 5,
      component: 'test',
    }).catch((caught: unknown) => caught);
    expect(StageError.isInstance(error)).toBe(true);
    expect((error as StageError).stageId).toBe('broken');
    expect((error as StageError).message).toContain("non-numeric score for 'x'");
  });
});
