import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SieveDocument } from '@sieve/core';
import { readJsonLines, requirePath } from '../tune/tune-inputs.js';

/**
 * Reads a `--corpus`: a BEIR folder (its corpus.jsonl) or a JSONL file of
 * `{ "_id", "title"?, "text", "metadata"? }`. A missing file or a malformed line is a usage error
 * naming it. `metadata` (an object) is kept only when asked: `sieve index` stores it, `/search`
 * does not return it.
 *
 * @example
 * ```ts
 * const documents = await readCorpus('../shared/datasets/scifact');
 * ```
 */
export async function readCorpus(
  path: string,
  options: { metadata?: boolean } = {},
): Promise<SieveDocument[]> {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'corpus.jsonl') : path;
  requirePath(file, 'corpus', 'file');
  const text = (value: unknown): string => (value == null ? '' : String(value));
  return (await readJsonLines(file, 'corpus')).map((row) => ({
    id: text(row._id),
    ...(row.title ? { title: text(row.title) } : {}),
    text: text(row.text),
    ...(options.metadata && row.metadata && typeof row.metadata === 'object'
      ? { metadata: row.metadata as Record<string, unknown> }
      : {}),
  }));
}
