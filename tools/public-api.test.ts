// Each package's public surface, listed: a change to what a package exports is a visible diff
// here (update with `npx vitest run --project unit tools/public-api.test.ts -u` and review it).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Names an entry file exports (values and types), sorted; `type ` marks type-only exports. */
function exportedNames(entry: string): string[] {
  const source = readFileSync(`${root}/${entry}`, 'utf8');
  const names: string[] = [];
  for (const match of source.matchAll(/export\s+(type\s+)?\{([^}]*)\}/g)) {
    const typeOnly = match[1] !== undefined;
    for (const raw of match[2]!.split(',')) {
      const item = raw.trim();
      if (!item) continue;
      const isType = typeOnly || item.startsWith('type ');
      const name = item
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      names.push(isType ? `type ${name}` : name);
    }
  }
  for (const match of source.matchAll(
    /export\s+(?:async\s+)?(function|const|class|interface|type)\s+([A-Za-z0-9_]+)/g,
  )) {
    names.push(match[1] === 'interface' || match[1] === 'type' ? `type ${match[2]}` : match[2]!);
  }
  return names.sort((a, b) => a.replace(/^type /, '').localeCompare(b.replace(/^type /, '')));
}

describe('public surfaces', () => {
  it('@sieve/core', () => {
    expect(exportedNames('packages/core/src/index.ts')).toMatchInlineSnapshot(`
      [
        "addInferenceTimings",
        "assertDocuments",
        "assertQuery",
        "assertTopK",
        "type ConfigIssue",
        "createEventLoopLagMonitor",
        "createInferenceTimings",
        "createLatencyHistogram",
        "createLazyImport",
        "createResourceSampler",
        "DeadlineExceededError",
        "DependencyLoadError",
        "describeType",
        "documentContents",
        "type EmbedderV1",
        "type EmbedderV1CallOptions",
        "type EmbedderV1Result",
        "type EventLoopLagMonitor",
        "type EventLoopLagSummary",
        "formatInferenceTimings",
        "formatTable",
        "fuse",
        "type FusedCandidate",
        "type FusedRetrievalCandidate",
        "fuseReciprocalRank",
        "fuseSources",
        "fuseWeighted",
        "type FusionInput",
        "type FusionSettings",
        "fusionSettingsSchema",
        "type GetDocuments",
        "IndexFormatError",
        "inferenceTimingPhases",
        "type InferenceTimings",
        "InvalidArgumentError",
        "InvalidConfigError",
        "isRetriever",
        "type Judgments",
        "type LatencyHistogram",
        "type LatencyHistogramSettings",
        "type LatencySummary",
        "type LazyImportOptions",
        "ModelLoadError",
        "monotonicNow",
        "mrrAtK",
        "ndcgAtK",
        "OverloadedError",
        "parseSettings",
        "raceAbort",
        "recallAtK",
        "RemoteCallError",
        "type ResourceSampler",
        "type ResourceUsageSummary",
        "type RetrievalSource",
        "type RetrievalSourceInput",
        "retrievalSourceSchema",
        "retrievalSourcesSchema",
        "type RetrievedCandidate",
        "retrieveFromSources",
        "type RetrieveFromSourcesOptions",
        "type RetrieverV1",
        "type RetrieverV1CallOptions",
        "type ScorerV1",
        "type ScorerV1CallOptions",
        "type ScorerV1Document",
        "type ScorerV1Result",
        "type SieveDocument",
        "SieveError",
        "type SieveErrorCode",
        "type SieveErrorOptions",
        "type SourceRetrieval",
        "type SourceScore",
        "StageError",
        "startTimer",
      ]
    `);
  });
  it('@sieve/core/test', () => {
    expect(exportedNames('packages/core/src/test/index.ts')).toMatchInlineSnapshot(`
      [
        "conformanceCorpus",
        "describeEmbedderConformance",
        "describeRetrieverConformance",
        "describeScorerConformance",
        "type EmbedderConformanceOptions",
        "expectInvalidArgument",
        "MockEmbedderV1",
        "MockRetrieverV1",
        "type MockRetrieverV1Settings",
        "MockScorerV1",
        "type MockScorerV1Settings",
        "type RetrieverConformanceOptions",
        "type ScorerConformanceOptions",
        "sleep",
      ]
    `);
  });
  it('@sieve/onnx', () => {
    expect(exportedNames('packages/onnx/src/index.ts')).toMatchInlineSnapshot(`
      [
        "checkModelSettings",
        "createCachedEncoder",
        "createModelPipeline",
        "createOnnxEmbedder",
        "createTokenCache",
        "type Device",
        "deviceExecutionProviders",
        "devices",
        "type DownloadProgress",
        "type Dtype",
        "dtypeFiles",
        "dtypes",
        "type EncodedPair",
        "type EncodedRow",
        "type EngineTask",
        "hubCacheDir",
        "type HubOptions",
        "type LoadedTokenizer",
        "loadOnnxRuntime",
        "loadTokenizer",
        "type ModelConfig",
        "type ModelPipeline",
        "type ModelSettings",
        "modelSettingsSchema",
        "type ModelTaskDefinition",
        "type OnnxEmbedder",
        "type OnnxEmbedderSettings",
        "onnxEmbedderSettingsSchema",
        "type OnnxRuntime",
        "type ResolvedModel",
        "type ResolvedModelSettings",
        "type RowsOutput",
        "type RunRowsOptions",
        "sharedTokenCache",
        "type TokenCache",
        "type TokenCacheSettings",
        "type TokenCacheStats",
        "type TokenizerSource",
        "type WordPieceTokenizer",
      ]
    `);
  });
  it('@sieve/rerank', () => {
    expect(exportedNames('packages/rerank/src/index.ts')).toMatchInlineSnapshot(`
      [
        "createCrossEncoder",
        "createRemoteScorer",
        "type CrossEncoder",
        "type CrossEncoderPairsOptions",
        "type CrossEncoderSettings",
        "crossEncoderSettingsSchema",
        "type RemoteScorer",
        "type RemoteScorerSettings",
        "remoteScorerSettingsSchema",
      ]
    `);
  });
  it('@sieve/retrieval', () => {
    expect(exportedNames('packages/retrieval/src/index.ts')).toMatchInlineSnapshot(`
      [
        "type Analyzer",
        "type AnalyzerSettings",
        "analyzerSettingsSchema",
        "type BeirDataset",
        "type Bm25Retriever",
        "type Bm25RetrieverSettings",
        "bm25RetrieverSettingsSchema",
        "createAnalyzer",
        "createBm25Retriever",
        "createDenseRetriever",
        "createHybridRetriever",
        "createMemoryDocumentStore",
        "type DenseRetriever",
        "type DenseRetrieverSettings",
        "denseRetrieverSettingsSchema",
        "documentContents",
        "type DocumentStore",
        "englishStopWords",
        "type HnswIndex",
        "type HnswLib",
        "type HybridRetrieverSettings",
        "hybridRetrieverSettingsSchema",
        "loadBeirDataset",
        "loadBm25Retriever",
        "loadDenseRetriever",
        "loadMemoryDocumentStore",
        "type MemoryDocumentStore",
      ]
    `);
  });
  it('@sieve/cascade', () => {
    expect(exportedNames('packages/cascade/src/index.ts')).toMatchInlineSnapshot(`
      [
        "bounded",
        "calibrateScoreBound",
        "type CalibrateScoreBoundOptions",
        "type CalibrationSample",
        "type Cascade",
        "type CascadeCallOptions",
        "type CascadeConfig",
        "type CascadeConfigModel",
        "type CascadeConfigPruning",
        "cascadeConfigSchema",
        "type CascadeConfigStage",
        "type CascadeConfigTuned",
        "type CascadeEvent",
        "type CascadeEventListener",
        "type CascadeEventType",
        "type CascadeFromConfigOptions",
        "type CascadeInputCandidate",
        "type CascadeResult",
        "cascadeSchema",
        "type CascadeSettings",
        "cascadeSettingsSchema",
        "type CascadeStats",
        "type CascadeWarning",
        "type ConfigRetriever",
        "configRetrievers",
        "createCascade",
        "createCascadeFromConfig",
        "fitScoreBound",
        "type FitScoreBoundOptions",
        "fixedDepth",
        "formatCascadeStats",
        "formatPrometheus",
        "formatStageReports",
        "type FusedCandidate",
        "type FusedRetrievalCandidate",
        "fuseReciprocalRank",
        "fuseWeighted",
        "type FusionInput",
        "type FusionSettings",
        "isCascade",
        "linearScoreBound",
        "type LinearScoreBound",
        "patience",
        "type PrometheusOptions",
        "type PruningContext",
        "type PruningPlan",
        "type PruningPolicy",
        "type PruningProgress",
        "type RankedCandidate",
        "type RankedText",
        "rankTexts",
        "type RankTextsOptions",
        "relativeThreshold",
        "type ResolvedCascadeConfig",
        "type ResolvedCascadeSettings",
        "type RetrievalReport",
        "type ScoreBound",
        "type ScoreCutOptions",
        "scoreGap",
        "type ScorePair",
        "scorerSchema",
        "type ScoringReport",
        "scoringStageSchema",
        "type ScoringStageSettings",
        "type SourceScore",
        "type StageReport",
        "type StageScores",
        "type StageStats",
        "type StageStopReason",
        "type TextRanker",
        "textRankerSchema",
      ]
    `);
  });
  it('@sieve/postgres', () => {
    expect(exportedNames('packages/postgres/src/index.ts')).toMatchInlineSnapshot(`
      [
        "createPgDocumentStore",
        "createPgTextRetriever",
        "createPgVectorRetriever",
        "ensurePgSchema",
        "type EnsurePgSchemaSettings",
        "ensurePgSchemaSettingsSchema",
        "loadPgCorpus",
        "type LoadPgCorpusProgress",
        "type LoadPgCorpusSettings",
        "loadPgCorpusSettingsSchema",
        "type PgConnectionSettings",
        "pgConnectionSettingsSchema",
        "type PgDistance",
        "type PgDistanceInfo",
        "pgDistances",
        "type PgDocumentStore",
        "type PgDocumentStoreSettings",
        "pgDocumentStoreSettingsSchema",
        "type PgFilter",
        "pgFilterSchema",
        "type PgFilterValue",
        "type PgQueryPlan",
        "pgSchemaColumns",
        "PgSchemaError",
        "type PgSchemaProblem",
        "type PgTextRetriever",
        "type PgTextRetrieverSettings",
        "pgTextRetrieverSettingsSchema",
        "type PgVectorRetriever",
        "type PgVectorRetrieverCallOptions",
        "type PgVectorRetrieverSettings",
        "pgVectorRetrieverSettingsSchema",
        "quoteIdentifier",
      ]
    `);
  });

  it('@sieve/server', () => {
    expect(exportedNames('packages/server/src/index.ts')).toMatchInlineSnapshot(`
      [
        "type BatcherScores",
        "buildOpenApiDocument",
        "type CohereV1RerankRequest",
        "cohereV1RerankRequestSchema",
        "type CohereV2RerankRequest",
        "cohereV2RerankRequestSchema",
        "createPairBatcher",
        "createServer",
        "deadlineExceededHeader",
        "deadlineHeader",
        "type HttpErrorCode",
        "type ListenOptions",
        "type PairBatcher",
        "type PairBatcherCallOptions",
        "type PairBatcherSettings",
        "type PairBatcherStats",
        "type PairScorer",
        "type ResolvedServerSettings",
        "type ScoredPair",
        "type SearchRequest",
        "searchRequestSchema",
        "type ServedReranker",
        "type ServerSettings",
        "serverSettingsSchema",
        "type SieveServer",
        "type TeiRerankRequest",
        "teiRerankRequestSchema",
      ]
    `);
  });

  it('@sieve/langchain', () => {
    expect(exportedNames('packages/langchain/src/index.ts')).toMatchInlineSnapshot(`
      [
        "createSieveDocumentCompressor",
        "createSieveRetriever",
        "type SieveDocumentCompressor",
        "type SieveDocumentCompressorSettings",
        "sieveDocumentCompressorSettingsSchema",
        "type SieveRetriever",
        "type SieveRetrieverSettings",
        "sieveRetrieverSettingsSchema",
      ]
    `);
  });

  it('@sieve/llamaindex', () => {
    expect(exportedNames('packages/llamaindex/src/index.ts')).toMatchInlineSnapshot(`
      [
        "createSieveNodePostprocessor",
        "createSieveRetriever",
        "type SieveNodePostprocessor",
        "type SieveNodePostprocessorSettings",
        "sieveNodePostprocessorSettingsSchema",
        "type SieveNodeWithScore",
        "type SieveRetriever",
        "type SieveRetrieverSettings",
        "sieveRetrieverSettingsSchema",
      ]
    `);
  });

  it('@sieve/ai-sdk', () => {
    expect(exportedNames('packages/ai-sdk/src/index.ts')).toMatchInlineSnapshot(`
      [
        "createSieve",
        "type DocumentText",
        "sieve",
        "type SieveProvider",
        "type SieveProviderSettings",
        "sieveProviderSettingsSchema",
        "type SieveRerankingMetadata",
        "type SieveRerankingModel",
        "type SieveRerankingModelSettings",
        "sieveRerankingModelSettingsSchema",
      ]
    `);
  });

  it('@sieve/cli', () => {
    expect(exportedNames('packages/cli/src/index.ts')).toMatchInlineSnapshot(`
      [
        "benchRerank",
        "type CascadeShape",
        "type CliContext",
        "type CommonFlags",
        "createCliContext",
        "type DemoOptions",
        "type DemoResult",
        "type EvaluationOptions",
        "type EvaluationResult",
        "loadConfigModels",
        "type LoadConfigModelsOptions",
        "main",
        "parseCascadeShape",
        "type RerankBenchOptions",
        "type RerankBenchResult",
        "type RerankRow",
        "type RerankWorkloadName",
        "runDemo",
        "runEvaluation",
        "runTune",
        "type ShapeEvaluation",
        "type TunedShape",
        "type TuneOptions",
        "type TuneResult",
        "type TuneSource",
        "type TuneTarget",
        "type TuneVerification",
        "usage",
      ]
    `);
  });

  it('reads every kind of export statement', () => {
    const names = exportedNames('tools/__fixtures__/exports-sample.ts');
    expect(names).toEqual(['type A', 'b', 'type C', 'd', 'e', 'f', 'type G', 'type H']);
  });
});
