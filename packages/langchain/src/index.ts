export {
  createSieveDocumentCompressor,
  type SieveDocumentCompressor,
  type SieveDocumentCompressorSettings,
  sieveDocumentCompressorSettingsSchema,
} from './sieve-document-compressor.js';
export {
  createSieveRetriever,
  type SieveRetriever,
  type SieveRetrieverSettings,
  sieveRetrieverSettingsSchema,
} from './sieve-retriever.js';
