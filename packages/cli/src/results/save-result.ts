import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliContext } from '../support/cli-context.js';

/** A file saved beside a result (a chart, a page, an exposition): `<name>-<stamp>.<extension>`. */
export interface ResultFile {
  name: string;
  extension: string;
  content: string;
}

/** A file-name-safe timestamp, shared by the files of one run. */
export function runStamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/**
 * Writes `<resultsDir>/<name>-<stamp>.<extension>` atomically (temporary file, then rename) and
 * returns its path.
 */
export function saveResultFile(
  context: Pick<CliContext, 'resultsDir'>,
  stamp: string,
  file: ResultFile,
): string {
  mkdirSync(context.resultsDir, { recursive: true });
  const path = join(context.resultsDir, `${file.name}-${stamp}.${file.extension}`);
  writeFileSync(`${path}.tmp`, file.content);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Saves each file of `files` with {@link saveResultFile}; returns their paths by the same keys. */
export function saveResultFiles(
  context: Pick<CliContext, 'resultsDir'>,
  stamp: string,
  files: Readonly<Record<string, ResultFile>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files).map(([key, file]) => [key, saveResultFile(context, stamp, file)]),
  );
}

/** Saves a result as `<name>-<stamp>.json` and says where (human output). */
export function saveResult(
  context: Pick<CliContext, 'resultsDir' | 'print'>,
  name: string,
  result: unknown,
  stamp = runStamp(),
): string {
  const path = saveResultFile(context, stamp, {
    name,
    extension: 'json',
    content: `${JSON.stringify(result, null, 2)}\n`,
  });
  context.print(`saved ${path}`);
  return path;
}
