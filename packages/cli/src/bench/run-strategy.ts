import {
  addInferenceTimings,
  createEventLoopLagMonitor,
  createInferenceTimings,
  createResourceSampler,
  type InferenceTimings,
  type ResourceUsageSummary,
} from '@sieve/core';
import { createCrossEncoder } from '@sieve/rerank';
import type { RerankStrategy } from '../results/rerank-strategy.js';
import type { StrategyMeasurement } from '../results/strategy-measurement.js';
import type { RerankWorkload } from './workload.js';

/** Scores a workload once; returns scores in workload order, token counts and timings. */
type ScoreWorkload = () => Promise<{
  scores: number[];
  tokenCounts: number[];
  timings?: InferenceTimings;
}>;

/** Where the model files are. */
export interface StrategyModel {
  /** Folder with config.json, tokenizer files and onnx/. */
  folder: string;
}

/**
 * Runs a Sieve or Transformers.js strategy in this process: load, warm up on a few pairs, then
 * `repeats` measured passes over the workload with CPU, memory and event-loop lag sampled.
 */
export async function runStrategyInProcess(
  strategy: RerankStrategy,
  workload: readonly RerankWorkload[],
  model: StrategyModel,
  repeats: number,
): Promise<StrategyMeasurement> {
  const runner =
    strategy.runtime === 'transformers.js'
      ? await transformersJsRunner(strategy, workload, model)
      : await sieveRunner(strategy, workload, model);
  try {
    await runner.warmUp();
    const measured: Array<{
      seconds: number;
      usage: ResourceUsageSummary;
      lag: { p99: number; max: number };
      scores: number[];
      tokenCounts: number[];
      timings?: InferenceTimings;
    }> = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      const sampler = createResourceSampler({ intervalMs: 50 });
      const lag = createEventLoopLagMonitor({ resolutionMs: 2 });
      sampler.start();
      lag.start();
      const started = performance.now();
      const { scores, tokenCounts, timings } = await runner.score();
      const seconds = (performance.now() - started) / 1000;
      const loop = lag.stop();
      const usage = sampler.stop();
      measured.push({
        seconds,
        usage,
        lag: loop,
        scores,
        tokenCounts,
        ...(timings ? { timings } : {}),
      });
    }
    const ordered = [...measured].sort((a, b) => a.seconds - b.seconds);
    const median = ordered[Math.floor((ordered.length - 1) / 2)]!;
    return {
      repeatSeconds: measured.map((item) => item.seconds),
      seconds: median.seconds,
      pairs: median.scores.length,
      tokenCounts: median.tokenCounts,
      cpuAveragePercent: median.usage.cpuAveragePercent,
      cpuPeakPercent: median.usage.cpuPeakPercent,
      coresBusy: median.usage.coresBusy,
      peakRssBytes: Math.max(...measured.map((item) => item.usage.peakRssBytes)),
      loopLagP99Ms: median.lag.p99,
      loopLagMaxMs: median.lag.max,
      ...(median.timings ? { timings: median.timings } : {}),
      scores: measured.at(-1)!.scores,
    };
  } finally {
    await runner.dispose();
  }
}

interface Runner {
  warmUp(): Promise<void>;
  score: ScoreWorkload;
  dispose(): Promise<void>;
}

async function sieveRunner(
  strategy: RerankStrategy,
  workload: readonly RerankWorkload[],
  model: StrategyModel,
): Promise<Runner> {
  const widest = Math.max(...workload.map((item) => item.documents.length));
  const scorer = await createCrossEncoder({
    model: model.folder,
    dtype: strategy.dtype,
    execution: strategy.execution,
    ...(strategy.execution === 'worker' ? { workers: strategy.instances } : {}),
    intraOpThreads: strategy.threads,
    maxBatchSize: strategy.batchSize === 'query' ? widest : strategy.batchSize,
    sortByLength: strategy.sortByLength,
    maxBatchTokens: strategy.maxBatchTokens ?? 1_000_000_000,
    // Every pass tokenizes, as a first pass over new candidates does.
    tokenCache: false,
  });
  // Built once, outside the timed passes.
  const allPairs = workloadPairs(workload);
  const perQuery = (item: RerankWorkload) =>
    scorer.doScore({ query: item.query, documents: item.documents });
  const score: ScoreWorkload = async () => {
    let results: Array<{
      scores: readonly number[];
      tokenCounts?: readonly number[];
      timings?: InferenceTimings;
    }>;
    if (strategy.calls === 'all-pairs') {
      results = [await scorer.scorePairs({ pairs: allPairs })];
    } else if (strategy.calls === 'concurrent-queries') {
      results = await Promise.all(workload.map(perQuery));
    } else {
      results = [];
      for (const item of workload) results.push(await perQuery(item));
    }
    const timings = createInferenceTimings();
    for (const result of results) if (result.timings) addInferenceTimings(timings, result.timings);
    return {
      scores: results.flatMap((result) => result.scores),
      tokenCounts: results.flatMap((result) => result.tokenCounts ?? []),
      timings,
    };
  };
  return {
    warmUp: async () => {
      await scorer.doScore({
        query: workload[0]!.query,
        documents: workload[0]!.documents.slice(0, 8),
      });
    },
    score,
    dispose: () => scorer.dispose(),
  };
}

