import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  type CascadeConfig,
  type CascadeConfigTuned,
  type CascadeStats,
  createCascadeFromConfig,
} from '@sieve/cascade';
import {
  formatTable,
  InvalidArgumentError,
  InvalidConfigError,
  type SieveDocument,
} from '@sieve/core';
import type { Dtype } from '@sieve/onnx';
import type { CrossEncoder } from '@sieve/rerank';
import {
  type Bm25Retriever,
  createBm25Retriever,
  createMemoryDocumentStore,
  type MemoryDocumentStore,
} from '@sieve/retrieval';
import { paretoFrontier, renderFrontierSvg } from '../charts/frontier.js';
import { parseCascadeShape } from '../evaluate/cascade-shape.js';
import { evaluationModels } from '../evaluate/evaluate-cascade.js';
import { randomWeightsNote } from '../results/evaluation-result.js';
import { runStamp, saveResult, saveResultFile } from '../results/save-result.js';
import { type CliContext, typedFromFolder } from '../support/cli-context.js';
import { describeMachine, machineLine } from '../support/machine.js';
import type { Progress } from '../support/progress.js';
import { chooseByLabels, chooseShape } from './choose-shape.js';
import { loadConfigModels } from './load-config-models.js';
import {
  agreementWith,
  estimateMs,
  meanNdcgAt10,
  type ReplayedShape,
  replayShapes,
} from './replay-shapes.js';
import {
  retrieveSample,
  type SampleQuery,
  type ScorerCost,
  scoreCandidates,
} from './score-candidates.js';
import { readTuneInputs, type TuneInputs, type TuneSource } from './tune-inputs.js';
import type { TunedShape, TuneResult, TuneTarget, TuneVerification } from './tune-result.js';
import {
  enumerateShapes,
  referenceShape,
  scoreGapValues,
  shapeConfig,
  type TuneModels,
  tuneModelNames,
} from './tune-shapes.js';

/** Options of {@link runTune}. */
export interface TuneOptions {
  /** The corpus and the sample queries: a BEIR folder (optionally a split) or two JSONL files. */
  source: TuneSource;
  /** Tune on the first N queries. @default 100 */
  sample?: number;
  /**
   * The reranker whose answer the cascade keeps: a model folder or a hub id.
   * @default `<models>/ms-marco-MiniLM-L-6-v2`, else the hub's
   */
  reranker?: string;
  /**
   * The prefilter: a model folder, a hub id, or `none` (shapes without a prefilter only). The
   * reranker's own model with `prefilterMaxLength` makes a cheap first pass.
   * @default `<models>/ms-marco-TinyBERT-L-2-v2`, else the hub's
   */
  prefilter?: string;
  /** @default 'int8' */
  rerankerDtype?: Dtype;
  /** @default 'fp32' */
  prefilterDtype?: Dtype;
  /** The prefilter's longest pair in tokens. @default the model's own */
  prefilterMaxLength?: number;
  /** Length of the final ranking, and the k of the agreement measures. @default 10 */
  k?: number;
  /** The deepest retrieval tried; the reference is the reranker over it. @default 100 */
  maxDepth?: number;
  /** @default { minAgreement: 0.95 } */
  target?: TuneTarget;
  /** Where the configuration is written. @default `tuned-cascade.json` where the command was typed */
  out?: string;
}

const defaults = { sample: 100, k: 10, maxDepth: 100, minAgreement: 0.95 } as const;

/** A positive integer option, or a usage error naming its flag. */
function positive(value: number, flag: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: flag,
      message: `--${flag} must be a positive integer, got ${value}`,
    });
  }
  return value;
}

