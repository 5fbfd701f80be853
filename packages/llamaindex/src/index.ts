export {
  createSieveNodePostprocessor,
  type SieveNodePostprocessor,
  type SieveNodePostprocessorSettings,
  sieveNodePostprocessorSettingsSchema,
} from './sieve-node-postprocessor.js';
export type { SieveNodeWithScore } from './sieve-node-with-score.js';
export {
  createSieveRetriever,
  type SieveRetriever,
  type SieveRetrieverSettings,
  sieveRetrieverSettingsSchema,
} from './sieve-retriever.js';
