import { basename, dirname } from 'node:path';
import { InvalidArgumentError } from '@sieve/core';
import { isChartedResult, resultCharts } from './charts/result-charts.js';
import { readResult } from './results/read-result.js';
import { saveResultFiles } from './results/save-result.js';
import type { CliContext } from './support/cli-context.js';

/**
 * `sieve chart FILE`: renders the charts of a saved `rerank`, `cascade` or `eval` result again,
 * next to it, under the stamp of its run (the same files the run wrote). Returns the files written.
 */
export function renderSavedCharts(
  context: Pick<CliContext, 'print'>,
  file: string,
): Record<string, string> {
  const result = readResult(file);
  if (!isChartedResult(result)) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'file',
      message: `${file} is not a rerank, cascade or eval result (benchmark: ${String((result as { benchmark?: unknown } | null)?.benchmark)})`,
    });
  }
  const stamp = basename(file, '.json').replace(/^[a-z]+-/, '');
  const written = saveResultFiles({ resultsDir: dirname(file) }, stamp, resultCharts(result));
  for (const path of Object.values(written)) context.print(`wrote ${path}`);
  return written;
}
