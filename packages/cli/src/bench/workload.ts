import type { ScorerV1Document, SieveDocument } from '@sieve/core';
import { loadTokenizer, type WordPieceTokenizer } from '@sieve/onnx';
import { createBm25Retriever, documentContents, loadBeirDataset } from '@sieve/retrieval';
import { splitIntoPassages } from './passages.js';

/** One query with the candidates a reranker sees. */
export interface RerankWorkload {
  query: string;
  documents: ScorerV1Document[];
}

/**
 * The first `queryCount` queries of a BEIR split with their BM25 top-`topK` (title + text): the
 * pairs a prefilter or reranker sees in a cascade.
 */
export async function beirWorkload(
  datasetDir: string,
  queryCount: number,
  topK: number,
  split = 'test',
): Promise<RerankWorkload[]> {
  const { corpus, queries } = await loadBeirDataset(datasetDir, split);
  return bm25Workload(corpus, [...queries.values()].slice(0, queryCount), topK);
}

/** Each query with its BM25 top-`topK` of `documents`, as the scorer reads them (title + text). */
async function bm25Workload(
  documents: readonly SieveDocument[],
  queries: readonly string[],
  topK: number,
): Promise<RerankWorkload[]> {
  const bm25 = createBm25Retriever();
  bm25.add(documents);
  const byId = new Map(documents.map((document) => [document.id, document]));
  const workload: RerankWorkload[] = [];
  for (const query of queries) {
    const candidates = await bm25.doRetrieve({ query, topK });
    workload.push({
      query,
      documents: candidates.map(({ id }) => ({ id, text: documentContents(byId.get(id)!) })),
    });
  }
  return workload;
}

/**
 * Longest passage of the passage workload, in tokens: with SciFact's queries, pairs then average
 * ~96 tokens (median 96), the length of an MS MARCO query-passage pair.
 */
export const passageMaxTokens = 90;

/**
 * The passages of the passage workload (`sieve bench rerank`, `sieve eval --workload passages`):
 * up to 3 sentences, 40-{@link passageMaxTokens} tokens of `tokenizer`.
 */
export function workloadPassages(
  corpus: readonly SieveDocument[],
  tokenizer: WordPieceTokenizer,
): SieveDocument[] {
  return splitIntoPassages(corpus, {
    countTokens: (text) => tokenizer.encodeText(text).length,
    maxTokens: passageMaxTokens,
  });
}

const tokenizers = new Map<string, Promise<WordPieceTokenizer>>();

/**
 * The tokenizer in `modelFolder`, loaded once per process: a workload, its pair lengths and the
 * tokenizer measurement all read the same one.
 */
export function workloadTokenizer(modelFolder: string): Promise<WordPieceTokenizer> {
  let tokenizer = tokenizers.get(modelFolder);
  if (!tokenizer) {
    tokenizer = loadTokenizer({ modelId: modelFolder, folder: modelFolder }).then(
      (loaded) => loaded.tokenizer,
    );
    // A failed load is not remembered: the next call tries again.
    tokenizer.catch(() => tokenizers.delete(modelFolder));
    tokenizers.set(modelFolder, tokenizer);
  }
  return tokenizer;
}

/** A BEIR split and the tokenizer in `modelFolder`, loaded side by side. */
async function datasetWithTokenizer(
  datasetDir: string,
  modelFolder: string,
  split: string,
): Promise<Awaited<ReturnType<typeof loadBeirDataset>> & { tokenizer: WordPieceTokenizer }> {
  const [dataset, tokenizer] = await Promise.all([
    loadBeirDataset(datasetDir, split),
    workloadTokenizer(modelFolder),
  ]);
  return { ...dataset, tokenizer };
}

/**
 * Web and RAG lengths: the first `queryCount` queries of a BEIR split with their BM25 top-`topK`
 * passages, the corpus cut into passages of up to 3 sentences and 40-{@link passageMaxTokens}
 * tokens of the model's tokenizer in `modelFolder`.
 */
export async function passageWorkload(
  datasetDir: string,
  modelFolder: string,
  queryCount: number,
  topK: number,
  split = 'test',
): Promise<RerankWorkload[]> {
  const { corpus, queries, tokenizer } = await datasetWithTokenizer(datasetDir, modelFolder, split);
  const passages = workloadPassages(corpus, tokenizer);
  return bm25Workload(passages, [...queries.values()].slice(0, queryCount), topK);
}

/**
 * Each pair's length in tokens as a cross-encoder with `modelFolder`'s tokenizer sees it: query,
 * document and 3 special tokens, capped at `maxLength`.
 */
export async function workloadPairLengths(
  workload: readonly RerankWorkload[],
  modelFolder: string,
  maxLength = 512,
): Promise<number[]> {
  const tokenizer = await workloadTokenizer(modelFolder);
  return workload.flatMap((item) => {
    const query = tokenizer.encodeText(item.query).length;
    return item.documents.map((document) =>
      Math.min(maxLength, query + tokenizer.encodeText(document.text).length + 3),
    );
  });
}

/** Number of query-document pairs in a workload. */
export function pairCount(workload: readonly RerankWorkload[]): number {
  return workload.reduce((sum, item) => sum + item.documents.length, 0);
}

/** Pair lengths of the length sweep, in tokens. */
export const sweepLengths = [64, 128, 256, 512] as const;

/**
 * Pairs of one length for the length sweep: `pairs` pairs of SciFact test queries with corpus
 * texts (title and abstract) cut at a word boundary so that each pair is at most `tokens` tokens
 * long and as close to it as whole words allow; texts too short to reach it are skipped. Grouped
 * as 30 candidates per query.
 */
export async function fixedLengthWorkload(
  datasetDir: string,
  modelFolder: string,
  tokens: number,
  pairs: number,
  split = 'test',
): Promise<RerankWorkload[]> {
  const { corpus, queries, tokenizer } = await datasetWithTokenizer(datasetDir, modelFolder, split);
  const queryTexts = [...queries.values()];
  const workload: RerankWorkload[] = [];
  let made = 0;
  let next = 0;
  for (const query of queryTexts) {
    if (made >= pairs) break;
    const budget = tokens - 3 - tokenizer.encodeText(query).length;
    const documents: ScorerV1Document[] = [];
    while (documents.length < 30 && made < pairs && next < corpus.length) {
      const document = corpus[next++]!;
      const words = documentContents(document).split(/\s+/);
      // Whole words: a word's pieces do not depend on its neighbours, so prefix counts add up.
      let used = 0;
      let count = 0;
      for (const word of words) {
        const pieces = tokenizer.encodeText(word).length;
        if (used + pieces > budget) break;
        used += pieces;
        count += 1;
      }
      if (used < budget - 4) continue;
      documents.push({ id: document.id, text: words.slice(0, count).join(' ') });
      made += 1;
    }
    if (documents.length > 0) workload.push({ query, documents });
  }
  return workload;
}
