export {
  createServer,
  deadlineExceededHeader,
  deadlineHeader,
  type ListenOptions,
  type SieveServer,
} from './create-server.js';
export type { HttpErrorCode } from './http-error.js';
export { buildOpenApiDocument } from './openapi.js';
export {
  type BatcherScores,
  createPairBatcher,
  type PairBatcher,
  type PairBatcherCallOptions,
  type PairBatcherSettings,
  type PairBatcherStats,
  type PairScorer,
  type ScoredPair,
} from './pair-batcher.js';
export {
  type ResolvedServerSettings,
  type ServedReranker,
  type ServerSettings,
  serverSettingsSchema,
} from './server-settings.js';
export {
  type CohereV1RerankRequest,
  type CohereV2RerankRequest,
  cohereV1RerankRequestSchema,
  cohereV2RerankRequestSchema,
  type SearchRequest,
  searchRequestSchema,
  type TeiRerankRequest,
  teiRerankRequestSchema,
} from './wire-schemas.js';
