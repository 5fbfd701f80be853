import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '@sieve/core';
import type { CliContext } from '../support/cli-context.js';

/** A saved result as parsed JSON; throws an InvalidArgumentError when it cannot be read. */
export function readResult(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'file',
      message: `cannot read a saved result from ${file}: ${(error as Error).message}`,
    });
  }
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
      const value = readResult(join(context.resultsDir, file));
      if (accept(value)) return value;
    } catch {
      // A foreign or half-edited file is not a result: keep looking.
    }
  }
  return undefined;
}