/** The target, checked: a share in (0, 1], or a positive number of milliseconds. */
function checkTarget(target: TuneTarget): TuneTarget {
  if ('minAgreement' in target && 'budgetMs' in target) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'budget-ms',
      message: 'pass --budget-ms or --min-agreement, not both',
    });
  }
  if ('minAgreement' in target && !(target.minAgreement > 0 && target.minAgreement <= 1)) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'min-agreement',
      message: `--min-agreement must be a share in (0, 1], got ${target.minAgreement}`,
    });
  }
  if ('budgetMs' in target && !(target.budgetMs > 0 && Number.isFinite(target.budgetMs))) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'budget-ms',
      message: `--budget-ms must be a positive number of milliseconds, got ${target.budgetMs}`,
    });
  }
  return target;
}

/**
 * `sieve tune`: the cheapest cascade that keeps the reranker's answer, without labels. Retrieves
 * BM25 candidates at `maxDepth` for a sample of queries, scores every candidate once with the
 * reranker (its ranking over `maxDepth` is the reference) and once with the prefilter, timing
 * both on this machine; then replays every shape of the search space (depth x prefilter keep x
 * pruning) through the real cascade with scorers that answer from those scores, and measures each
 * shape's top-k overlap and rank-biased overlap with the reference (nDCG@10 too when the sample
 * has judgments) and its estimated cost. It chooses the cheapest shape that reaches
 * `minAgreement` (or the most agreeing within `budgetMs`), writes it as a configuration
 * (`createCascadeFromConfig` reads it), builds that cascade from the file's models and runs it on
 * the sample to measure its agreement and latency, prints the frontier, saves the chart and the
 * JSON result, and returns the result.
 *
 * @example
 * ```ts
 * const result = await runTune(createCliContext({}), {
 *   source: { corpus: './corpus.jsonl', queries: './queries.jsonl' },
 *   reranker: './models/my-reranker',
 *   target: { minAgreement: 0.95 },
 *   out: './tuned-cascade.json',
 * });
 * console.log(result.chosen, result.verified.overlap, result.verified.latencyMs.p50);
 * ```
 */
