/**
 * `sieve bench soak`: the full cascade (BM25 -> prefilter -> reranker) over SciFact for many
 * queries, in process and through `createServer`, then cross-encoders created and disposed over
 * and over; RSS sampled all along. A phase passes when RSS grows less than 5% from the end of its
 * first 10% to its end and no step failed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Cascade, createCascade } from '@sieve/cascade';
import { formatTable } from '@sieve/core';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import {
  createBm25Retriever,
  createMemoryDocumentStore,
  documentContents,
  loadBeirDataset,
} from '@sieve/retrieval';
import { createServer } from '@sieve/server';
import { saveResult } from '../results/save-result.js';
import type {
  RssSample,
  RssVerdict,
  SoakBenchResult,
  SoakPhase,
} from '../results/soak-bench-result.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { isGeneratedModel } from '../support/generated-model.js';
import { describeMachine, machineLine } from '../support/machine.js';

/** Options of {@link benchSoak} (the flags of `sieve bench soak`). */
export interface SoakBenchOptions {
  /** Both stages on the tiny fixture model of @sieve/onnx (`--tiny`): a quick run. @default false */
  tiny?: boolean;
  /** The prefilter's folder. @default '<models>/ms-marco-TinyBERT-L-2-v2' */
  prefilter?: string;
  /** The reranker's folder. @default '<models>/ms-marco-MiniLM-L-6-v2' */
  reranker?: string;
  /** Queries of each query phase, cycling through SciFact's test queries. @default 10000 */
  queries?: number;
  /** BM25 candidates per query, all scored by the prefilter. @default 100 */
  depth?: number;
  /** Candidates the prefilter keeps for the reranker. @default 30 */
  prefilterTopK?: number;
  /** Results per query. @default 10 */
  topK?: number;
  /** Create/dispose cycles of cross-encoders. @default 200 */
  cycles?: number;
  /** Read RSS every this many queries (each reading costs a full garbage collection). @default queries / 50, at least 1 */
  sampleEvery?: number;
  /** Requests in flight at once in the server phase. @default 4 */
  concurrency?: number;
  /** What the result says was run. @default `sieve` and this process's arguments */
  command?: string;
}

/** Growth of RSS a phase may show, from the end of its first 10% to its end. */
export const soakMaxGrowth = 0.05;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * The verdict on a phase's samples. The baseline is the median of the samples taken between 5%
 * and 15% of the steps (the end of the first 10%: token cache, arenas and JIT warmed), the end the
 * median of those in the last 10%: a median, not one reading, because RSS moves by a few MB with
 * each garbage collection, which at small sizes is most of the 5% margin.
 *
 * @example
 * ```ts
 * const { growth, passed } = rssVerdict(samples, 300, 0);
 * ```
 */
export function rssVerdict(
  samples: readonly RssSample[],
  steps: number,
  errors: number,
  maxGrowth = soakMaxGrowth,
): RssVerdict {
  const nearest = (target: number): RssSample =>
    samples.reduce((best, sample) =>
      Math.abs(sample.step - target) < Math.abs(best.step - target) ? sample : best,
    );
  const within = (from: number, to: number): number[] =>
    samples.filter((sample) => sample.step >= from && sample.step <= to).map((s) => s.rssBytes);
  const early = within(steps * 0.05, steps * 0.15);
  const late = within(steps * 0.9, steps);
  const baselineBytes = early.length > 0 ? median(early) : nearest(steps * 0.1).rssBytes;
  const endBytes = late.length > 0 ? median(late) : nearest(steps).rssBytes;
  const growth = (endBytes - baselineBytes) / baselineBytes;
  return { baselineBytes, endBytes, growth, passed: growth < maxGrowth && errors === 0 };
}

/**
 * V8's full garbage collection: `globalThis.gc` under `node --expose-gc`, else the same function
 * obtained by turning the flag on at run time (a new context then gets a `gc` global).
 */
function garbageCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Records RSS at step 0, every `every` steps and at the last step, each after a full garbage
 * collection: garbage not yet collected is not a leak, and without it RSS at a few hundred
 * queries follows V8's collection schedule more than what the process keeps.
 */
