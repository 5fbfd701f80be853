import type { RerankStrategy } from '../results/rerank-strategy.js';

/**
 * The study's strategies (row-wise, batches of 32/64/128, async, four instances, batch plus
 * concurrency, thread tuning), then int8, length bucketing, Sieve's defaults and the peers
 * (Transformers.js, sentence-transformers on PyTorch and on ONNX Runtime).
 */
export function rerankStrategies(cores: number): RerankStrategy[] {
  const naive = {
    runtime: 'sieve',
    dtype: 'fp32',
    execution: 'same-thread',
    instances: 1,
    threads: cores,
    sortByLength: false,
  } as const;
  const quarter = Math.max(1, Math.floor(cores / 4));
  return [
    {
      ...naive,
      id: 'row-wise',
      label: "row-wise: one call per query's candidates",
      calls: 'per-query',
      batchSize: 'query',
    },
    ...[32, 64, 128].map(
      (size): RerankStrategy => ({
        ...naive,
        id: `batch-${size}`,
        label: `batches of ${size} pairs across queries`,
        calls: 'all-pairs',
        batchSize: size,
      }),
    ),
    {
      ...naive,
      id: 'async',
      label: 'async: all queries issued at once, one instance',
      calls: 'concurrent-queries',
      batchSize: 'query',
    },
    {
      ...naive,
      id: 'instances-4',
      label: `4 instances x ${quarter} thread, queries spread over them`,
      calls: 'concurrent-queries',
      execution: 'worker',
      instances: 4,
      threads: quarter,
      batchSize: 'query',
    },
    {
      ...naive,
      id: 'batch-32-instances-4',
      label: `batches of 32 over 4 instances x ${quarter} thread`,
      calls: 'all-pairs',
      execution: 'worker',
      instances: 4,
      threads: quarter,
      batchSize: 32,
    },
    {
      ...naive,
      id: 'row-wise-1-thread',
      label: 'thread tuning: row-wise, 1 intra-op thread',
      calls: 'per-query',
      threads: 1,
      batchSize: 'query',
    },
    {
      ...naive,
      id: 'batch-32-instances-cores',
      label: `thread tuning: batches of 32 over ${cores} instances x 1 thread`,
      calls: 'all-pairs',
      execution: 'worker',
      instances: cores,
      threads: 1,
      batchSize: 32,
    },
    {
      ...naive,
      id: 'row-wise-int8',
      label: 'int8: row-wise on the quantized model',
      dtype: 'int8',
      calls: 'per-query',
      batchSize: 'query',
    },
    {
      ...naive,
      id: 'length-buckets',
      label: 'length bucketing: sorted pairs, batches <= 32 pairs and 1,024 tokens',
      calls: 'all-pairs',
      batchSize: 32,
      sortByLength: true,
      maxBatchTokens: 1024,
    },
    ...(['fp32', 'int8', 'int8-static'] as const).map(
      (dtype): RerankStrategy => ({
        ...naive,
        id: `sieve-${dtype}`,
        label: `Sieve defaults ${dtype === 'int8-static' ? 'static int8 (calibrated QDQ)' : dtype}: bucketing + worker pool`,
        dtype,
        calls: 'all-pairs',
        execution: 'worker',
        // createCrossEncoder's defaults: min(2, cores) workers x cores / workers threads.
        instances: Math.min(2, cores),
        threads: Math.max(1, Math.floor(cores / Math.min(2, cores))),
        batchSize: 32,
        sortByLength: true,
        maxBatchTokens: 1024,
      }),
    ),
    // Layouts at short lengths, where a batch of 1,024 tokens is ~10 pairs: one session with all
    // cores instead of one per core, and batches of up to 4,096 padded tokens.
    ...layoutStrategies(cores),
    {
      ...naive,
      id: 'transformers-js-fp32',
      label: 'Transformers.js fp32, batches of 32',
      runtime: 'transformers.js',
      calls: 'all-pairs',
      batchSize: 32,
    },
    {
      ...naive,
      id: 'transformers-js-int8',
      label: 'Transformers.js int8 (q8), batches of 32',
      runtime: 'transformers.js',
      dtype: 'int8',
      calls: 'all-pairs',
      batchSize: 32,
    },
    {
      ...naive,
      id: 'sentence-transformers',
      label: 'sentence-transformers CrossEncoder (PyTorch fp32), batch 32',
      runtime: 'sentence-transformers',
      calls: 'all-pairs',
      batchSize: 32,
      backend: 'torch',
    },
    ...(['fp32', 'int8'] as const).map(
      (dtype): RerankStrategy => ({
        ...naive,
        id: `sentence-transformers-onnx-${dtype}`,
        label: `sentence-transformers CrossEncoder (ONNX ${dtype}), batch 32`,
        runtime: 'sentence-transformers',
        dtype,
        calls: 'all-pairs',
        batchSize: 32,
        backend: 'onnx',
      }),
    ),
  ];
}

/**
 * Sieve int8 (dynamic, and static: `sieve-int8-static-...`) with other worker layouts and batch
 * budgets (ids `sieve-<dtype>-<workers>x<threads>[-<tokens>]`).
 */
function layoutStrategies(cores: number): RerankStrategy[] {
  const layouts = [
    { instances: 1, threads: cores, maxBatchTokens: 1024 },
    {
      instances: Math.min(2, cores),
      threads: Math.max(1, Math.floor(cores / 2)),
      maxBatchTokens: 4096,
    },
    { instances: 1, threads: cores, maxBatchTokens: 4096 },
  ];
  return (['int8', 'int8-static'] as const).flatMap((dtype) =>
    layouts.map(
      ({ instances, threads, maxBatchTokens }): RerankStrategy => ({
        id: `sieve-${dtype}-${instances}x${threads}${maxBatchTokens === 1024 ? '' : `-${maxBatchTokens}`}`,
        label: `Sieve ${dtype === 'int8' ? 'int8' : 'static int8'}, ${instances} worker${instances > 1 ? 's' : ''} x ${threads} thread${threads > 1 ? 's' : ''}, batches <= ${maxBatchTokens.toLocaleString('en-US')} tokens`,
        runtime: 'sieve',
        dtype,
        calls: 'all-pairs',
        execution: 'worker',
        instances,
        threads,
        batchSize: maxBatchTokens / 16,
        sortByLength: true,
        maxBatchTokens,
      }),
    ),
  );
}
