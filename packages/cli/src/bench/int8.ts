/**
 * How much int8 scores depend on batch composition: the MiniLM-L6 architecture's int8 scores of
 * SciFact BM25 candidates with the default batching vs each pair alone (deterministic mode), and
 * fp32 for contrast.
 *
 * sieve bench int8 [--queries N]
 */
import { createCrossEncoder } from '@sieve/rerank';
import { saveResult } from '../results/save-result.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { describeMachine } from '../support/machine.js';
import { machineRoofline } from './gemm.js';
import { beirWorkload } from './workload.js';

/** `sieve bench int8`: how far int8 scores move with the batch they are computed in. */
export async function benchInt8(
  context: CliContext,
  options: { queries?: number },
): Promise<Record<string, unknown>> {
  const model = `${context.modelsDir}/ms-marco-MiniLM-L-6-v2`;
  requirePaths({ dataset: context.datasetDir, model }, benchInputsHint);
  const queryCount = options.queries ?? 3;
  const workload = await beirWorkload(context.datasetDir, queryCount, 50);
  const result: Record<string, unknown> = {
    benchmark: 'int8',
    machine: describeMachine(),
    roofline: (await machineRoofline(context)) ?? null,
    queries: queryCount,
    candidates: 50,
  };
  for (const dtype of ['int8', 'fp32'] as const) {
    const batched = await createCrossEncoder({
      model,
      dtype,
      execution: 'same-thread',
      intraOpThreads: 2,
      maxBatchTokens: 8192,
    });
    const alone = await createCrossEncoder({
      model,
      dtype,
      execution: 'same-thread',
      intraOpThreads: 2,
      deterministic: true,
    });
    let maxDiff = 0;
    let scoreRange = 0;
    let topTenChanged = 0;
    for (const { query, documents } of workload) {
      const a = (await batched.doScore({ query, documents })).scores;
      const b = (await alone.doScore({ query, documents })).scores;
      a.forEach((score, index) => {
        maxDiff = Math.max(maxDiff, Math.abs(score - b[index]!));
      });
      scoreRange = Math.max(scoreRange, Math.max(...b) - Math.min(...b));
      const top = (scores: readonly number[]) =>
        scores
          .map((score, index) => [score, index] as const)
          .sort((x, y) => y[0] - x[0])
          .slice(0, 10)
          .map(([, index]) => index)
          .join(',');
      if (top(a) !== top(b)) topTenChanged += 1;
    }
    context.print(
      `${dtype}: max |batched - alone| = ${maxDiff.toExponential(2)} (score range ${scoreRange.toFixed(3)}); top-10 order changed in ${topTenChanged} of ${queryCount} queries`,
    );
    result[dtype] = { maxAbsDifference: maxDiff, scoreRange, topTenChanged };
    await Promise.all([batched.dispose(), alone.dispose()]);
  }
  saveResult(context, 'int8', result);
  return result;
}