function createSampler(steps: number, every: number) {
  const collect = garbageCollector();
  const started = performance.now();
  const samples: RssSample[] = [];
  const take = (step: number): void => {
    collect();
    const { rss, heapUsed } = process.memoryUsage();
    samples.push({
      step,
      seconds: (performance.now() - started) / 1000,
      rssBytes: rss,
      heapUsedBytes: heapUsed,
    });
  };
  take(0);
  return {
    samples,
    /** Call after each step, with the steps done so far. */
    step(done: number): void {
      if (done % every === 0 || done === steps) take(done);
    },
    seconds: () => (performance.now() - started) / 1000,
  };
}

/** What a phase ran, before its verdict. */
interface PhaseRun {
  completed: number;
  errors: number;
  firstError?: string;
}

const messageOf = (error: unknown): string => (error as Error)?.message ?? String(error);

/** A phase's record: what ran, its samples and its verdict. */
function phaseRecord(
  name: SoakPhase['name'],
  steps: number,
  run: PhaseRun,
  sampler: ReturnType<typeof createSampler>,
): SoakPhase {
  return {
    name,
    steps,
    ...run,
    seconds: sampler.seconds(),
    samples: sampler.samples,
    ...rssVerdict(sampler.samples, steps, run.errors),
  };
}

/** Runs `work` for steps 0..steps-1 one after another, counting errors, sampling and ticking. */
async function runSteps(
  context: CliContext,
  name: SoakPhase['name'],
  steps: number,
  every: number,
  work: (step: number) => Promise<void>,
): Promise<SoakPhase> {
  const progress = context.progress(`soak: ${name}`, steps);
  const sampler = createSampler(steps, every);
  const run: PhaseRun = { completed: 0, errors: 0 };
  for (let step = 0; step < steps; step++) {
    try {
      await work(step);
      run.completed++;
    } catch (error) {
      run.errors++;
      run.firstError ??= messageOf(error);
    }
    sampler.step(step + 1);
    progress.tick();
  }
  progress.done();
  return phaseRecord(name, steps, run, sampler);
}

