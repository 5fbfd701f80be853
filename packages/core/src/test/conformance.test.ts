import { describeEmbedderConformance } from './describe-embedder-conformance.js';
import { describeRetrieverConformance } from './describe-retriever-conformance.js';
import { describeScorerConformance } from './describe-scorer-conformance.js';
import { MockEmbedderV1 } from './mock-embedder-v1.js';
import { MockRetrieverV1 } from './mock-retriever-v1.js';
import { MockScorerV1 } from './mock-scorer-v1.js';

// The mocks must keep the contracts they stand in for.
describeScorerConformance('MockScorerV1', { create: () => new MockScorerV1({ tokensPerPair: 7 }) });

describeRetrieverConformance('MockRetrieverV1 (word overlap)', {
  create: (corpus) => {
    const scorer = new MockScorerV1();
    return new MockRetrieverV1({
      results: async (query) => {
        const { scores } = await scorer.doScore({ query, documents: corpus });
        return corpus
          .map((document, index) => ({ id: document.id, score: scores[index]! }))
          .filter((candidate) => candidate.score > 0);
      },
    });
  },
});

describeEmbedderConformance('MockEmbedderV1', {
  create: () => new MockEmbedderV1({ dimensions: 24 }),
});
