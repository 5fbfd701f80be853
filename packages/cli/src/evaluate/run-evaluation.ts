import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatCascadeStats, formatPrometheus } from '@sieve/cascade';
import {
  DependencyLoadError,
  formatTable,
  InvalidArgumentError,
  InvalidConfigError,
  ModelLoadError,
  type SieveDocument,
} from '@sieve/core';
import { createOnnxEmbedder, loadTokenizer, type OnnxEmbedder } from '@sieve/onnx';
import { createBm25Retriever, createHybridRetriever, loadBeirDataset } from '@sieve/retrieval';
import { machineRoofline } from '../bench/gemm.js';
import { passageQrels } from '../bench/passages.js';
import { workloadPassages } from '../bench/workload.js';
import { evaluationCharts } from '../charts/evaluation-charts.js';
import { paretoFrontier } from '../charts/frontier.js';
import {
  type EvaluationModels,
  type EvaluationResult,
  type EvaluationWorkload,
  randomWeightsNote,
  type SavedShapeEvaluation,
  type ShapeEvaluation,
} from '../results/evaluation-result.js';
import { runStamp, saveResult, saveResultFile, saveResultFiles } from '../results/save-result.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { describeMachine, machineLine } from '../support/machine.js';
import type { ShapeRetriever } from './cascade-shape.js';
import { type DenseIndex, loadOrBuildDenseIndex } from './dense-index.js';
import {
  type EvaluationModelOptions,
  type EvaluationRetrievers,
  evaluateShape,
  evaluationModels,
  scorerStageIds,
} from './evaluate-cascade.js';
import { compareWithReference, planReference } from './reference-agreement.js';

/** Options of {@link runEvaluation}. */
export interface EvaluationOptions extends EvaluationModelOptions {
  /**
   * `eval` (one or a few shapes, all queries) or `cascade` (a sweep, with the frontier chart and
   * page); also the name of the saved files.
   */
  name: 'eval' | 'cascade';
  /**
   * Cascade shapes, as {@link parseCascadeShape} reads them: `bm25=N`, `dense=N` or `hybrid=N`,
   * then the stages.
   */
  shapes: string[];
  /**
   * The shape the agreement and cost columns compare with (`--reference`), run too when `shapes`
   * lacks it. @default the full rerank among `shapes`: a reranker, no prefilter, no pruning, the
   * deepest retrieval; none (null columns) when no shape is one
   */
  reference?: string;
  /** The BEIR split (`qrels/<split>.tsv`), e.g. `test`. */
  split: string;
  /**
   * `documents`: the corpus as it is; `passages`: each text cut into passages of up to 3
   * sentences (40-90 tokens, pairs ~96 tokens: web and RAG lengths), each passage judged as its
   * document. @default 'documents'
   */
  workload?: EvaluationWorkload;
  /** First N judged queries; all when undefined. */
  queries?: number;
  /** Also save the Prometheus exposition of each shape's stats. @default false */
  prometheus?: boolean;
  /**
   * The split whose judged queries `prune=bounded` shapes fit their bound on (`--bound-split`):
   * never the evaluated split. @default 'train'
   */
  boundSplit?: string;
  /** How many of its judged queries (`--bound-queries`). @default 100 */
  boundQueries?: number;
}

/**
 * The dataset of a run: as it is, or cut into passages with the tokenizer of the first local model
 * folder among the reranker, the prefilter and the embedder (the lengths are in its tokens).
 */
async function loadEvaluationDataset(
  context: CliContext,
  options: EvaluationOptions,
  models: Pick<EvaluationModels, 'reranker' | 'prefilter' | 'embedder'>,
): Promise<Awaited<ReturnType<typeof loadBeirDataset>>> {
  const dataset = await loadBeirDataset(context.datasetDir, options.split);
  if (options.workload !== 'passages') return dataset;
  const folder = [models.reranker, models.prefilter, models.embedder].find(
    (model): model is string => model !== null && existsSync(join(model, 'config.json')),
  );
  if (!folder) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'workload',
      message:
        '--workload passages measures passages in tokens and needs a local model folder for the tokenizer: pass --reranker DIR (or --models DIR with the models)',
    });
  }
  const { tokenizer } = await loadTokenizer({ modelId: folder, folder });
  const corpus = workloadPassages(dataset.corpus, tokenizer);
  return { ...dataset, corpus, qrels: passageQrels(dataset.qrels, corpus) };
}

