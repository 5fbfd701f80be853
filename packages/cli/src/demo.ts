/**
 * `sieve demo`, the main job: index Sieve's own documentation with BM25 and a dense HNSW index,
 * then run queries through the full cascade (hybrid retrieval -> TinyBERT prefilter -> pruning ->
 * MiniLM rerank), printing the ranked passages and the per-stage table.
 *
 * Models come from `--embedder`, `--prefilter` and `--reranker` (folders or hub ids), `--models DIR`
 * or the Hugging Face hub (Xenova/ ONNX ports); a hub model that cannot be had is said and left
 * out, down to BM25 alone.
 */
import { isAbsolute } from 'node:path';
import {
  type CascadeSettings,
  createCascade,
  formatCascadeStats,
  formatStageReports,
  patience,
  type ScoringStageSettings,
} from '@sieve/cascade';
import { assertQuery, InvalidArgumentError, type RetrieverV1, SieveError } from '@sieve/core';
import { createOnnxEmbedder, createTokenCache } from '@sieve/onnx';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import {
  createBm25Retriever,
  createDenseRetriever,
  createMemoryDocumentStore,
} from '@sieve/retrieval';
import { loadDemoCorpus } from './demo-corpus.js';
import type { CliContext } from './support/cli-context.js';
import { isGeneratedModel } from './support/generated-model.js';
import { chooseModels, type ModelRole } from './support/model-choice.js';

/** A demo model: named by its flag, else under `--models`, else the hub's Xenova port. */
const demoModel = (flag: string, value: string | undefined, name: string): ModelRole => ({
  flag,
  value,
  name,
  hubId: `Xenova/${name}`,
  needed: true,
});

/** Queries the demo runs when none are given. */
export const demoQueries = [
  'how do I install the CUDA provider for GPU inference',
  'what does the bounded pruning policy guarantee',
  'why do int8 scores change with the batch',
];

/** What the demo returns (and prints as JSON with `--json`). */
export interface DemoResult {
  /** The stages that ran, retrievers first: `['bm25', 'dense', 'prefilter', 'rerank']` at best. */
  stages: string[];
  /** What could not be had and was left out, with the reason. */
  skipped: string[];
  /** Each query's top 3, rank from 1. */
  queries: Array<{
    query: string;
    results: Array<{ rank: number; id: string; score: number; title?: string }>;
  }>;
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Queries to run instead of the built-in ones; each a non-empty string. @default demoQueries */
  queries?: readonly string[];
  /**
   * The dense retriever's embedder (`--embedder`): a model folder (relative to where the command
   * was typed) or a hub id. @default `Xenova/all-MiniLM-L6-v2`, or `<models>/all-MiniLM-L6-v2`
   */
  embedder?: string;
  /** The prefilter (`--prefilter`). @default `Xenova/ms-marco-TinyBERT-L-2-v2`, or under `--models` */
  prefilter?: string;
  /** The reranker (`--reranker`). @default `Xenova/ms-marco-MiniLM-L-6-v2`, or under `--models` */
  reranker?: string;
}

/**
 * Runs the demo (`sieve demo`): Sieve's documentation through the full cascade, printing each
 * query's ranked passages and the per-stage table. Each model comes from its option (a folder or a
 * hub id), else from `context.modelsDir` when `--models` was given (which must then hold it),
 * else from the Hugging Face hub; a hub model that cannot be had is left out (down to BM25 alone)
 * and listed in `skipped`.
 *
 * Throws an InvalidArgumentError, before any model loads, for an empty query or a model folder
 * that does not exist.
 *
 * @example
 * ```ts
 * const { queries } = await runDemo(createCliContext({}), { queries: ['what does pruning do'] });
 * ```
 */
