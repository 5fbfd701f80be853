/**
 * The main job: index Sieve's own documentation with BM25, then run queries through the full
 * cascade: BM25 -> TinyBERT prefilter -> pruning -> MiniLM rerank, printing the ranked passages and
 * the per-stage table.
 *
 *   npm run demo                       models from the Hugging Face hub (Xenova/ ports)
 *   npm run demo -- --models DIR       models from DIR/ms-marco-TinyBERT-L-2-v2 and DIR/ms-marco-MiniLM-L-6-v2
 *
 * When no model can be had (offline, no folder), it says so and runs the stages it can: BM25.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createCascade,
  formatCascadeStats,
  formatStageReports,
  patience,
  type ScoringStageSettings,
} from '@sieve/cascade';
import { SieveError } from '@sieve/core';
import { type CrossEncoder, createCrossEncoder, createTokenCache } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { loadDocumentationCorpus } from './corpus.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const modelsFlag = process.argv.indexOf('--models');
// npm runs workspace scripts in the workspace folder; INIT_CWD is where the user typed the command.
const modelsDir =
  modelsFlag === -1 || process.argv[modelsFlag + 1] === undefined
    ? undefined
    : resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[modelsFlag + 1]!);

const corpus = loadDocumentationCorpus(repoRoot);
const bm25 = createBm25Retriever();
bm25.add(corpus);
const store = createMemoryDocumentStore(corpus);
console.log(`indexed ${corpus.length} passages of Sieve's documentation with BM25`);

const tokenCache = createTokenCache();
const scorers: CrossEncoder[] = [];
const stages: ScoringStageSettings[] = [];
try {
  const source = (name: string): string => (modelsDir ? `${modelsDir}/${name}` : `Xenova/${name}`);
  console.log(`loading cross-encoders from ${modelsDir ?? 'the Hugging Face hub'} ...`);
  const hub = { attempts: 1, idleTimeoutMs: 15_000 };
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
  if (modelsDir?.includes('.cache/models')) {
    console.log(
      'note: .cache/models holds random-weight benchmark models: their rankings are meaningless',
    );
  }
} catch (error) {
  await Promise.all(scorers.splice(0).map((scorer) => scorer.dispose()));
  const reason = SieveError.isInstance(error) ? error.message : String(error);
  console.log(`no cross-encoder available (${reason.split(';')[0]}).`);
  console.log(
    'running the stages that can run: BM25 only. Pass --models DIR for local ONNX models.\n',
  );
}

const cascade = createCascade({
  retrievers: [bm25],
  documentStore: store,
  retrievalTopK: 50,
  stages,
  topK: 3,
});
for (const query of [
  'how do I install the CUDA provider for GPU inference',
  'what does the bounded pruning policy guarantee',
  'why do int8 scores change with the batch',
]) {
  const result = await cascade.search({ query });
  console.log(`\nquery: ${query}`);
  for (const candidate of result.candidates) {
    const text = candidate.document?.text ?? '';
    console.log(
      `  ${candidate.rank + 1}. ${candidate.score.toFixed(3).padStart(8)}  [${candidate.document?.title}] ${text.slice(0, 110)}${text.length > 110 ? '…' : ''}`,
    );
  }
  console.log(`\n${formatStageReports(result.reports)}`);
}
console.log(`\nacross calls:\n${formatCascadeStats(cascade.stats())}`);
await cascade.dispose();
