/**
 * Cross-encoder throughput on SciFact-length pairs: both architectures, fp32 and int8, batch sizes
 * 1..128, 1 and 2 intra-op threads (same-thread execution, so threads are the only parallelism),
 * then worker-pool execution with the host's event-loop lag measured during the run.
 *
 * npm run bench -- rerank [--queries N] [--pairs N] [--quick]
 */
import { createEventLoopLagMonitor, createResourceSampler } from '@sieve/core';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { numberOption, saveResult } from './cli.js';
import { bertShapes, operationsPerPair } from './flops.js';
import { describeMachine } from './machine.js';
import { benchModelsDir, requirePaths, scifactDir } from './paths.js';
import { scifactWorkload } from './workload.js';

interface Row {
  model: string;
  dtype: 'fp32' | 'int8';
  execution: string;
  threads: number;
  batchSize: number;
  pairs: number;
  seconds: number;
  pairsPerSecond: number;
  tokensPerSecond: number;
  meanTokens: number;
  /** Achieved model operations per second (multiply-add = 2), from each pair's token count. */
  gops: number;
  cpuAveragePercent: number;
  loopLagP99Ms: number;
  loopLagMaxMs: number;
}

export async function benchRerank(): Promise<void> {
  const models = ['ms-marco-TinyBERT-L-2-v2', 'ms-marco-MiniLM-L-6-v2'];
  if (
    !requirePaths({
      SciFact: scifactDir,
      ...Object.fromEntries(models.map((name) => [name, `${benchModelsDir}/${name}`])),
    })
  ) {
    process.exitCode = 1;
    return;
  }
  const quick = process.argv.includes('--quick');
  const queryCount = numberOption('queries', 10);
  // The workload: BM25 top-100 candidates of the first test queries, as the prefilter sees them.
  const workload = await scifactWorkload(queryCount, 100);
  const batchSizes = quick ? [1, 32] : [1, 4, 16, 32, 64, 128];
  const rows: Row[] = [];
  const machine = describeMachine();
  console.log(
    `[bench] rerank on ${machine.cpuModel} (${machine.cores} cores); workload: ${workload.length} SciFact test queries x BM25 top-100`,
  );

  const measure = async (
    scorer: CrossEncoder,
    pairBudget: number,
    row: Omit<
      Row,
      | 'pairs'
      | 'seconds'
      | 'pairsPerSecond'
      | 'tokensPerSecond'
      | 'meanTokens'
      | 'gops'
      | 'cpuAveragePercent'
      | 'loopLagP99Ms'
      | 'loopLagMaxMs'
    >,
  ) => {
    // Warm up: first runs allocate arenas and JIT the tokenizer.
    await scorer.doScore({
      query: workload[0]!.query,
      documents: workload[0]!.documents.slice(0, Math.min(16, row.batchSize * 2)),
    });
    const sampler = createResourceSampler({ intervalMs: 50 });
    const lag = createEventLoopLagMonitor({ resolutionMs: 2 });
    let pairs = 0;
    let tokens = 0;
    let operations = 0;
    const shape = bertShapes[row.model]!;
    sampler.start();
    lag.start();
    const started = performance.now();
    for (let index = 0; pairs < pairBudget; index++) {
      const { query, documents } = workload[index % workload.length]!;
      const take = documents.slice(0, Math.min(documents.length, pairBudget - pairs));
      const result = await scorer.doScore({ query, documents: take });
      pairs += take.length;
      for (const count of result.tokenCounts ?? []) {
        tokens += count;
        operations += operationsPerPair(shape, count);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const loop = lag.stop();
    const usage = sampler.stop();
    const done: Row = {
      ...row,
      pairs,
      seconds,
      pairsPerSecond: pairs / seconds,
      tokensPerSecond: tokens / seconds,
      meanTokens: tokens / pairs,
      gops: operations / seconds / 1e9,
      cpuAveragePercent: usage.cpuAveragePercent,
      loopLagP99Ms: loop.p99,
      loopLagMaxMs: loop.max,
    };
    rows.push(done);
    console.log(
      `${done.model.padEnd(26)} ${done.dtype.padEnd(5)} ${done.execution.padEnd(16)} threads ${done.threads}  batch ${String(done.batchSize).padStart(3)}  ${done.pairsPerSecond.toFixed(1).padStart(8)} pairs/s  ${done.tokensPerSecond.toFixed(0).padStart(7)} tok/s ${done.gops.toFixed(0).padStart(4)} GOP/s  cpu ${done.cpuAveragePercent.toFixed(0).padStart(3)}%  loop p99 ${done.loopLagP99Ms.toFixed(1)} ms, max ${done.loopLagMaxMs.toFixed(0)} ms`,
    );
  };

  for (const name of models) {
    const model = `${benchModelsDir}/${name}`;
    const big = name.includes('MiniLM');
    const budget = numberOption('pairs', quick ? (big ? 64 : 256) : big ? 200 : 1000);
    for (const dtype of ['fp32', 'int8'] as const) {
      for (const threads of [1, 2]) {
        for (const batchSize of batchSizes) {
          // A pure count sweep: no token budget, so the batch size is the only variable.
          const scorer = await createCrossEncoder({
            model,
            dtype,
            execution: 'same-thread',
            intraOpThreads: threads,
            batchSize,
            maxBatchTokens: 1_000_000,
          });
          await measure(scorer, batchSize === 1 ? Math.ceil(budget / 2) : budget, {
            model: name,
            dtype,
            execution: 'same-thread',
            threads,
            batchSize,
          });
          await scorer.dispose();
        }
      }
      // The defaults (length bucketing, 1,024-token batches): same thread, then the worker pool,
      // which keeps inference off the host's event loop.
      const sameThread = await createCrossEncoder({
        model,
        dtype,
        execution: 'same-thread',
        intraOpThreads: 2,
      });
      await measure(sameThread, budget, {
        model: name,
        dtype,
        execution: 'default 1x2',
        threads: 2,
        batchSize: 32,
      });
      await sameThread.dispose();
      const pooled = await createCrossEncoder({ model, dtype, workers: 2, intraOpThreads: 1 });
      await measure(pooled, budget, {
        model: name,
        dtype,
        execution: 'default workers',
        threads: 1,
        batchSize: 32,
      });
      await pooled.dispose();
    }
  }

  saveResult('rerank', {
    benchmark: 'rerank',
    machine,
    workload: {
      queries: workload.length,
      candidatesPerQuery: 100,
      dataset: 'BEIR SciFact test, BM25 top-100',
    },
    rows,
  });
  const best = (model: string, dtype: string) =>
    rows
      .filter((row) => row.model === model && row.dtype === dtype)
      .sort((a, b) => b.pairsPerSecond - a.pairsPerSecond)[0];
  console.log('\nbest configuration per model and dtype:');
  for (const name of models) {
    for (const dtype of ['fp32', 'int8']) {
      const row = best(name, dtype);
      if (row)
        console.log(
          `  ${name} ${dtype}: ${row.pairsPerSecond.toFixed(1)} pairs/s (${row.execution}, threads ${row.threads}, batch ${row.batchSize})`,
        );
    }
  }
}