/** The slice of @huggingface/transformers this benchmark uses. */
interface TransformersJs {
  env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
  AutoTokenizer: {
    from_pretrained(
      name: string,
    ): Promise<
      (
        text: string[],
        options: { text_pair: string[]; padding: boolean; truncation: boolean },
      ) => Record<string, unknown>
    >;
  };
  AutoModelForSequenceClassification: {
    from_pretrained(
      name: string,
      options: {
        dtype: string;
        device: string;
        session_options: Record<string, unknown>;
      },
    ): Promise<
      ((inputs: Record<string, unknown>) => Promise<{ logits: { data: Float32Array } }>) & {
        dispose(): Promise<unknown>;
      }
    >;
  };
}

/** Imports Transformers.js, or explains how to get it. */
export async function importTransformersJs(): Promise<TransformersJs> {
  const name = '@huggingface/transformers';
  try {
    return (await import(name)) as TransformersJs;
  } catch (error) {
    throw new Error(
      `Transformers.js is not installed (${(error as Error).message.split('\n')[0]}): npm install -D @huggingface/transformers`,
    );
  }
}

async function transformersJsRunner(
  strategy: RerankStrategy,
  workload: readonly RerankWorkload[],
  model: StrategyModel,
): Promise<Runner> {
  const transformers = await importTransformersJs();
  const slash = model.folder.replace(/\/+$/, '').lastIndexOf('/');
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = model.folder.slice(0, slash + 1);
  const name = model.folder.replace(/\/+$/, '').slice(slash + 1);
  const tokenizer = await transformers.AutoTokenizer.from_pretrained(name);
  const classifier = await transformers.AutoModelForSequenceClassification.from_pretrained(name, {
    dtype: strategy.dtype === 'int8' ? 'q8' : 'fp32',
    device: 'cpu',
    session_options: {
      intraOpNumThreads: strategy.threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    },
  });
  const run = async (queries: string[], texts: string[]) => {
    const inputs = tokenizer(queries, { text_pair: texts, padding: true, truncation: true });
    const { logits } = await classifier(inputs);
    return Array.from(logits.data);
  };
  const pairs = workloadPairs(workload);
  // Batches, built once outside the timed passes: one query's candidates, or fixed-size runs.
  const size = strategy.batchSize;
  const chunks =
    size === 'query'
      ? workload.map((item) => workloadPairs([item]))
      : Array.from({ length: Math.ceil(pairs.length / size) }, (_, index) =>
          pairs.slice(index * size, (index + 1) * size),
        );
  return {
    warmUp: async () => {
      await run(
        pairs.slice(0, 8).map((pair) => pair.query),
        pairs.slice(0, 8).map((pair) => pair.text),
      );
    },
    score: async () => {
      const scores: number[] = [];
      for (const chunk of chunks) {
        scores.push(
          ...(await run(
            chunk.map((pair) => pair.query),
            chunk.map((pair) => pair.text),
          )),
        );
      }
      return { scores, tokenCounts: [] };
    },
    dispose: async () => {
      await classifier.dispose();
    },
  };
}

/** Every (query, candidate text) pair of a workload, query by query. */
function workloadPairs(
  workload: readonly RerankWorkload[],
): Array<{ query: string; text: string }> {
  return workload.flatMap((item) =>
    item.documents.map((document) => ({ query: item.query, text: document.text })),
  );
}