/**
 * The judged queries `prune=bounded` shapes fit their bound on: the first `boundQueries` of
 * `boundSplit`, which may not be the split evaluated (parameters are chosen on one split and
 * reported on another).
 */
async function loadBoundQueries(
  context: CliContext,
  options: EvaluationOptions,
): Promise<{ split: string; queries: string[] }> {
  const split = options.boundSplit ?? 'train';
  if (split === options.split) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'bound-split',
      message: `prune=bounded would fit its bound on the queries it is evaluated on (--split ${options.split}); pass --bound-split with another split, e.g. train`,
    });
  }
  const { queries, qrels } = await loadBeirDataset(context.datasetDir, split);
  const judged = [...queries].filter(([id]) => (qrels.get(id)?.size ?? 0) > 0);
  return { split, queries: judged.slice(0, options.boundQueries ?? 100).map(([, text]) => text) };
}

/**
 * Evaluates cascade shapes on a BEIR dataset (`sieve eval`, `sieve bench cascade`): quality
 * (nDCG@10, MRR@10, Recall@10, retrieval Recall@100 and at depth), top-10 agreement with the
 * reference (the full rerank) and cost (per-stage p50/p95 latency, pairs per query, mean latency
 * as a fraction of the reference's), the quality-vs-latency frontier, and, for sweeps, an SVG
 * chart and an HTML page. Shapes retrieve with BM25, dense (the bi-encoder's HNSW index, built
 * once per run when a shape needs it and cached under `<root>/.cache/indexes/`) or hybrid (the two
 * fused by reciprocal rank fusion, k 60). Prints a summary, saves the result as JSON under
 * `context.resultsDir` and returns it. Shapes whose models cannot be loaded are skipped (listed in
 * `skipped`); throws when none can run.
 *
 * @example
 * ```ts
 * const result = await runEvaluation(createCliContext({ dataset: './beir/scifact' }), {
 *   name: 'cascade',
 *   shapes: ['bm25=100', 'bm25=100,tiny=30,minilm=10,prune=patience:2'],
 *   split: 'test',
 *   queries: 50,
 * });
 * console.log(result.shapes.filter((shape) => shape.onFrontier));
 * ```
 */