export async function runDemo(context: CliContext, options: DemoOptions = {}): Promise<DemoResult> {
  const queries = options.queries ?? demoQueries;
  if (queries.length === 0) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'query',
      message: 'no queries; pass --query TEXT, or leave it out for the built-in ones',
    });
  }
  for (const query of queries) assertQuery(query, 'cli', '--query');
  const models = chooseModels(
    context,
    {
      embedder: demoModel('embedder', options.embedder, 'all-MiniLM-L6-v2'),
      prefilter: demoModel('prefilter', options.prefilter, 'ms-marco-TinyBERT-L-2-v2'),
      reranker: demoModel('reranker', options.reranker, 'ms-marco-MiniLM-L-6-v2'),
    },
    { preferLocal: false },
    // Every demo model is needed, so none comes back null.
  ) as Record<'embedder' | 'prefilter' | 'reranker', string>;

  const corpus = loadDemoCorpus();
  const bm25 = createBm25Retriever();
  bm25.add(corpus);
  const store = createMemoryDocumentStore(corpus);
  context.print(`indexed ${corpus.length} passages of Sieve's documentation with BM25`);
  const hub = { attempts: 1, idleTimeoutMs: 15_000 };
  const skipped: string[] = [];
  const reason = (error: unknown): string =>
    (SieveError.isInstance(error) ? error.message : String(error)).split(';')[0]!;
  const generated = Object.values(models).filter(
    (model) => isAbsolute(model) && isGeneratedModel(model),
  );
  if (generated.length > 0) {
    context.print(
      `note: ${generated.join(', ')} ${generated.length === 1 ? 'is a random-weight benchmark model' : 'are random-weight benchmark models'}: the rankings below are meaningless`,
    );
  }

  const retrievers: RetrieverV1[] = [bm25];
  const disposers: Array<() => Promise<void>> = [];
  try {
    const embedder = await createOnnxEmbedder({ model: models.embedder, hub });
    disposers.push(() => embedder.dispose());
    const dense = await createDenseRetriever({ embedder });
    await dense.add(corpus);
    retrievers.push(dense);
    context.print(`embedded the passages with ${models.embedder}: hybrid retrieval`);
  } catch (error) {
    skipped.push(`dense retrieval: ${reason(error)}`);
  }

  const tokenCache = createTokenCache();
  const stages: ScoringStageSettings[] = [];
  const scorers: CrossEncoder[] = [];
  try {
    context.print(`loading cross-encoders: ${models.prefilter}, ${models.reranker} ...`);
    const prefilter = await createCrossEncoder({
      model: models.prefilter,
      stageId: 'prefilter',
      tokenCache,
      hub,
    });
    scorers.push(prefilter);
    const reranker = await createCrossEncoder({
      model: models.reranker,
      stageId: 'rerank',
      dtype: 'int8',
      tokenCache,
      hub,
    });
    scorers.push(reranker);
    stages.push(
      { scorer: prefilter, topK: 20 },
      { scorer: reranker, topK: 5, batchSize: 4, prune: patience(2) },
    );
  } catch (error) {
    await Promise.all(scorers.splice(0).map((scorer) => scorer.dispose()));
    skipped.push(`cross-encoders: ${reason(error)}`);
  }
  for (const line of skipped) context.print(`not available, left out: ${line}`);
  if (stages.length === 0) {
    const fromHub = [models.prefilter, models.reranker].some((model) => !isAbsolute(model));
    context.print(
      `running the stages that can run.${fromHub ? ' Pass --models DIR, or --prefilter and --reranker DIR|ID, for local ONNX models.' : ''}`,
    );
  }

  const settings: CascadeSettings = {
    retrievers,
    documentStore: store,
    retrievalTopK: 50,
    stages,
    topK: 3,
  };
  const cascade = createCascade(settings);
  const result: DemoResult = {
    stages: [
      ...retrievers.map((retriever) => retriever.stageId),
      ...stages.map((stage) => stage.scorer.stageId),
    ],
    skipped,
    queries: [],
  };
  try {
    for (const query of queries) {
      const answer = await cascade.search({ query });
      context.print(`\nquery: ${query}`);
      for (const candidate of answer.candidates) {
        const text = candidate.document?.text ?? '';
        context.print(
          `  ${candidate.rank + 1}. ${candidate.score.toFixed(3).padStart(8)}  [${candidate.document?.title}] ${text.slice(0, 110)}${text.length > 110 ? '…' : ''}`,
        );
      }
      context.print(`\n${formatStageReports(answer.reports)}`);
      result.queries.push({
        query,
        results: answer.candidates.map((candidate) => ({
          rank: candidate.rank + 1,
          id: candidate.id,
          score: candidate.score,
          ...(candidate.document?.title ? { title: candidate.document.title } : {}),
        })),
      });
    }
    context.print(`\nacross calls:\n${formatCascadeStats(cascade.stats())}`);
  } finally {
    // The cascade disposes its scorers; the embedder is ours.
    await cascade.dispose();
    await Promise.all(disposers.map((dispose) => dispose()));
  }
  return result;
}
