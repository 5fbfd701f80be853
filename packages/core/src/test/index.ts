export {
  describeEmbedderConformance,
  type EmbedderConformanceOptions,
} from './describe-embedder-conformance.js';
export {
  conformanceCorpus,
  describeRetrieverConformance,
  type RetrieverConformanceOptions,
} from './describe-retriever-conformance.js';
export {
  describeScorerConformance,
  type ScorerConformanceOptions,
} from './describe-scorer-conformance.js';
export { expectInvalidArgument } from './expect-invalid-argument.js';
export { MockEmbedderV1 } from './mock-embedder-v1.js';
export { MockRetrieverV1, type MockRetrieverV1Settings } from './mock-retriever-v1.js';
export { MockScorerV1, type MockScorerV1Settings, sleep } from './mock-scorer-v1.js';
