import { join } from 'node:path';
import type { SieveDocument } from '@sieve/core';
import { loadBeirDataset } from '@sieve/retrieval';
import { readJsonLines, requirePath } from '../support/read-corpus.js';

/** Where `sieve tune` reads its corpus and sample queries. */
export type TuneSource =
  | {
      /**
       * A BEIR folder: `corpus.jsonl` and `queries.jsonl`; with `split`, the queries judged in
       * `qrels/<split>.tsv` and their judgments (nDCG is reported too).
       */
      dataset: string;
      split?: string;
    }
  | {
      /** JSONL, one `{ "_id", "title"?, "text" }` per line. */
      corpus: string;
      /** JSONL, one `{ "_id", "text" }` per line. */
      queries: string;
    };

/** The corpus, the sample queries in file order, and their judgments when the source has them. */
export interface TuneInputs {
  corpus: SieveDocument[];
  /** (query id, text) in file order. */
  queries: Array<readonly [string, string]>;
  /** query id -> (document id -> gain); null without judgments. */
  qrels: Map<string, Map<string, number>> | null;
  /** How the inputs are described in output: the folder, or the two files. */
  description: string;
}

const text = (value: unknown): string => (value == null ? '' : String(value));

/**
 * Reads the corpus and the queries of `sieve tune`: a BEIR folder (with `split`, only the queries
 * its qrels judge, with the judgments) or two JSONL files. Queries with empty text are left out.
 * Throws an InvalidArgumentError (exit 2) naming a missing file or a malformed line.
 */
export async function readTuneInputs(source: TuneSource): Promise<TuneInputs> {
  if ('dataset' in source) {
    requirePath(source.dataset, 'dataset', 'folder');
    if (source.split !== undefined) {
      const { corpus, queries, qrels } = await loadBeirDataset(source.dataset, source.split);
      return {
        corpus,
        queries: [...queries].filter(([, query]) => query.trim() !== ''),
        qrels,
        description: `${source.dataset} (${source.split})`,
      };
    }
    const corpus = join(source.dataset, 'corpus.jsonl');
    const queries = join(source.dataset, 'queries.jsonl');
    requirePath(corpus, 'dataset', 'file');
    requirePath(queries, 'dataset', 'file');
    return { ...(await readFiles(corpus, queries)), description: source.dataset };
  }
  requirePath(source.corpus, 'corpus', 'file');
  requirePath(source.queries, 'queries', 'file');
  return {
    ...(await readFiles(source.corpus, source.queries)),
    description: `${source.corpus} + ${source.queries}`,
  };
}

async function readFiles(
  corpusPath: string,
  queriesPath: string,
): Promise<Omit<TuneInputs, 'description'>> {
  const corpus = (await readJsonLines(corpusPath, 'corpus')).map((row) => ({
    id: text(row._id),
    title: text(row.title),
    text: text(row.text),
  }));
  const queries = (await readJsonLines(queriesPath, 'queries'))
    .map((row) => [text(row._id), text(row.text)] as const)
    .filter(([, query]) => query.trim() !== '');
  return { corpus, queries, qrels: null };
}