export async function runEvaluation(
  context: CliContext,
  options: EvaluationOptions,
): Promise<EvaluationResult> {
  const planned = planReference(options.shapes, options.reference);
  const { shapes } = planned;
  // Every usage problem before anything slow: models first, then the dataset.
  const { generated, ...models } = evaluationModels(context, shapes, options);
  requirePaths({ dataset: context.datasetDir }, benchInputsHint);
  const shapeKeys = {
    embedder: 'dense=N or hybrid=N',
    prefilter: 'tiny=K',
    reranker: 'minilm=T',
  } as const;
  for (const role of ['embedder', 'prefilter', 'reranker'] as const) {
    if (models[role] === null && options[role] !== undefined) {
      context.warn(`[sieve] --${role} is unused: no shape has ${shapeKeys[role]}`);
    }
  }
  if (models.embedder === null && options.embedderDtype !== undefined) {
    context.warn(`[sieve] --embedder-dtype is unused: no shape has ${shapeKeys.embedder}`);
  }
  if (models.prefilter === null && options.prefilterMaxLength !== undefined) {
    context.warn('[sieve] --prefilter-max-length is unused: no shape has tiny=K');
  }
  const boundFlags = [
    options.boundSplit === undefined ? [] : ['--bound-split'],
    options.boundQueries === undefined ? [] : ['--bound-queries'],
  ].flat();
  if (boundFlags.length > 0 && !shapes.some((shape) => shape.prune.policy === 'bounded')) {
    context.warn(
      `[sieve] ${boundFlags.join(' and ')} ${boundFlags.length > 1 ? 'are' : 'is'} unused: no shape has prune=bounded`,
    );
  }
  const machine = describeMachine();
  // The roofline says how close the cross-encoders come to the machine's GEMM rate: a run without
  // them has no use for it (nor for the warning when its graphs are missing).
  const roofline =
    models.prefilter === null && models.reranker === null
      ? undefined
      : await machineRoofline(context);
  const { corpus, queries, qrels } = await loadEvaluationDataset(context, options, models);
  const judged = [...queries].filter(([id]) => (qrels.get(id)?.size ?? 0) > 0);
  const selected = judged.slice(0, options.queries ?? judged.length);
  const boundQueries = shapes.some((shape) => shape.prune.policy === 'bounded')
    ? await loadBoundQueries(context, options)
    : undefined;
  context.print(
    `${options.name === 'eval' ? 'evaluation' : 'cascade sweep'} on ${context.datasetDir} (${options.split}: ${selected.length} of ${judged.length} judged queries, ${corpus.length.toLocaleString('en-US')} ${options.workload === 'passages' ? 'passages' : 'documents'}); ${machineLine(machine)}`,
  );
  for (const line of describeModels(models)) context.print(line);
  if (generated) context.print(`note: ${randomWeightsNote}`);
  if (shapes.length > options.shapes.length) {
    context.print(`reference ${planned.reference!.id} is not among the shapes: it runs last`);
  }

  const bm25 = createBm25Retriever();
  const indexStart = performance.now();
  bm25.add(corpus);
  const indexMs = performance.now() - indexStart;
  const dense = await prepareDenseRetrieval(context, models, corpus);
  const retrievers: EvaluationRetrievers = { bm25 };
  if (dense.index) {
    retrievers.dense = dense.index.dense;
    // The library's fusion default: reciprocal rank fusion (k 60), each retriever asked for 2N.
    retrievers.hybrid = createHybridRetriever({ retrievers: [bm25, dense.index.dense] });
  }
  const measured: ShapeEvaluation[] = [];
  const stamp = runStamp();
  const skipped: Array<{ shape: string; reason: string }> = [];
  try {
    for (const shape of shapes) {
      if (shape.retriever !== 'bm25' && dense.problem !== undefined) {
        skipped.push({ shape: shape.id, reason: dense.problem });
        context.warn(`[sieve] skipping shape ${shape.id}: ${dense.problem}`);
        continue;
      }
      const progress = context.progress(shape.id, selected.length);
      try {
        const evaluation = await evaluateShape(
          shape,
          {
            corpus,
            retrievers,
            queries: selected,
            qrels,
            models,
            ...(boundQueries ? { boundQueries } : {}),
          },
          progress,
        ).catch((error: unknown) => {
          throw maxLengthProblem(error, models) ?? error;
        });
        measured.push(evaluation);
        const retrieval = `Recall@${shape.retrievalTopK} (${retrieverNames[shape.retriever]}) ${evaluation.retrievalRecall.toFixed(4)}`;
        const at100 =
          evaluation.recallAt100 === null || shape.retrievalTopK === 100
            ? ''
            : `, Recall@100 (${retrieverNames[shape.retriever]}) ${evaluation.recallAt100.toFixed(4)}`;
        context.print(
          `\n${shape.id}: nDCG@10 ${evaluation.ndcgAt10.toFixed(4)}, MRR@10 ${evaluation.mrrAt10.toFixed(4)}, Recall@10 ${evaluation.recallAt10.toFixed(4)}, ${retrieval}${at100}; ${evaluation.pairsPerQuery.toFixed(1)} pairs/query, p50 ${evaluation.latencyMs.p50.toFixed(1)} ms`,
        );
        if (evaluation.bound) {
          const { slope, intercept, split, queries: fitted, pairs } = evaluation.bound;
          context.print(
            `bound fitted on ${fitted} ${split} queries (${pairs.toLocaleString('en-US')} pairs): reranker score <= ${slope.toPrecision(4)} x previous score + ${intercept.toPrecision(4)}`,
          );
        }
        context.print(formatCascadeStats(evaluation.stats));
      } catch (error) {
        // A shape whose models cannot be had (offline hub, missing folder) is skipped, not fatal:
        // the shapes that can run still do.
        if (!ModelLoadError.isInstance(error)) throw error;
        skipped.push({ shape: shape.id, reason: error.message });
        context.warn(`[sieve] skipping shape ${shape.id}: ${error.message}`);
      } finally {
        progress.done();
      }
    }
  } finally {
    // Only the dense retriever's queries need it.
    await dense.embedder?.dispose();
  }
  if (measured.length === 0) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'models',
      message: `no shape could run: ${skipped.map((item) => item.reason).join('; ')}`,
    });
  }
  const referenceRun = measured.find((evaluation) => evaluation.shape === planned.reference?.id);
  if (planned.reference !== undefined && referenceRun === undefined) {
    context.warn(
      `[sieve] the reference ${planned.reference.id} did not run: no agreement or cost columns`,
    );
  }
  const evaluations = compareWithReference(measured, referenceRun);

  const frontier = new Set(
    paretoFrontier(
      evaluations.map((evaluation) => ({
        label: evaluation.shape,
        latencyMs: evaluation.latencyMs.p50,
        quality: evaluation.ndcgAt10,
        evaluation,
      })),
    ).map((point) => point.evaluation),
  );
  if (referenceRun !== undefined) {
    context.print(
      `\nagree@10 and cost/ref compare with the reference ${referenceRun.shape} (the full rerank), measured in this run`,
    );
  }
  context.print(`\n${formatEvaluationTable(evaluations, frontier)}`);

  const files: Record<string, string> = {};
  if (options.prometheus) {
    evaluations.forEach((evaluation, index) => {
      const file = saveResultFile(context, stamp, {
        name: `${options.name}-shape${index + 1}`,
        extension: 'prom',
        content: formatPrometheus(evaluation.stats, { labels: { shape: evaluation.shape } }),
      });
      files[`prometheus:${evaluation.shape}`] = file;
      context.print(`prometheus:${evaluation.shape}: ${file}`);
    });
  }
  if (options.name === 'cascade') {
    Object.assign(
      files,
      saveResultFiles(
        context,
        stamp,
        evaluationCharts({
          benchmark: options.name,
          queries: selected.length,
          split: options.split,
          machine,
          modelsAreRandomWeights: generated,
          shapes: evaluations,
        }),
      ),
    );
    context.print(`chart: ${files.svg}\npage: ${files.html}`);
  }
  const result: EvaluationResult = {
    benchmark: options.name,
    machine,
    roofline: roofline ?? null,
    dataset: context.datasetDir,
    split: options.split,
    workload: options.workload ?? 'documents',
    documents: corpus.length,
    queries: selected.length,
    models: {
      embedder: models.embedder,
      embedderDtype: models.embedderDtype,
      prefilter: models.prefilter,
      reranker: models.reranker,
      prefilterDtype: models.prefilterDtype,
      rerankerDtype: models.rerankerDtype,
      prefilterMaxLength: maxLengthRan(evaluations, scorerStageIds.prefilter),
      rerankerMaxLength: maxLengthRan(evaluations, scorerStageIds.reranker),
    },
    modelsAreRandomWeights: generated,
    indexing: { milliseconds: indexMs, documentsPerSecond: corpus.length / (indexMs / 1000) },
    denseIndex: dense.index
      ? { built: dense.index.built, seconds: dense.index.seconds, folder: dense.index.folder }
      : null,
    reference: referenceRun?.shape ?? null,
    shapes: evaluations.map((evaluation): SavedShapeEvaluation => {
      const { stats: _stats, topIds: _topIds, ...summary } = evaluation;
      return { ...summary, onFrontier: frontier.has(evaluation) };
    }),
    skipped,
    files,
  };
  saveResult(context, options.name, result, stamp);
  return result;
}

