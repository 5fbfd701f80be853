import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliContext } from './cli-context.js';

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
  name: string,
  stamp: string,
  extension: string,
  content: string,
): string {
  mkdirSync(context.resultsDir, { recursive: true });
  const file = join(context.resultsDir, `${name}-${stamp}.${extension}`);
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Saves a result as JSON and says where (human output). */
export function saveResult(
  context: Pick<CliContext, 'resultsDir' | 'print'>,
  name: string,
  result: unknown,
  stamp = runStamp(),
): string {
  const file = saveResultFile(context, name, stamp, 'json', `${JSON.stringify(result, null, 2)}\n`);
  context.print(`saved ${file}`);
  return file;
}

/** The newest saved result named `name` that satisfies `accept`, or undefined. */
export function latestResult<T>(
  context: Pick<CliContext, 'resultsDir'>,
  name: string,
  accept: (value: unknown) => value is T,
): T | undefined {
  let files: string[];
  try {
    files = readdirSync(context.resultsDir)
      .filter((file) => file.startsWith(`${name}-`) && file.endsWith('.json'))
      .sort()
      .reverse();
  } catch {
    return undefined;
  }
  for (const file of files) {
    try {
      const value: unknown = JSON.parse(readFileSync(join(context.resultsDir, file), 'utf8'));
      if (accept(value)) return value;
    } catch {
      // A foreign or half-edited file is not a result: keep looking.
    }
  }
  return undefined;
}
