import type { MachineInfo } from '../support/machine.js';
import type { Roofline } from './gemm-result.js';
import type { RerankStrategy } from './rerank-strategy.js';
import type { StrategyMeasurement } from './strategy-measurement.js';

/**
 * The workloads of `sieve bench rerank`: the study's 10 x 30, 100 x 100 SciFact test pairs,
 * 100 x 30 passages (~96 tokens per pair), and the length sweep's pairs of 64 to 512 tokens.
 */
export type RerankWorkloadName =
  | 'study'
  | 'scifact'
  | 'passages'
  | 'len64'
  | 'len128'
  | 'len256'
  | 'len512';

/** One row of the rerank table: one strategy on one workload. */
export interface RerankRow {
  workload: RerankWorkloadName;
  /** The model folder's name (absent in results saved before several models could run). */
  model?: string;
  strategy: RerankStrategy;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  reason?: string;
  measurement?: Omit<StrategyMeasurement, 'scores' | 'tokenCounts'>;
  pairsPerSecond?: number;
  /** Row-wise time / this time. */
  speedupOverRowWise?: number;
  /** Model operations per second (multiply-add = 2) of the pairs' true lengths. */
  gops?: number;
  /** gops / the machine's best GEMM rate for this dtype on all cores. */
  fractionOfRoofline?: number;
  /** Largest |score - row-wise score| over all pairs: same model, same answer? */
  maxAbsDiffFromRowWise?: number;
}

/** What `sieve bench rerank` saves. */
export interface RerankBenchResult {
  benchmark: 'rerank';
  machine: MachineInfo;
  roofline: Roofline | null;
  /** The (first) model folder. */
  model: string;
  /** Every model folder measured, in order (absent in older results: `model` alone). */
  models?: string[];
  /** Mean tokens per pair after truncation (null when no Sieve strategy ran to count them). */
  workloads: Array<{
    name: RerankWorkloadName;
    queries: number;
    pairs: number;
    meanTokens: number | null;
  }>;
  rows: RerankRow[];
  /** Bar chart (SVG) per workload. */
  charts: Record<string, string>;
}
