// The one document -> text function lives in core (the cascade's scoring stages use it too).
export { documentContents } from '@sieve/core';
export {
  type Analyzer,
  type AnalyzerSettings,
  analyzerSettingsSchema,
  createAnalyzer,
  englishStopWords,
} from './bm25/analyzer.js';
export {
  type Bm25Retriever,
  type Bm25RetrieverSettings,
  bm25RetrieverSettingsSchema,
  createBm25Retriever,
  loadBm25Retriever,
} from './bm25/bm25-retriever.js';
export { type BeirDataset, loadBeirDataset } from './datasets/load-beir-dataset.js';
export {
  createDenseRetriever,
  type DenseRetriever,
  type DenseRetrieverSettings,
  denseRetrieverSettingsSchema,
  loadDenseRetriever,
} from './dense/dense-retriever.js';
export type { HnswIndex, HnswLib } from './dense/hnswlib.js';
export {
  createHybridRetriever,
  type HybridRetrieverSettings,
  hybridRetrieverSettingsSchema,
} from './hybrid/hybrid-retriever.js';
export {
  createMemoryDocumentStore,
  type DocumentStore,
  loadMemoryDocumentStore,
  type MemoryDocumentStore,
} from './store/memory-document-store.js';
