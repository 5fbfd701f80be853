// Parity of a converted trained reranker with PyTorch, and what int8 costs in agreement.
// Needs the converted evaluation reranker and the PyTorch references, which .ci/run makes:
//   npm run models -- convert ../shared/models/sieve-eval-MiniLM-L6-scifact .cache/models/sieve-eval-MiniLM-L6-scifact
//   npm run models -- parity --reranker ../shared/models/sieve-eval-MiniLM-L6-scifact --embedder <all-MiniLM-L6-v2>
// Without them the suite is skipped with a message; under CI (SIEVE_REQUIRE_TRAINED=1) it fails.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type CrossEncoder, createCrossEncoder } from './index.js';

const root = new URL('../../../', import.meta.url).pathname;
const folder = `${root}.cache/models/sieve-eval-MiniLM-L6-scifact`;
const referencesFile = `${root}.cache/parity/references.json`;
const present = existsSync(`${folder}/onnx/model.onnx`) && existsSync(referencesFile);
const required = process.env.SIEVE_REQUIRE_TRAINED === '1';
if (!present && !required) {
  console.warn(
    `[rerank] skipping trained-reranker parity: run the two commands at the top of ${import.meta.url} first`,
  );
}

interface ReferencePair {
  queryId: string;
  query: string;
  documentId: string;
  document: string;
  score: number;
}

/** Kendall's tau-a between two score lists over the same items. */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  let concordant = 0;
  let discordant = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const product = Math.sign(a[i]! - a[j]!) * Math.sign(b[i]! - b[j]!);
      if (product > 0) concordant++;
      else if (product < 0) discordant++;
    }
  }
  const pairs = (a.length * (a.length - 1)) / 2;
  return pairs === 0 ? 1 : (concordant - discordant) / pairs;
}

const topIds = (ids: readonly string[], scores: readonly number[], k: number): Set<string> =>
  new Set(
    ids
      .map((id, index) => ({ id, score: scores[index]! }))
      .sort((x, y) => y.score - x.score)
      .slice(0, k)
      .map((item) => item.id),
  );

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

describe.skipIf(!present && !required)('trained reranker: ONNX parity with PyTorch', () => {
  const scorers: CrossEncoder[] = [];
  afterAll(() => Promise.all(scorers.map((scorer) => scorer.dispose())));

  const references = (): ReferencePair[] =>
    (JSON.parse(readFileSync(referencesFile, 'utf8')) as { reranker: { pairs: ReferencePair[] } })
      .reranker.pairs;

  async function scoreAll(dtype: 'fp32' | 'int8'): Promise<number[]> {
    const scorer = await createCrossEncoder({ model: folder, dtype });
    scorers.push(scorer);
    const pairs = references();
    const scores: number[] = [];
    for (const queryId of new Set(pairs.map((pair) => pair.queryId))) {
      const group = pairs.filter((pair) => pair.queryId === queryId);
      const result = await scorer.doScore({
        query: group[0]!.query,
        documents: group.map((pair) => ({ id: pair.documentId, text: pair.document })),
      });
      scores.push(...result.scores);
    }
    return scores;
  }

  it('fp32 equals sentence-transformers CrossEncoder on 1,000 SciFact pairs within 1e-4; int8 agreement reported', async () => {
    const pairs = references();
    expect(pairs.length).toBeGreaterThanOrEqual(1000);
    const fp32 = await scoreAll('fp32');
    const differences = pairs.map((pair, index) => Math.abs(pair.score - fp32[index]!));
    const worst = Math.max(...differences);
    console.info(
      `[parity] fp32 vs PyTorch over ${pairs.length} pairs: max |d| ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThanOrEqual(1e-4);

    const int8 = await scoreAll('int8');
    const taus: number[] = [];
    const overlaps: number[] = [];
    for (const queryId of new Set(pairs.map((pair) => pair.queryId))) {
      const indexes = pairs.flatMap((pair, index) => (pair.queryId === queryId ? [index] : []));
      const ids = indexes.map((index) => pairs[index]!.documentId);
      const a = indexes.map((index) => fp32[index]!);
      const b = indexes.map((index) => int8[index]!);
      taus.push(kendallTau(a, b));
      const top = topIds(ids, a, 10);
      overlaps.push([...topIds(ids, b, 10)].filter((id) => top.has(id)).length / 10);
    }
    const int8Worst = Math.max(...pairs.map((_, index) => Math.abs(int8[index]! - fp32[index]!)));
    console.info(
      `[parity] int8 vs fp32 over ${taus.length} queries x ${pairs.length / taus.length} documents: Kendall tau median ${median(taus).toFixed(3)} (min ${Math.min(...taus).toFixed(3)}), top-10 overlap mean ${(overlaps.reduce((x, y) => x + y, 0) / overlaps.length).toFixed(3)}, max |d| ${int8Worst.toFixed(3)} logits`,
    );
    // int8 is a different model, not a rounding of fp32; it must still rank alike.
    expect(median(taus)).toBeGreaterThan(0.8);
  });
});