export async function runTune(context: CliContext, options: TuneOptions): Promise<TuneResult> {
  const k = positive(options.k ?? defaults.k, 'k');
  const maxDepth = positive(options.maxDepth ?? defaults.maxDepth, 'max-depth');
  const sampleSize = positive(options.sample ?? defaults.sample, 'sample');
  if (maxDepth < k) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'max-depth',
      message: `--max-depth ${maxDepth} is shallower than --k ${k}`,
    });
  }
  const target = checkTarget(options.target ?? { minAgreement: defaults.minAgreement });
  const out = resolve(typedFromFolder(), options.out ?? 'tuned-cascade.json');
  const withPrefilter = options.prefilter !== 'none';
  // Every usage problem before anything slow: models first, then the inputs.
  const chosenModels = evaluationModels(
    context,
    [parseCascadeShape(withPrefilter ? 'bm25=10,tiny=10,minilm=10' : 'bm25=10,minilm=10')],
    {
      ...(options.reranker === undefined ? {} : { reranker: options.reranker }),
      ...(withPrefilter && options.prefilter !== undefined ? { prefilter: options.prefilter } : {}),
      ...(options.rerankerDtype === undefined ? {} : { rerankerDtype: options.rerankerDtype }),
      ...(options.prefilterDtype === undefined ? {} : { prefilterDtype: options.prefilterDtype }),
    },
  );
  if (!withPrefilter && options.prefilterMaxLength !== undefined) {
    context.warn('[sieve] --prefilter-max-length is unused: --prefilter none');
  }
  const models: TuneModels = {
    reranker: { model: chosenModels.reranker!, dtype: chosenModels.rerankerDtype },
    prefilter:
      chosenModels.prefilter === null
        ? null
        : {
            model: chosenModels.prefilter,
            dtype: chosenModels.prefilterDtype,
            ...(options.prefilterMaxLength === undefined
              ? {}
              : { maxLength: options.prefilterMaxLength }),
          },
  };
  const inputs = await readTuneInputs(options.source);
  const queries = inputs.queries.slice(0, sampleSize);
  if (queries.length === 0) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'queries',
      message: `${inputs.description} has no queries${'split' in options.source && options.source.split !== undefined ? ` judged in ${options.source.split}` : ''}`,
    });
  }
  const machine = describeMachine();
  const date = new Date();
  context.print(
    `tune on ${inputs.description}: ${queries.length} of ${inputs.queries.length} queries, ${inputs.corpus.length} documents; k ${k}, BM25 to depth ${maxDepth}; ${machineLine(machine)}`,
  );
  context.print(`reranker: ${describeModel(models.reranker)}`);
  context.print(`prefilter: ${models.prefilter ? describeModel(models.prefilter) : 'none'}`);
  if (chosenModels.generated) context.print(`note: ${randomWeightsNote}`);

  const bm25 = createBm25Retriever();
  bm25.add(inputs.corpus);
  const store = createMemoryDocumentStore(inputs.corpus);
  const documents = new Map<string, SieveDocument>(
    inputs.corpus.map((document) => [document.id, document]),
  );
  const { sample, retrievalMs } = await retrieveSample(bm25, queries, maxDepth);
  const measured = await measureModels(context, models, sample, documents, maxDepth, k);
  const costs: Record<string, ScorerCost> = { [tuneModelNames.reranker]: measured.reranker.cost };
  if (measured.prefilter) costs[tuneModelNames.prefilter] = measured.prefilter.cost;
  context.print(
    `BM25 ${retrievalMs.toFixed(2)} ms/query; ${[
      `reranker ${describeCost(measured.reranker.cost)}`,
      measured.prefilter ? `prefilter ${describeCost(measured.prefilter.cost)}` : '',
    ]
      .filter(Boolean)
      .join('; ')}`,
  );

  const shapes = enumerateShapes({
    k,
    maxDepth,
    prefilter: measured.prefilter !== null,
    gaps: {
      retrieval: scoreGapValues(
        sample.map((query) => query.candidates.map((candidate) => candidate.score)),
        k,
      ),
      prefilter: measured.prefilter
        ? scoreGapValues(
            [...measured.prefilter.scores.values()].map((byId) =>
              [...byId.values()].sort((a, b) => b - a),
            ),
            k,
          )
        : [],
    },
  });
  const replayProgress = context.progress('replay', shapes.length);
  let replayed: ReplayedShape[];
  try {
    replayed = await replayShapes(shapes, {
      sample,
      scores: {
        reranker: measured.reranker.scores,
        prefilter: measured.prefilter?.scores ?? null,
      },
      models,
      documents,
      progress: replayProgress,
    });
  } finally {
    replayProgress.done();
  }
  const referenceId = referenceShape(k, maxDepth).id;
  const reference = replayed.find((item) => item.shape.id === referenceId)!;
  const referenceMs = estimateMs(reference, retrievalMs, costs);
  const rows = replayed.map((item): TunedShape => {
    const estimatedMs = estimateMs(item, retrievalMs, costs);
    return {
      shape: item.shape.id,
      ...agreementWith(item.topIds, reference.topIds, k),
      ndcgAt10: meanNdcgAt10(item.topIds, sample, inputs.qrels),
      pairsPerQuery: item.pairsPerQuery,
      callsPerQuery: item.callsPerQuery,
      estimatedMs,
      costFraction: referenceMs > 0 ? estimatedMs / referenceMs : 1,
      onFrontier: false,
    };
  });
  for (const point of paretoFrontier(
    rows.map((row) => ({
      label: row.shape,
      latencyMs: row.estimatedMs,
      quality: row.overlap,
      row,
    })),
  )) {
    point.row.onFrontier = true;
  }
  const best = chooseShape(rows, target);
  const referenceRow = rows.find((row) => row.shape === referenceId)!;
  const labelled = chooseByLabels(rows, referenceRow) ?? null;
  const bestShape = replayed.find((item) => item.shape.id === best.shape)!.shape;
  const shown = rows
    .filter(
      (row) => row.onFrontier || row === best || row === labelled || row.shape === referenceId,
    )
    .sort((a, b) => a.estimatedMs - b.estimatedMs);
  context.print(
    `\nreplayed ${rows.length} shapes through the cascade on the recorded scores; the frontier of estimated cost against overlap@${k} with the reference ${referenceId} (the full rerank):`,
  );
  context.print(
    formatTuneTable(shown, {
      k,
      best,
      labelled,
      referenceId,
      judged: inputs.qrels !== null,
    }),
  );
  const usesInt8 = [models.reranker, models.prefilter].some((model) => model?.dtype === 'int8');
  if (usesInt8) {
    context.print(
      'note: int8 scores move slightly with their batch-mates, so the replayed agreement is approximate; the verified figures below are measured',
    );
  }
  context.print(
    `\nchosen: ${best.shape}: overlap@${k} ${best.overlap.toFixed(3)}, RBO ${best.rbo.toFixed(3)}, estimated ${best.estimatedMs.toFixed(1)} ms/query (${(best.costFraction * 100).toFixed(0)}% of the full rerank's ${referenceMs.toFixed(1)} ms) for ${describeTarget(target, k)}`,
  );

  if (labelled !== null) {
    context.print(
      `with the judgments: the cheapest shape within 1% of the full rerank's nDCG@10 (${referenceRow.ndcgAt10!.toFixed(4)}) is ${labelled.shape} (nDCG@10 ${labelled.ndcgAt10!.toFixed(4)}, estimated ${labelled.estimatedMs.toFixed(1)} ms/query)${labelled === best ? ': the label-free choice' : ''}`,
    );
  }

  const config = shapeConfig(bestShape, models);
  const provenance: CascadeConfigTuned = {
    date: date.toISOString(),
    queries: sample.length,
    k,
    target,
    reference: referenceId,
    agreement: {
      overlap: best.overlap,
      rbo: best.rbo,
      ...(best.ndcgAt10 === null ? {} : { ndcgAt10: best.ndcgAt10 }),
    },
    estimatedMs: best.estimatedMs,
    tool: 'sieve tune',
    input: inputs.description,
  };
  const verifyProgress = context.progress('verify', sample.length);
  const verified = await verifyConfig(config, {
    progress: verifyProgress,
    bm25,
    store,
    sample,
    reference: reference.topIds,
    k,
    qrels: inputs.qrels,
    estimatedMs: best.estimatedMs,
  }).finally(() => verifyProgress.done());
  context.print(
    `verified (the cascade built from the configuration, run on the ${sample.length} queries): overlap@${k} ${verified.overlap.toFixed(3)} (replayed ${best.overlap.toFixed(3)}), RBO ${verified.rbo.toFixed(3)}${verified.ndcgAt10 === null ? '' : `, nDCG@10 ${verified.ndcgAt10.toFixed(4)}`}; p50 ${verified.latencyMs.p50.toFixed(1)} ms, mean ${verified.latencyMs.mean.toFixed(1)} ms (estimated ${best.estimatedMs.toFixed(1)} ms)`,
  );
  const written: CascadeConfig = {
    ...config,
    tuned: {
      ...provenance,
      measured: {
        overlap: verified.overlap,
        rbo: verified.rbo,
        p50Ms: verified.latencyMs.p50,
        meanMs: verified.latencyMs.mean,
      },
    },
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.tmp`, `${JSON.stringify(written, null, 2)}\n`);
  renameSync(`${out}.tmp`, out);
  context.print(`config: ${out}`);

  const stamp = runStamp(date);
  const points = shown.map((row) => ({
    label: `${row.shape}${row === best ? ' (chosen)' : ''}${row.shape === referenceId ? ' (reference)' : ''}`,
    latencyMs: row.estimatedMs,
    quality: row.overlap,
  }));
  const files = {
    svg: saveResultFile(context, stamp, {
      name: 'tune',
      extension: 'svg',
      content: renderFrontierSvg(points, {
        title: `sieve tune: overlap@${k} with the full rerank vs estimated cost, ${sample.length} queries`,
        qualityLabel: `overlap@${k} with the full rerank`,
        latencyLabel: 'estimated mean latency per query',
        ...(chosenModels.generated ? { note: randomWeightsNote } : {}),
      }),
    }),
  };
  context.print(`chart: ${files.svg}`);
  const result: TuneResult = {
    command: 'tune',
    date: date.toISOString(),
    machine,
    input: inputs.description,
    split: 'split' in options.source ? (options.source.split ?? null) : null,
    documents: inputs.corpus.length,
    queries: sample.length,
    availableQueries: inputs.queries.length,
    k,
    maxDepth,
    target,
    models,
    modelsAreRandomWeights: chosenModels.generated,
    cost: {
      retrievalMs,
      reranker: measured.reranker.cost,
      prefilter: measured.prefilter?.cost ?? null,
    },
    reference: referenceId,
    shapes: rows,
    chosen: best.shape,
    labelledChoice: labelled?.shape ?? null,
    verified,
    config: out,
    files,
  };
  saveResult(context, 'tune', result, stamp);
  return result;
}

/** `folder (int8, max length 64)`. */
function describeModel(model: { model: string; dtype: string; maxLength?: number }): string {
  return `${model.model} (${model.dtype}${model.maxLength === undefined ? '' : `, max length ${model.maxLength} tokens`})`;
}

/** `0.41 ms/pair + 1.2 ms/call (full list 42.3 ms/query)`. */
function describeCost(cost: ScorerCost): string {
  return `${cost.msPerPair.toFixed(3)} ms/pair + ${cost.msPerCall.toFixed(2)} ms/call (whole list ${cost.fullCallMs.toFixed(1)} ms/query)`;
}

function describeTarget(target: TuneTarget, k: number): string {
  return 'minAgreement' in target
    ? `--min-agreement ${target.minAgreement} (overlap@${k})`
    : `--budget-ms ${target.budgetMs}`;
}

/**
 * Scores every sample candidate with the reranker and the prefilter, loaded as the configuration
 * loads them (one token cache per model folder), and disposes them. A prefilter `maxLength` the
 * model cannot take is the user's flag: a usage error naming it.
 */
async function measureModels(
  context: CliContext,
  models: TuneModels,
  sample: readonly SampleQuery[],
  documents: ReadonlyMap<string, SieveDocument>,
  maxDepth: number,
  k: number,
): Promise<{
  reranker: Awaited<ReturnType<typeof scoreCandidates>>;
  prefilter: Awaited<ReturnType<typeof scoreCandidates>> | null;
}> {
  const config = {
    version: 1,
    retrieval: { retriever: 'bm25', depth: maxDepth },
    models: {
      [tuneModelNames.reranker]: models.reranker,
      ...(models.prefilter ? { [tuneModelNames.prefilter]: models.prefilter } : {}),
    },
    stages: [
      ...(models.prefilter ? [{ model: tuneModelNames.prefilter, topK: maxDepth }] : []),
      { model: tuneModelNames.reranker, topK: k },
    ],
    topK: k,
  } satisfies CascadeConfig;
  let scorers: Record<string, CrossEncoder>;
  try {
    scorers = await loadConfigModels(config);
  } catch (error) {
    throw maxLengthProblem(error, models) ?? error;
  }
  try {
    const score = async (name: string) => {
      const progress = context.progress(name, sample.length);
      try {
        return await scoreCandidates(scorers[name]!, sample, documents, progress);
      } finally {
        progress.done();
      }
    };
    const reranker = await score(tuneModelNames.reranker);
    const prefilter = models.prefilter ? await score(tuneModelNames.prefilter) : null;
    return { reranker, prefilter };
  } finally {
    await Promise.all(Object.values(scorers).map((scorer) => scorer.dispose()));
  }
}

/** A prefilter maxLength beyond the model's limit, as a usage error naming the flag. */
function maxLengthProblem(error: unknown, models: TuneModels): Error | undefined {
  const maxLength = models.prefilter?.maxLength;
  if (maxLength === undefined || !InvalidConfigError.isInstance(error)) return undefined;
  const issue = error.issues.find((item) => item.path === 'maxLength');
  if (issue === undefined) return undefined;
  return new InvalidArgumentError({
    component: 'cli',
    argument: 'prefilter-max-length',
    message: `--prefilter-max-length ${maxLength}: ${issue.message}`,
    cause: error,
  });
}

/**
 * Builds the cascade from the configuration as an application would (`loadConfigModels`, then
 * `createCascadeFromConfig` with the real BM25 and document store), runs it on the sample after
 * one warm-up query, and measures its agreement with the reference and its latency.
 */
async function verifyConfig(
  config: CascadeConfig,
  options: {
    progress: Progress;
    bm25: Bm25Retriever;
    store: MemoryDocumentStore;
    sample: readonly SampleQuery[];
    reference: readonly string[][];
    k: number;
    qrels: TuneInputs['qrels'];
    estimatedMs: number;
  },
): Promise<TuneVerification> {
  const scorers = await loadConfigModels(config);
  let cascade: ReturnType<typeof createCascadeFromConfig>;
  try {
    cascade = createCascadeFromConfig(config, {
      scorers,
      retrievers: { bm25: options.bm25 },
      documentStore: options.store,
    });
  } catch (error) {
    await Promise.all(Object.values(scorers).map((scorer) => scorer.dispose()));
    throw error;
  }
  try {
    await cascade.search({ query: options.sample[0]!.text });
    cascade.resetStats();
    const topIds: string[][] = [];
    for (const query of options.sample) {
      const result = await cascade.search({ query: query.text });
      topIds.push(result.candidates.map((candidate) => candidate.id));
      options.progress.tick();
    }
    const stats: CascadeStats = cascade.stats();
    return {
      ...agreementWith(topIds, options.reference, options.k),
      ndcgAt10: meanNdcgAt10(topIds, options.sample, options.qrels),
      latencyMs: stats.latencyMs,
      estimatedMs: options.estimatedMs,
    };
  } finally {
    await cascade.dispose();
  }
}

/**
 * One line per shape: overlap@k, RBO, nDCG@10 (with judgments), pairs and calls per query per
 * model, estimated ms per query and as a fraction of the reference's, and a mark: `chosen`,
 * `by labels` (what the judgments would choose), `reference`, `*` on the frontier.
 */
export function formatTuneTable(
  rows: readonly TunedShape[],
  options: {
    k: number;
    best?: TunedShape;
    labelled?: TunedShape | null;
    referenceId?: string;
    judged: boolean;
  },
): string {
  const { k, best, labelled, referenceId, judged } = options;
  const perQuery = (record: Record<string, number>, name: string): string =>
    record[name] === undefined ? '-' : record[name]!.toFixed(1);
  return formatTable(
    [
      'shape',
      `overlap@${k}`,
      'RBO',
      ...(judged ? ['nDCG@10'] : []),
      'prefilter pairs/q',
      'reranker pairs/q',
      'calls/q',
      'est. ms/q',
      'cost/ref',
      '',
    ],
    rows.map((row) => [
      row.shape,
      row.overlap.toFixed(3),
      row.rbo.toFixed(3),
      ...(judged ? [row.ndcgAt10 === null ? '-' : row.ndcgAt10.toFixed(4)] : []),
      perQuery(row.pairsPerQuery, tuneModelNames.prefilter),
      perQuery(row.pairsPerQuery, tuneModelNames.reranker),
      Object.values(row.callsPerQuery)
        .reduce((sum, calls) => sum + calls, 0)
        .toFixed(1),
      row.estimatedMs.toFixed(1),
      row.costFraction.toFixed(3),
      [
        row === best ? 'chosen' : '',
        row === labelled ? 'by labels' : '',
        row.shape === referenceId ? 'reference' : '',
        row.onFrontier ? '*' : '',
      ]
        .filter(Boolean)
        .join(' '),
    ]),
  );
}
