import { fuseReciprocalRank, type SieveDocument } from '@sieve/core';
import { MockRetrieverV1 } from '@sieve/core/test';
import { createHybridRetriever } from '@sieve/retrieval';
import { describe, expect, it } from 'vitest';
import { createCascade } from './index.js';

const documents: SieveDocument[] = ['a', 'b', 'c', 'd', 'e'].map((id) => ({
  id,
  text: `text ${id}`,
}));
const byId = new Map(documents.map((document) => [document.id, document]));
const lexical = () =>
  new MockRetrieverV1({
    stageId: 'bm25',
    results: [
      { id: 'a', score: 9 },
      { id: 'b', score: 7 },
      { id: 'c', score: 5 },
    ],
  });
const dense = () =>
  new MockRetrieverV1({
    stageId: 'dense',
    results: [
      { id: 'c', score: 0.9 },
      { id: 'd', score: 0.8 },
      { id: 'a', score: 0.1 },
    ],
  });

describe('the retrieval stage', () => {
  it('carries the fused ranking with each source score and rank, so nothing re-runs retrieval', async () => {
    const retrievers = [lexical(), dense()];
    const cascade = createCascade({
      retrievers,
      getDocuments: (ids) => ids.map((id) => byId.get(id)),
      topK: 2,
    });
    const result = await cascade.search({ query: 'q' });
    const expected = fuseReciprocalRank(
      [
        { candidates: await lexical().doRetrieve({ query: 'q', topK: 100 }), weight: 1 },
        { candidates: await dense().doRetrieve({ query: 'q', topK: 100 }), weight: 1 },
      ],
      60,
    );
    expect(result.retrieval?.map(({ id, score }) => ({ id, score }))).toEqual(expected);
    expect(result.retrieval?.find((candidate) => candidate.id === 'a')?.sources).toEqual({
      bm25: { score: 9, rank: 0 },
      dense: { score: 0.1, rank: 2 },
    });
    expect(result.retrieval?.find((candidate) => candidate.id === 'd')?.sources).toEqual({
      dense: { score: 0.8, rank: 1 },
    });
    // Each retriever ran once: the result, not a second retrieval, holds its ranking.
    expect(retrievers.map((retriever) => retriever.calls.length)).toEqual([1, 1]);
    expect(result.candidates.map((candidate) => candidate.id)).toEqual(
      expected.slice(0, 2).map((candidate) => candidate.id),
    );
  });

  it('is the same fan-out and fusion as the hybrid retriever', async () => {
    const cascade = createCascade({ retrievers: [lexical(), dense()], retrievalTopK: 6, topK: 4 });
    const hybrid = createHybridRetriever({ retrievers: [lexical(), dense()], depthFactor: 1.5 });
    const fromCascade = await cascade.search({ query: 'q', topK: 4 });
    const fromHybrid = await hybrid.doRetrieve({ query: 'q', topK: 4 });
    expect(fromCascade.candidates.map(({ id, score }) => ({ id, score }))).toEqual(fromHybrid);
  });

  it('reports retrievers with their own report type, without pair counters', async () => {
    const cascade = createCascade({ retrievers: [lexical(), dense()] });
    const { reports } = await cascade.search({ query: 'q' });
    expect(reports).toHaveLength(2);
    for (const report of reports) {
      expect(report.kind).toBe('retrieval');
      expect(Object.keys(report).sort()).toEqual(
        ['inputCount', 'kind', 'outputCount', 'stageId', 'stopReason', 'wallMs'].sort(),
      );
    }
  });

  it('has no retrieval ranking when the call passes candidates', async () => {
    const cascade = createCascade({ topK: 2 });
    const result = await cascade.search({ query: 'q', candidates: documents });
    expect(result.retrieval).toBeUndefined();
    expect(result.candidates).toHaveLength(2);
  });
});
