export { type PgDistance, type PgDistanceInfo, pgDistances } from './distances.js';
export {
  type EnsurePgSchemaSettings,
  ensurePgSchema,
  ensurePgSchemaSettingsSchema,
  pgSchemaColumns,
} from './ensure-pg-schema.js';
export { PgSchemaError, type PgSchemaProblem } from './errors/pg-schema-error.js';
export { type PgFilter, type PgFilterValue, pgFilterSchema } from './filter.js';
export { quoteIdentifier } from './identifiers.js';
export {
  type LoadPgCorpusProgress,
  type LoadPgCorpusSettings,
  loadPgCorpus,
  loadPgCorpusSettingsSchema,
} from './load-pg-corpus.js';
export { type PgConnectionSettings, pgConnectionSettingsSchema } from './pg-connection.js';
export {
  createPgDocumentStore,
  type PgDocumentStore,
  type PgDocumentStoreSettings,
  pgDocumentStoreSettingsSchema,
} from './pg-document-store.js';
export {
  createPgTextRetriever,
  type PgTextRetriever,
  type PgTextRetrieverSettings,
  pgTextRetrieverSettingsSchema,
} from './pg-text-retriever.js';
export {
  createPgVectorRetriever,
  type PgQueryPlan,
  type PgVectorRetriever,
  type PgVectorRetrieverCallOptions,
  type PgVectorRetrieverSettings,
  pgVectorRetrieverSettingsSchema,
} from './pg-vector-retriever.js';
