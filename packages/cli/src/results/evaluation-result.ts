import type { CascadeStats } from '@sieve/cascade';
import type { LatencySummary } from '@sieve/core';
import type { Dtype } from '@sieve/onnx';
import type { MachineInfo } from '../support/machine.js';
import type { Roofline } from './gemm-result.js';

/** One stage's latency and work per query. */
export interface StageEvaluation {
  stageId: string;
  kind: 'retrieval' | 'score';
  /** A scoring stage's longest pair in tokens (its cross-encoder's `maxLength`). */
  maxLength?: number;
  latencyMs: { p50: number; p95: number };
  pairsScoredPerQuery: number;
  pairsSkippedPerQuery: number;
}

/** Quality and cost of one cascade shape over the queries. */
export interface ShapeEvaluation {
  /** The shape as written, e.g. `bm25=100,tiny=30,minilm=10,prune=patience:2`. */
  shape: string;
  queries: number;
  ndcgAt10: number;
  mrrAt10: number;
  /** Recall@10 of the final list. */
  recallAt10: number;
  /** Recall of BM25's candidates at the shape's retrieval depth: the ceiling of what follows. */
  retrievalRecall: number;
  /** Per-query wall time of the whole cascade. */
  latencyMs: LatencySummary;
  /** Cross-encoder pairs scored per query, all stages. */
  pairsPerQuery: number;
  stages: StageEvaluation[];
  /** The cascade's own counters (not saved: the Prometheus files carry them). */
  stats: CascadeStats;
}

/** What `sieve eval` and `sieve bench cascade` save. */
export interface EvaluationResult {
  benchmark: 'eval' | 'cascade';
  machine: MachineInfo;
  roofline: Roofline | null;
  dataset: string;
  split: string;
  documents: number;
  queries: number;
  /** The cross-encoders the shapes used, as chosen (`--prefilter`, `--reranker`, `--models`). */
  models: {
    /** Folder or hub id of the prefilter; null when no shape has one. */
    prefilter: string | null;
    /** Folder or hub id of the reranker; null when no shape has one. */
    reranker: string | null;
    prefilterDtype: Dtype;
    rerankerDtype: Dtype;
    /**
     * The prefilter's longest pair in tokens, as it ran (`--prefilter-max-length`, else the
     * model's own limit); null when no prefilter ran.
     */
    prefilterMaxLength: number | null;
    /** The reranker's longest pair in tokens, as it ran; null when no reranker ran. */
    rerankerMaxLength: number | null;
  };
  /** True when a model used is a generated random-weight one: quality figures mean nothing. */
  modelsAreRandomWeights: boolean;
  indexing: { milliseconds: number; documentsPerSecond: number };
  /** Each shape that ran, and whether it is on the quality-vs-latency frontier. */
  shapes: Array<Omit<ShapeEvaluation, 'stats'> & { onFrontier: boolean }>;
  /** Shapes that could not run (their models could not be loaded), with the reason. */
  skipped: Array<{ shape: string; reason: string }>;
  /** Charts, page and Prometheus files written beside the JSON, by kind. */
  files: Record<string, string>;
}

/** What an evaluation with the generated models says about its quality figures. */
export const randomWeightsNote =
  'Models are architecture-exact with RANDOM weights: latency is real, rerank quality is not (pass --reranker and --prefilter DIR|ID, or --models DIR, with trained weights).';
