import { createCascade } from '@sieve/cascade';
import { type CrossEncoder, createCrossEncoder, createRemoteScorer } from '@sieve/rerank';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type SieveServer } from './create-server.js';

const fixture = new URL('../../onnx/src/__fixtures__/tiny-bert-cross-encoder/', import.meta.url)
  .pathname;

const documents = [
  'Aspirin lowers the risk of stroke in adults.',
  'Statins reduce cholesterol in the blood.',
  'The Eiffel tower stands in Paris.',
  'A stroke happens when blood flow to the brain stops.',
  'Aspirin thins the blood.',
].map((text, index) => ({ id: `d${index}`, text }));
const query = 'does aspirin prevent stroke';

describe('createRemoteScorer through sieve serve on loopback', () => {
  let reranker: CrossEncoder;
  let server: SieveServer;
  let url: string;

  beforeAll(async () => {
    reranker = await createCrossEncoder({ model: fixture, dtype: 'fp32', workers: 1 });
    server = createServer({ reranker, warmUp: false });
    ({ url } = await server.listen({ port: 0 }));
  });
  afterAll(async () => {
    await server?.close();
    await reranker?.dispose();
  });

  for (const protocol of ['tei', 'cohere'] as const) {
    it(`${protocol}: scores equal the in-process cross-encoder's (fp32, 1e-5)`, async () => {
      // Two documents per request: the remote scorer splits and reassembles.
      const remote = createRemoteScorer({ url, protocol, maxDocumentsPerRequest: 2 });
      const [local, over] = await Promise.all([
        reranker.doScore({ query, documents }),
        remote.doScore({ query, documents }),
      ]);
      expect(over.scores).toHaveLength(documents.length);
      over.scores.forEach((score, index) => {
        expect(Math.abs(score - local.scores[index]!)).toBeLessThan(1e-5);
      });
    });
  }

  it('a cascade stage on the remote scorer ranks as the local one does', async () => {
    const remote = createRemoteScorer({ url, protocol: 'tei', stageId: 'rerank' });
    const candidates = documents.map((document) => ({ ...document }));
    const run = (scorer: typeof remote | CrossEncoder) =>
      createCascade({ retrievers: [], stages: [{ scorer, topK: 3 }], topK: 3 }).search({
        query,
        candidates,
      });
    const [local, over] = await Promise.all([run(reranker), run(remote)]);
    expect(over.candidates.map((candidate) => candidate.id)).toEqual(
      local.candidates.map((candidate) => candidate.id),
    );
  });
});
