import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type SieveDocument } from '@sieve/core';

const component = 'cli';

/** Throws a usage error naming the path when it is not a file (or, for `folder`, a folder). */
export function requirePath(path: string, argument: string, kind: 'file' | 'folder'): void {
  const isKind =
    existsSync(path) && (kind === 'file' ? statSync(path).isFile() : statSync(path).isDirectory());
  if (!isKind) {
    throw new InvalidArgumentError({
      component,
      argument,
      message: `--${argument} ${path}: ${existsSync(path) ? `not a ${kind}` : 'does not exist'}`,
    });
  }
}

/** The rows of a JSONL file; a line that is not a JSON object is a usage error naming it. */
export async function readJsonLines(
  path: string,
  argument: string,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const lines = (await readFile(path, 'utf8')).split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      row = undefined;
    }
    const id = (row as { _id?: unknown } | undefined)?._id;
    if (row === null || typeof row !== 'object' || Array.isArray(row) || id === undefined) {
      throw new InvalidArgumentError({
        component,
        argument,
        message: `${path} line ${index + 1}: expected a JSON object with "_id" and "text", got ${line.slice(0, 60)}`,
      });
    }
    rows.push(row as Record<string, unknown>);
  });
  return rows;
}

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