/** Phase (b): `POST /search` to a server on the same cascade, `concurrency` requests in flight. */
async function serverPhase(
  context: CliContext,
  cascade: Cascade,
  queries: readonly string[],
  steps: number,
  every: number,
  concurrency: number,
): Promise<SoakPhase> {
  const server = createServer({ cascade, warmUp: false });
  const { url } = await server.listen({ port: 0 });
  const progress = context.progress('soak: server', steps);
  const sampler = createSampler(steps, every);
  const run: PhaseRun = { completed: 0, errors: 0 };
  let next = 0;
  let done = 0;
  const fail = (message: string): void => {
    run.errors++;
    run.firstError ??= message;
  };
  const client = async (): Promise<void> => {
    while (next < steps) {
      const query = queries[next++ % queries.length]!;
      try {
        const response = await fetch(`${url}/search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
        const body = await response.text();
        if (response.status === 200) run.completed++;
        else fail(`POST /search answered ${response.status}: ${body.slice(0, 200)}`);
      } catch (error) {
        fail(messageOf(error));
      }
      sampler.step(++done);
      progress.tick();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
  } finally {
    progress.done();
    await server.close();
  }
  return phaseRecord('server', steps, run, sampler);
}

// From the sources (tests, tsx) this module is src/bench/soak.ts; bundled, it is dist/cli.js.
const tinyFixtureCandidates = [
  '../../../onnx/src/__fixtures__/tiny-bert-cross-encoder',
  '../../onnx/src/__fixtures__/tiny-bert-cross-encoder',
].map((path) => fileURLToPath(new URL(path, import.meta.url)));

/** The tiny fixture cross-encoder of @sieve/onnx in this checkout. */
function tinyFixture(context: CliContext): string {
  const found = [
    ...tinyFixtureCandidates,
    join(context.root, 'packages/onnx/src/__fixtures__/tiny-bert-cross-encoder'),
  ].find((folder) => existsSync(join(folder, 'onnx')));
  if (!found) {
    throw new Error(
      '[bench soak] --tiny needs the fixtures of @sieve/onnx: run it from a Sieve checkout',
    );
  }
  return found;
}

const megabytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

/** The soak table: one row a phase. */
export function formatSoakTable(phases: readonly SoakPhase[]): string {
  return formatTable(
    [
      'phase',
      'steps',
      'completed',
      'errors',
      's',
      'RSS start MB',
      'at 10% MB',
      'end MB',
      'growth',
      'verdict',
    ],
    phases.map((phase) => [
      phase.name,
      String(phase.steps),
      String(phase.completed),
      String(phase.errors),
      phase.seconds.toFixed(0),
      megabytes(phase.samples[0]!.rssBytes),
      megabytes(phase.baselineBytes),
      megabytes(phase.endBytes),
      `${(phase.growth * 100).toFixed(1)}%`,
      phase.passed ? 'pass' : 'FAIL',
    ]),
  );
}

/** Up to `count` of a phase's samples, evenly spread, as `step:MB`. */
function sampleLine(phase: SoakPhase, count = 12): string {
  const stride = Math.max(1, Math.ceil(phase.samples.length / count));
  const shown = phase.samples.filter(
    (_, index) => index % stride === 0 || index === phase.samples.length - 1,
  );
  return `${phase.name} (step:RSS MB/heap MB): ${shown.map((sample) => `${sample.step}:${megabytes(sample.rssBytes)}/${megabytes(sample.heapUsedBytes)}`).join(' ')}`;
}

/**
 * `sieve bench soak`: builds BM25 over SciFact and a cascade (BM25 top-`depth` -> prefilter keeps
 * `prefilterTopK` -> reranker keeps `topK`), tokenizes every distinct query's candidates once (the
 * bounded token cache fills before measuring), then runs `queries` searches in process, the same
 * number through `createServer`'s `POST /search`, and `cycles` create/score/dispose cycles of the
 * reranker; RSS is sampled every `sampleEvery` steps. Prints and saves the samples and the
 * verdict (`passed`; the command exits 1 when it is false).
 *
 * @example
 * ```ts
 * const result = await benchSoak(createCliContext({}), { tiny: true, queries: 300, cycles: 40 });
 * ```
 */
export async function benchSoak(
  context: CliContext,
  options: SoakBenchOptions = {},
): Promise<SoakBenchResult> {
  const tiny = options.tiny === true ? tinyFixture(context) : undefined;
  const prefilterModel =
    options.prefilter ?? tiny ?? join(context.modelsDir, 'ms-marco-TinyBERT-L-2-v2');
  const rerankerModel =
    options.reranker ?? tiny ?? join(context.modelsDir, 'ms-marco-MiniLM-L-6-v2');
  requirePaths(
    { dataset: context.datasetDir, prefilter: prefilterModel, reranker: rerankerModel },
    benchInputsHint,
  );
  const steps = options.queries ?? 10_000;
  const depth = options.depth ?? 100;
  const prefilterTopK = Math.min(options.prefilterTopK ?? 30, depth);
  const topK = Math.min(options.topK ?? 10, prefilterTopK);
  const cycles = options.cycles ?? 200;
  const every = options.sampleEvery ?? Math.max(1, Math.ceil(steps / 50));
  const concurrency = options.concurrency ?? 4;
  const machine = describeMachine();

  const { corpus, queries: queryMap } = await loadBeirDataset(context.datasetDir, 'test');
  const queries = [...queryMap.values()];
  const bm25 = createBm25Retriever();
  bm25.add(corpus);
  const byId = new Map(corpus.map((document) => [document.id, document]));
  const prefilter = await createCrossEncoder({
    model: prefilterModel,
    dtype: 'fp32',
    stageId: 'prefilter',
  });
  let reranker: CrossEncoder | undefined;
  const phases: SoakPhase[] = [];
  let firstPairs: Array<{ query: string; text: string }> = [];
  try {
    reranker = await createCrossEncoder({
      model: rerankerModel,
      dtype: 'int8',
      stageId: 'reranker',
    });
    const randomWeights = isGeneratedModel(rerankerModel) || isGeneratedModel(prefilterModel);
    context.print(
      `soak on ${machineLine(machine)}; BM25 top-${depth} -> ${prefilterModel} (fp32) keeps ${prefilterTopK} -> ${rerankerModel} (int8) keeps ${topK}; ${steps} queries (of ${queries.length}) in process and through the server (${concurrency} in flight), ${cycles} create/dispose cycles; RSS every ${every} queries`,
    );
    if (randomWeights) {
      context.print(
        '(architecture-exact models with random weights: speeds are real, scores are not)',
      );
    }
    const cascade = createCascade({
      retrievers: [bm25],
      documentStore: createMemoryDocumentStore(corpus),
      retrievalTopK: depth,
      stages: [
        { scorer: prefilter, topK: prefilterTopK },
        { scorer: reranker, topK },
      ],
      topK,
    });
    // Warm-up, not measured: two passes of the whole cascade over every distinct query. Native
    // memory (ONNX Runtime's arenas for each batch shape, the allocator's pools, the bounded token
    // cache's buffers) grows until every shape and document has been seen, then stays flat: RSS
    // rose ~50 MB over the first ~500 queries of the tiny run and was flat after (the V8 heap
    // flat throughout); measured from the start, or after one pass, that one-time growth read as
    // +7-18%. The warm-up collects garbage as often as the sampler will, so the measured phase
    // starts from the state it keeps.
    const warmUpPasses = 2;
    const warmUp = context.progress('soak: warm-up', warmUpPasses * queries.length);
    const collect = garbageCollector();
    for (let index = 0; index < warmUpPasses * queries.length; index++) {
      await cascade.search({ query: queries[index % queries.length]! });
      if ((index + 1) % every === 0) collect();
      warmUp.tick();
    }
    warmUp.done();
    const first = await bm25.doRetrieve({ query: queries[0]!, topK: 8 });
    firstPairs = first.map(({ id }) => ({
      query: queries[0]!,
      text: documentContents(byId.get(id)!),
    }));

    // Phase (a): cascade.search one query after another.
    phases.push(
      await runSteps(context, 'library', steps, every, async (step) => {
        await cascade.search({ query: queries[step % queries.length]! });
      }),
    );
    context.print(sampleLine(phases.at(-1)!));
    phases.push(await serverPhase(context, cascade, queries, steps, every, concurrency));
    context.print(sampleLine(phases.at(-1)!));
  } finally {
    await Promise.all([prefilter.dispose(), reranker?.dispose()]);
  }
  // Phase (c): cross-encoders created, used on a few pairs and disposed, over and over.
  phases.push(
    await runSteps(context, 'cycles', cycles, Math.max(1, Math.ceil(cycles / 50)), async () => {
      const cycled = await createCrossEncoder({
        model: rerankerModel,
        dtype: 'int8',
        stageId: 'reranker',
      });
      try {
        await cycled.scorePairs({ pairs: firstPairs });
      } finally {
        await cycled.dispose();
      }
    }),
  );
  context.print(sampleLine(phases.at(-1)!));

  context.print();
  context.print(formatSoakTable(phases));
  const passed = phases.every((phase) => phase.passed);
  context.print(
    passed
      ? `soak passed: every phase grew less than ${soakMaxGrowth * 100}% after its first 10%, without errors`
      : `soak FAILED: ${phases
          .filter((phase) => !phase.passed)
          .map(
            (phase) =>
              `${phase.name} grew ${(phase.growth * 100).toFixed(1)}% with ${phase.errors} errors${phase.firstError ? ` (first: ${phase.firstError})` : ''}`,
          )
          .join('; ')}`,
  );
  const result: SoakBenchResult = {
    benchmark: 'soak',
    command: options.command ?? ['sieve', ...process.argv.slice(2)].join(' '),
    date: new Date().toISOString(),
    machine,
    prefilter: prefilterModel,
    reranker: rerankerModel,
    modelsAreRandomWeights: isGeneratedModel(rerankerModel) || isGeneratedModel(prefilterModel),
    distinctQueries: queries.length,
    queries: steps,
    depth,
    prefilterTopK,
    topK,
    cycles,
    concurrency,
    maxGrowth: soakMaxGrowth,
    phases,
    passed,
  };
  saveResult(context, 'soak', result);
  return result;
}
