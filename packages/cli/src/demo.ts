/**
 * `sieve demo`, the main job: index Sieve's own documentation with BM25 and a dense HNSW index,
 * then run queries through the full cascade (hybrid retrieval -> TinyBERT prefilter -> pruning ->
 * MiniLM rerank), printing the ranked passages and the per-stage table.
 *
 * Models come from the Hugging Face hub (Xenova/ ONNX ports) or `--models DIR`; whatever cannot
 * be had is said and left out, down to BM25 alone.
 */
import { join } from 'node:path';
import {
  type CascadeSettings,
  createCascade,
  formatCascadeStats,
  formatStageReports,
  patience,
  type ScoringStageSettings,
} from '@sieve/cascade';
import { type RetrieverV1, SieveError } from '@sieve/core';
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

/**
 * Runs the demo (`sieve demo`): Sieve's documentation through the full cascade, printing each
 * query's ranked passages and the per-stage table; `queries` replaces the built-in ones. Models
 * come from `context.modelsDir` when `--models` was given, else from the Hugging Face hub; what
 * cannot be had is left out (down to BM25 alone) and listed in `skipped`.
 *
 * @default queries: three questions about Sieve (`demoQueries`)
 * @example
 * ```ts
 * const { queries } = await runDemo(createCliContext({}), ['what does pruning do']);
 * ```
 */
export async function runDemo(context: CliContext, queries = demoQueries): Promise<DemoResult> {
  const corpus = loadDemoCorpus();
  const bm25 = createBm25Retriever();
  bm25.add(corpus);
  const store = createMemoryDocumentStore(corpus);
  context.print(`indexed ${corpus.length} passages of Sieve's documentation with BM25`);
  const local = context.modelsGiven;
  const source = (name: string): string =>
    local ? join(context.modelsDir, name) : `Xenova/${name}`;
  const where = local ? context.modelsDir : 'the Hugging Face hub';
  const hub = { attempts: 1, idleTimeoutMs: 15_000 };
  const skipped: string[] = [];
  const reason = (error: unknown): string =>
    (SieveError.isInstance(error) ? error.message : String(error)).split(';')[0]!;
  if (local && isGeneratedModel(join(context.modelsDir, 'ms-marco-MiniLM-L-6-v2'))) {
    context.print(
      `note: ${context.modelsDir} holds random-weight benchmark models: the rankings below are meaningless`,
    );
  }

  const retrievers: RetrieverV1[] = [bm25];
  const disposers: Array<() => Promise<void>> = [];
  try {
    const embedder = await createOnnxEmbedder({ model: source('all-MiniLM-L6-v2'), hub });
    disposers.push(() => embedder.dispose());
    const dense = await createDenseRetriever({ embedder });
    await dense.add(corpus);
    retrievers.push(dense);
    context.print(`embedded the passages with all-MiniLM-L6-v2 from ${where}: hybrid retrieval`);
  } catch (error) {
    skipped.push(`dense retrieval: ${reason(error)}`);
  }

  const tokenCache = createTokenCache();
  const stages: ScoringStageSettings[] = [];
  const scorers: CrossEncoder[] = [];
  try {
    context.print(`loading cross-encoders from ${where} ...`);
    const prefilter = await createCrossEncoder({
      model: source('ms-marco-TinyBERT-L-2-v2'),
      stageId: 'prefilter',
      tokenCache,
      hub,
    });
    scorers.push(prefilter);
    const reranker = await createCrossEncoder({
      model: source('ms-marco-MiniLM-L-6-v2'),
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
    context.print('running the stages that can run. Pass --models DIR for local ONNX models.');
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
