/** Who runs the model. */
export type StrategyRuntime = 'sieve' | 'transformers.js' | 'sentence-transformers';

/**
 * One way of scoring a workload, after the study that started Sieve: how calls are issued, how
 * pairs are batched, and where inference runs. Saved with each row of a rerank result.
 */
export interface RerankStrategy {
  /** Stable id, used by `--strategies`. */
  id: string;
  /** What it is, for the table. */
  label: string;
  runtime: StrategyRuntime;
  /** Weights: fp32, dynamic int8, or static (calibrated QDQ) int8 (Sieve only). */
  dtype: 'fp32' | 'int8' | 'int8-static';
  /**
   * `per-query`: one call per query, awaited in turn; `concurrent-queries`: one call per query,
   * all issued at once; `all-pairs`: every pair of every query in one pair list.
   */
  calls: 'per-query' | 'concurrent-queries' | 'all-pairs';
  /** Sieve only: inference on the calling thread or in a worker pool. */
  execution: 'same-thread' | 'worker';
  /** Model instances (worker sessions). */
  instances: number;
  /** Intra-op threads per instance. */
  threads: number;
  /** Pairs per batch; `query` = one query's candidates per batch. */
  batchSize: number | 'query';
  /** Sieve only: sort pairs by length before batching (length bucketing). */
  sortByLength: boolean;
  /** Sieve only: padded tokens per batch. */
  maxBatchTokens?: number;
  /**
   * sentence-transformers only: the `CrossEncoder` backend, PyTorch on `model.safetensors` or
   * ONNX Runtime (through optimum) on the ONNX file of `dtype`, the one Sieve runs.
   */
  backend?: 'torch' | 'onnx';
}
