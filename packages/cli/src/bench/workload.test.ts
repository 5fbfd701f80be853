import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '@sieve/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureTokenizer } from './tokenize.js';
import {
  fixedLengthWorkload,
  pairCount,
  passageMaxTokens,
  passageWorkload,
  workloadPairLengths,
} from './workload.js';

// A tiny model folder with tokenizer.json (the @huggingface/tokenizers peer needs it).
const model = new URL('../../../onnx/src/__fixtures__/tiny-bert-no-token-types/', import.meta.url)
  .pathname;
const words = ['heart', 'risk', 'aspirin', 'the', 'cells', 'blood', 'study', 'patients', 'of'];
const sentence = (seed: number, length: number): string =>
  `${Array.from({ length }, (_, index) => words[(seed + index * 7) % words.length]).join(' ')}.`.replace(
    /^./,
    (first) => first.toUpperCase(),
  );

let dataset: string;
beforeAll(() => {
  dataset = mkdtempSync(join(tmpdir(), 'sieve-workload-'));
  mkdirSync(join(dataset, 'qrels'));
  const corpus = Array.from({ length: 20 }, (_, index) => ({
    _id: `d${index}`,
    title: `Title ${index}`,
    text: Array.from({ length: 8 }, (_, n) => sentence(index + n, 12 + ((index + n) % 9))).join(
      ' ',
    ),
  }));
  writeFileSync(join(dataset, 'corpus.jsonl'), corpus.map((row) => JSON.stringify(row)).join('\n'));
  const queries = ['heart risk', 'aspirin patients', 'blood cells study'];
  writeFileSync(
    join(dataset, 'queries.jsonl'),
    queries.map((text, index) => JSON.stringify({ _id: `q${index}`, text })).join('\n'),
  );
  writeFileSync(
    join(dataset, 'qrels/test.tsv'),
    `query-id\tcorpus-id\tscore\n${queries.map((_, index) => `q${index}\td${index}\t1`).join('\n')}\n`,
  );
});
afterAll(() => rmSync(dataset, { recursive: true, force: true }));

describe('bench workloads', () => {
  it('passages: BM25 over passages within the token limits, ids <document>#<n>', async () => {
    const workload = await passageWorkload(dataset, model, 3, 5);
    expect(workload).toHaveLength(3);
    expect(pairCount(workload)).toBe(15);
    const { tokenizer } = await loadTokenizer({ modelId: model, folder: model });
    for (const document of workload.flatMap((item) => item.documents)) {
      expect(document.id).toMatch(/^d\d+#\d+$/);
      const tokens = tokenizer.encodeText(document.text).length;
      expect(tokens).toBeGreaterThanOrEqual(40);
      expect(tokens).toBeLessThanOrEqual(passageMaxTokens);
      expect(document.text).not.toContain('Title');
    }
  });

  it('fixed length: every pair within 4 tokens under the length asked for', async () => {
    const workload = await fixedLengthWorkload(dataset, model, 64, 10);
    expect(pairCount(workload)).toBe(10);
    const lengths = await workloadPairLengths(workload, model);
    for (const length of lengths) {
      expect(length).toBeLessThanOrEqual(64);
      expect(length).toBeGreaterThanOrEqual(60);
    }
  });

  it('tokenizer measurement: positive rates and the same ids as @huggingface/tokenizers', async () => {
    const workload = await passageWorkload(dataset, model, 3, 5);
    const measured = await measureTokenizer(workload, model);
    expect(measured.pairs).toBe(15);
    expect(measured.coldPairsPerSecond).toBeGreaterThan(0);
    expect(measured.cachedPairsPerSecond).toBeGreaterThan(0);
    expect(measured.peer).toMatchObject({ mismatchedPairs: 0 });
  });
});
