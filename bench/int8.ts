/**
 * How much int8 scores depend on batch composition: the MiniLM-L6 architecture's int8 scores of
 * SciFact BM25 candidates with the default batching vs each pair alone (deterministic mode), and
 * fp32 for contrast.
 *
 * npm run bench -- int8 [--queries N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, loadBeirDataset } from '@sieve/retrieval';
import { describeMachine } from './machine.js';
import { benchModelsDir, requirePaths, resultsDir, scifactDir } from './paths.js';

export async function benchInt8(): Promise<void> {
  const model = `${benchModelsDir}/ms-marco-MiniLM-L-6-v2`;
  if (!requirePaths({ SciFact: scifactDir, model })) {
    process.exitCode = 1;
    return;
  }
  const flag = process.argv.indexOf('--queries');
  const queryCount = flag === -1 ? 3 : Number(process.argv[flag + 1]);
  const { corpus, queries } = await loadBeirDataset(scifactDir, 'test');
  const bm25 = createBm25Retriever();
  bm25.add(corpus);
  const byId = new Map(corpus.map((document) => [document.id, document]));
  const result: Record<string, unknown> = {
    benchmark: 'int8',
    machine: describeMachine(),
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
    for (const query of [...queries.values()].slice(0, queryCount)) {
      const documents = (await bm25.doRetrieve({ query, topK: 50 })).map(({ id }) => ({
        id,
        text: `${byId.get(id)!.title} ${byId.get(id)!.text}`,
      }));
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
    console.log(
      `${dtype}: max |batched - alone| = ${maxDiff.toExponential(2)} (score range ${scoreRange.toFixed(3)}); top-10 order changed in ${topTenChanged} of ${queryCount} queries`,
    );
    result[dtype] = { maxAbsDifference: maxDiff, scoreRange, topTenChanged };
    await Promise.all([batched.dispose(), alone.dispose()]);
  }
  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}/int8-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`[bench] saved ${file}`);
}
