export { assertDocuments, assertQuery, assertTopK, describeType } from './assert-arguments.js';
export { documentContents } from './document-contents.js';
export { DeadlineExceededError } from './errors/deadline-exceeded-error.js';
export { DependencyLoadError } from './errors/dependency-load-error.js';
export { IndexFormatError } from './errors/index-format-error.js';
export { InvalidArgumentError } from './errors/invalid-argument-error.js';
export { type ConfigIssue, InvalidConfigError } from './errors/invalid-config-error.js';
export { ModelLoadError } from './errors/model-load-error.js';
export { OverloadedError } from './errors/overloaded-error.js';
export { RemoteCallError } from './errors/remote-call-error.js';
export { SieveError, type SieveErrorCode, type SieveErrorOptions } from './errors/sieve-error.js';
export { StageError } from './errors/stage-error.js';
export {
  type Judgments,
  mrrAtK,
  ndcgAtK,
  recallAtK,
} from './evaluation/ranking-metrics.js';
export { formatTable } from './format/format-table.js';
export {
  type FusedCandidate,
  type FusedRetrievalCandidate,
  type FusionInput,
  type FusionSettings,
  fuse,
  fuseReciprocalRank,
  fuseSources,
  fuseWeighted,
  fusionSettingsSchema,
  type SourceScore,
} from './fusion.js';
export { createLazyImport, type LazyImportOptions } from './lazy-import.js';
export {
  createEventLoopLagMonitor,
  type EventLoopLagMonitor,
  type EventLoopLagSummary,
} from './measurement/event-loop-lag-monitor.js';
export {
  addInferenceTimings,
  createInferenceTimings,
  formatInferenceTimings,
  type InferenceTimings,
  inferenceTimingPhases,
} from './measurement/inference-timings.js';
export {
  createLatencyHistogram,
  type LatencyHistogram,
  type LatencyHistogramSettings,
  type LatencySummary,
} from './measurement/latency-histogram.js';
export {
  createResourceSampler,
  type ResourceSampler,
  type ResourceUsageSummary,
} from './measurement/resource-sampler.js';
export { monotonicNow, startTimer } from './measurement/timer.js';
export { parseSettings } from './parse-settings.js';
export { raceAbort } from './race-abort.js';
export {
  isRetriever,
  type RetrievalSource,
  type RetrievalSourceInput,
  retrievalSourceSchema,
  retrievalSourcesSchema,
} from './retrieval/retrieval-source.js';
export {
  type RetrieveFromSourcesOptions,
  retrieveFromSources,
  type SourceRetrieval,
} from './retrieval/retrieve-from-sources.js';
export type { GetDocuments, SieveDocument } from './sieve-document.js';
export type {
  EmbedderV1,
  EmbedderV1CallOptions,
  EmbedderV1Result,
} from './spec/embedder-v1.js';
export type {
  RetrievedCandidate,
  RetrieverV1,
  RetrieverV1CallOptions,
} from './spec/retriever-v1.js';
export type {
  ScorerV1,
  ScorerV1CallOptions,
  ScorerV1Document,
  ScorerV1Result,
} from './spec/scorer-v1.js';
