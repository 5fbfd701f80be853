import type { CascadeStats } from '@sieve/cascade';
import type { LatencySummary } from '@sieve/core';
import type { Dtype } from '@sieve/onnx';
import type { MachineInfo } from '../support/machine.js';
import type { Roofline } from './gemm-result.js';

/** Where the bi-encoder and the two cross-encoders come from, and how they run. */
export interface EvaluationModels {
  /** Folder or hub id of the bi-encoder (`dense=N`, `hybrid=N`); null when no shape has one. */
  embedder: string | null;
  embedderDtype: Dtype;
  /** Folder or hub id of the prefilter (`tiny=K`); null when no shape has one. */
  prefilter: string | null;
  /** Folder or hub id of the reranker (`minilm=T`); null when no shape has one. */
  reranker: string | null;
  prefilterDtype: Dtype;
  rerankerDtype: Dtype;
  /** The prefilter's longest pair in tokens; the model's own limit when undefined. */
  prefilterMaxLength?: number;
}

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

/** A `bounded` policy's bound, fitted by `sieve eval` (`upper = slope * previous + intercept`). */
export interface FittedBound {
  slope: number;
  /** With the highest residual seen and the safety margin (10% of the score range) added. */
  intercept: number;
  /** The split its queries came from (`--bound-split`). */
  split: string;
  queries: number;
  /** (previous score, reranker score) pairs it was fitted on. */
  pairs: number;
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
  /**
   * Recall@100 of the retrieval ranking the stages started from (the shape's retriever, BM25,
   * dense or hybrid); null when the shape retrieves fewer than 100. Not of the final list: that
   * holds the final top-k (10), where Recall@100 would only repeat Recall@10. For a cascade shape
   * it is the ceiling any rerank of the first 100 candidates can reach.
   */
  recallAt100: number | null;
  /**
   * Recall of the retriever's candidates at the shape's retrieval depth: the ceiling of what
   * follows.
   */
  retrievalRecall: number;
  /**
   * Top-10 agreement with the reference (the full rerank, `reference` of the result): the mean
   * over queries of |this shape's top 10 ∩ the reference's top 10| / 10. Where either list is
   * shorter than 10 (a small top-k, or a retriever that found fewer), the divisor is the longer
   * of the two (both empty counts as 1), so the reference's own agreement is 1. Null when the run
   * has no reference.
   */
  agreementAt10: number | null;
  /**
   * This shape's mean per-query latency over the reference's, measured in the same run (the
   * reference's own is 1; 0.25 costs a quarter of the full rerank). Null when the run has no
   * reference.
   */
  costFraction: number | null;
  /** Per-query wall time of the whole cascade. */
  latencyMs: LatencySummary;
  /** Cross-encoder pairs scored per query, all stages. */
  pairsPerQuery: number;
  /**
   * `prune=bounded` only: the linear bound of the reranker's score over the previous stage's,
   * fitted by the run on `queries` queries of another `split` before this shape ran.
   */
  bound?: FittedBound;
  stages: StageEvaluation[];
  /** The cascade's own counters (not saved: the Prometheus files carry them). */
  stats: CascadeStats;
  /**
   * Each query's final top-10 ids, in query order, for the agreement column (not saved: ids per
   * query would dwarf the result).
   */
  topIds: string[][];
}

/** What the result keeps of a shape: all but the per-query working data. */
export type SavedShapeEvaluation = Omit<ShapeEvaluation, 'stats' | 'topIds'> & {
  /** Whether the shape is on the quality-vs-latency frontier. */
  onFrontier: boolean;
};

/** What `sieve eval` and `sieve bench cascade` rank: the corpus's documents or their passages. */
export type EvaluationWorkload = 'documents' | 'passages';

/** What `sieve eval` and `sieve bench cascade` save. */
export interface EvaluationResult {
  benchmark: 'eval' | 'cascade';
  machine: MachineInfo;
  roofline: Roofline | null;
  dataset: string;
  split: string;
  /** What was ranked (absent in results saved before passages: documents). */
  workload?: EvaluationWorkload;
  /** Documents (or passages) ranked. */
  documents: number;
  queries: number;
  /**
   * The models the shapes used, as chosen (`--embedder`, `--prefilter`, `--reranker`,
   * `--models`).
   */
  models: Omit<EvaluationModels, 'prefilterMaxLength'> & {
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
  /** BM25 indexing of the corpus. */
  indexing: { milliseconds: number; documentsPerSecond: number };
  /**
   * The dense index of `dense=N` and `hybrid=N`: `built` is true when this run embedded the corpus
   * (`seconds` is then the embedding and HNSW build time), false when it loaded the index from
   * the cache folder `folder` (`seconds` is the load time). Null when no shape needs it, or when
   * the embedder could not be loaded (those shapes are then in `skipped`).
   */
  denseIndex: { built: boolean; seconds: number; folder: string } | null;
  /**
   * The shape the agreement and cost columns compare with (the full rerank): `--reference`, else
   * the shape with a reranker, no prefilter and no pruning that retrieves deepest. Null when
   * there is none among the shapes that ran.
   */
  reference: string | null;
  /** Each shape that ran, and whether it is on the quality-vs-latency frontier. */
  shapes: SavedShapeEvaluation[];
  /** Shapes that could not run (their models could not be loaded), with the reason. */
  skipped: Array<{ shape: string; reason: string }>;
  /** Charts, page and Prometheus files written beside the JSON, by kind. */
  files: Record<string, string>;
}

/** What an evaluation with the generated models says about its quality figures. */
export const randomWeightsNote =
  'Models are architecture-exact with RANDOM weights: latency is real, rerank quality is not (pass --reranker and --prefilter DIR|ID, or --models DIR, with trained weights).';