/** How the printed lines name a shape's retriever. */
const retrieverNames: Record<ShapeRetriever, string> = {
  bm25: 'BM25',
  dense: 'dense',
  hybrid: 'hybrid',
};

/**
 * The dense index of a run whose shapes need one (none otherwise): the embedder loaded once, the
 * corpus embedded with a progress bar, or the index loaded from `<root>/.cache/indexes/<key>/`
 * when an earlier run built it. An embedder that cannot be had (offline hub, no hnswlib-node) is a
 * `problem`, and the dense and hybrid shapes are skipped with it. The caller disposes `embedder`.
 */
async function prepareDenseRetrieval(
  context: CliContext,
  models: EvaluationModels,
  corpus: readonly SieveDocument[],
): Promise<{ embedder?: OnnxEmbedder; index?: DenseIndex; problem?: string }> {
  if (models.embedder === null) return {};
  let embedder: OnnxEmbedder | undefined;
  try {
    embedder = await createOnnxEmbedder({ model: models.embedder, dtype: models.embedderDtype });
    const progress = context.progress('dense index', corpus.length);
    let index: DenseIndex;
    try {
      index = await loadOrBuildDenseIndex({
        embedder,
        model: models.embedder,
        dtype: models.embedderDtype,
        dataset: context.datasetDir,
        corpus,
        cacheFolder: join(context.root, '.cache', 'indexes'),
        progress,
        warn: context.warn,
      });
    } finally {
      progress.done();
    }
    context.print(
      index.built
        ? `dense index: embedded ${corpus.length} documents with ${models.embedder} (${models.embedderDtype}) in ${index.embedSeconds.toFixed(1)} s (${(corpus.length / Math.max(index.embedSeconds, 1e-9)).toFixed(1)} documents/s), HNSW in ${(index.seconds - index.embedSeconds).toFixed(1)} s; cached in ${index.folder}`
        : `dense index: loaded from ${index.folder} in ${index.seconds.toFixed(1)} s (embedded by an earlier run; delete the folder to embed again)`,
    );
    return { embedder, index };
  } catch (error) {
    await embedder?.dispose();
    if (!ModelLoadError.isInstance(error) && !DependencyLoadError.isInstance(error)) throw error;
    return { problem: error.message };
  }
}

