import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type SieveDocument } from '@sieve/core';

/** A dataset in BEIR format. */
export interface BeirDataset {
  corpus: SieveDocument[];
  /** query id -> text, for the queries judged in the split. */
  queries: Map<string, string>;
  /** query id -> (document id -> gain). */
  qrels: Map<string, Map<string, number>>;
}

async function* jsonLines(path: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines)
    if (line.trim() !== '') yield JSON.parse(line) as Record<string, unknown>;
}

/**
 * Loads a BEIR dataset folder: `corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`.
 *
 * @example
 * ```ts
 * const { corpus, queries, qrels } = await loadBeirDataset('../shared/datasets/scifact', 'test');
 * ```
 */
export async function loadBeirDataset(folder: string, split = 'test'): Promise<BeirDataset> {
  const qrels = new Map<string, Map<string, number>>();
  let qrelsText: string;
  try {
    qrelsText = await readFile(join(folder, 'qrels', `${split}.tsv`), 'utf8');
  } catch (error) {
    throw new InvalidArgumentError({
      component: 'retrieval',
      argument: 'folder',
      message: `no qrels/${split}.tsv in ${folder}: not a BEIR dataset folder, or no such split`,
      cause: error,
    });
  }
  for (const [index, line] of qrelsText.split('\n').entries()) {
    const [queryId, documentId, score] = line.trim().split('\t');
    if (index === 0 && queryId === 'query-id') continue;
    if (!queryId || !documentId || score === undefined) continue;
    const judged = qrels.get(queryId) ?? new Map<string, number>();
    judged.set(documentId, Number(score));
    qrels.set(queryId, judged);
  }
  const corpus: SieveDocument[] = [];
  for await (const row of jsonLines(join(folder, 'corpus.jsonl'))) {
    corpus.push({
      id: String(row._id),
      title: String(row.title ?? ''),
      text: String(row.text ?? ''),
    });
  }
  const queries = new Map<string, string>();
  for await (const row of jsonLines(join(folder, 'queries.jsonl'))) {
    const id = String(row._id);
    if (qrels.has(id)) queries.set(id, String(row.text ?? ''));
  }
  return { corpus, queries, qrels };
}
