export {
  createSieve,
  type SieveProvider,
  type SieveProviderSettings,
  sieve,
  sieveProviderSettingsSchema,
} from './sieve-provider.js';
export {
  type DocumentText,
  type SieveRerankingMetadata,
  type SieveRerankingModel,
  type SieveRerankingModelSettings,
  sieveRerankingModelSettingsSchema,
} from './sieve-reranking-model.js';