/** `prefilter: <folder or id> (fp32, max length 64 tokens)`, one line per model the shapes use. */
function describeModels(models: EvaluationModels): string[] {
  const lines: string[] = [];
  if (models.embedder !== null) {
    lines.push(`embedder: ${models.embedder} (${models.embedderDtype})`);
  }
  if (models.prefilter !== null) {
    const length =
      models.prefilterMaxLength === undefined
        ? "the model's max length"
        : `max length ${models.prefilterMaxLength} tokens`;
    lines.push(`prefilter: ${models.prefilter} (${models.prefilterDtype}, ${length})`);
  }
  if (models.reranker !== null) {
    lines.push(`reranker: ${models.reranker} (${models.rerankerDtype})`);
  }
  return lines;
}

/** The maxLength a scoring stage ran with, from the first shape that has it; null when none. */
function maxLengthRan(evaluations: readonly ShapeEvaluation[], stageId: string): number | null {
  for (const evaluation of evaluations) {
    const stage = evaluation.stages.find((item) => item.stageId === stageId);
    if (stage?.maxLength !== undefined) return stage.maxLength;
  }
  return null;
}

/**
 * A prefilter maxLength the model cannot take is the user's flag, not a broken model: a usage
 * error naming the flag (the model's limit is only known once its config is read).
 */
function maxLengthProblem(error: unknown, models: EvaluationModels): Error | undefined {
  if (
    models.prefilterMaxLength === undefined ||
    !InvalidConfigError.isInstance(error) ||
    !error.issues.some((issue) => issue.path === 'maxLength')
  ) {
    return undefined;
  }
  return new InvalidArgumentError({
    component: 'cli',
    argument: 'prefilter-max-length',
    message: `--prefilter-max-length ${models.prefilterMaxLength}: ${error.issues.find((issue) => issue.path === 'maxLength')!.message}`,
    cause: error,
  });
}

/**
 * One line per shape: quality (nDCG@10, MRR@10, Recall@10, retrieval Recall@100 and at depth),
 * top-10 agreement with the reference, cost as a fraction of the reference's mean latency, pairs
 * per query, p50/p95 latency (whole cascade and per stage), frontier mark. A column a shape has no
 * value for (no reference, a retrieval shallower than 100) shows `-`.
 */
export function formatEvaluationTable(
  evaluations: readonly ShapeEvaluation[],
  frontier: ReadonlySet<ShapeEvaluation> = new Set(),
): string {
  const figure = (value: number | null, digits: number): string =>
    value === null ? '-' : value.toFixed(digits);
  return formatTable(
    [
      'shape',
      'nDCG@10',
      'MRR@10',
      'R@10',
      'R@100',
      'R@depth',
      'agree@10',
      'cost/ref',
      'pairs/q',
      'p50 ms',
      'p95 ms',
      'stages p50/p95 ms',
      'frontier',
    ],
    evaluations.map((evaluation) => [
      evaluation.shape,
      evaluation.ndcgAt10.toFixed(4),
      evaluation.mrrAt10.toFixed(4),
      evaluation.recallAt10.toFixed(4),
      figure(evaluation.recallAt100, 4),
      evaluation.retrievalRecall.toFixed(4),
      figure(evaluation.agreementAt10, 3),
      figure(evaluation.costFraction, 3),
      evaluation.pairsPerQuery.toFixed(1),
      evaluation.latencyMs.p50.toFixed(1),
      evaluation.latencyMs.p95.toFixed(1),
      evaluation.stages
        .map(
          (stage) =>
            `${stage.stageId} ${stage.latencyMs.p50.toFixed(1)}/${stage.latencyMs.p95.toFixed(1)}`,
        )
        .join(', '),
      frontier.has(evaluation) ? '*' : '',
    ]),
  );
}
