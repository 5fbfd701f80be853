// Fusion lives in @sieve/core (the hybrid retriever uses it too); re-exported for convenience.
export {
  type FusedCandidate,
  type FusedRetrievalCandidate,
  type FusionInput,
  type FusionSettings,
  fuseReciprocalRank,
  fuseWeighted,
  type SourceScore,
} from '@sieve/core';
export {
  type CascadeConfig,
  type CascadeConfigModel,
  type CascadeConfigPruning,
  type CascadeConfigStage,
  type CascadeConfigTuned,
  type ConfigRetriever,
  cascadeConfigSchema,
  configRetrievers,
  type ResolvedCascadeConfig,
} from './cascade-config.js';
export type { CascadeEvent, CascadeEventListener, CascadeEventType } from './cascade-events.js';
export type {
  CascadeResult,
  CascadeWarning,
  RankedCandidate,
  RetrievalReport,
  ScoringReport,
  StageReport,
  StageScores,
  StageStopReason,
} from './cascade-result.js';
export {
  type CascadeSettings,
  cascadeSettingsSchema,
  type ResolvedCascadeSettings,
  type ScoringStageSettings,
  scoringStageSchema,
} from './cascade-settings.js';
export type { CascadeStats, StageStats } from './cascade-stats.js';
export {
  type Cascade,
  type CascadeCallOptions,
  type CascadeInputCandidate,
  createCascade,
} from './create-cascade.js';
export {
  type CascadeFromConfigOptions,
  createCascadeFromConfig,
} from './create-cascade-from-config.js';
export { formatPrometheus, type PrometheusOptions } from './format-prometheus.js';
export { formatCascadeStats, formatStageReports } from './format-reports.js';
export { bounded } from './pruning/bounded.js';
export {
  type CalibrateScoreBoundOptions,
  type CalibrationSample,
  calibrateScoreBound,
} from './pruning/calibrate-score-bound.js';
export { fixedDepth } from './pruning/fixed-depth.js';
export { patience } from './pruning/patience.js';
export type {
  PruningContext,
  PruningPlan,
  PruningPolicy,
  PruningProgress,
} from './pruning/pruning-policy.js';
export {
  type FitScoreBoundOptions,
  fitScoreBound,
  type LinearScoreBound,
  linearScoreBound,
  type ScoreBound,
  type ScorePair,
} from './pruning/score-bound.js';
export { relativeThreshold, type ScoreCutOptions, scoreGap } from './pruning/score-cut.js';
export {
  type RankedText,
  type RankTextsOptions,
  rankTexts,
  type TextRanker,
} from './rank-texts.js';
export { cascadeSchema, isCascade, scorerSchema, textRankerSchema } from './ranker-schemas.js';
