import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidArgumentError, InvalidConfigError, ModelLoadError, StageError } from '@sieve/core';
import { describeScorerConformance } from '@sieve/core/test';
import { createTokenCache } from '@sieve/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrossEncoder, createCrossEncoder } from './create-cross-encoder.js';

const fixture = (name: string): string =>
  new URL(`../../onnx/src/__fixtures__/${name}/`, import.meta.url).pathname;
interface Golden {
  pairs: { query: string; document: string; logit: number }[];
}
const golden = (name: string): Golden =>
  JSON.parse(readFileSync(join(fixture(name), 'golden.json'), 'utf8')) as Golden;

/** Scores the golden pairs query by query, returning [ours, reference] per pair. */
async function scoreGolden(scorer: CrossEncoder, name: string): Promise<Array<[number, number]>> {
  const { pairs } = golden(name);
  const byQuery = new Map<string, { document: string; logit: number }[]>();
  for (const pair of pairs) byQuery.set(pair.query, [...(byQuery.get(pair.query) ?? []), pair]);
  const out: Array<[number, number]> = [];
  for (const [query, rows] of byQuery) {
    const documents = rows.map((row, index) => ({ id: String(index), text: row.document }));
    const { scores } = await scorer.doScore({ query, documents });
    rows.forEach((row, index) => {
      out.push([scores[index]!, row.logit]);
    });
  }
  return out;
}

describe.each([
  ['tiny-bert-cross-encoder', 'same-thread'],
  ['tiny-bert-cross-encoder', 'worker'],
  ['tiny-bert-no-token-types', 'worker'],
] as const)('cross-encoder %s (%s) against PyTorch', (name, execution) => {
  let scorer: CrossEncoder;
  beforeAll(async () => {
    scorer = await createCrossEncoder({
      model: fixture(name),
      execution,
      workers: 2,
      intraOpThreads: 1,
      tokenCache: false,
    });
  });
  afterAll(() => scorer?.dispose());

  it('matches the golden fp32 logits within 1e-4', async () => {
    const pairs = await scoreGolden(scorer, name);
    expect(pairs.length).toBeGreaterThan(50);
    for (const [ours, reference] of pairs) expect(Math.abs(ours - reference)).toBeLessThan(1e-4);
    expect(scorer.provider).toBe('cpu');
    expect(scorer.usesTokenTypes).toBe(name === 'tiny-bert-cross-encoder');
    expect(scorer.maxLength).toBe(64);
  });

  it('reports where the time went: one entry per batch, the rows, padded tokens and phases', async () => {
    const documents = golden(name)
      .pairs.slice(0, 12)
      .map((pair, index) => ({ id: String(index), text: pair.document }));
    const { timings, tokenCounts } = await scorer.doScore({ query: 'a query', documents });
    expect(timings).toBeDefined();
    expect(timings!.rows).toBe(12);
    expect(timings!.batches).toBeGreaterThanOrEqual(1);
    // Padding only adds: the computed tokens cover the real ones.
    const real = tokenCounts!.reduce((sum, count) => sum + count, 0);
    expect(timings!.paddedTokens).toBeGreaterThanOrEqual(real);
    expect(timings!.runMs).toBeGreaterThan(0);
    for (const value of Object.values(timings!)) {
      expect(Number.isFinite(value) && value >= 0).toBe(true);
    }
    if (execution === 'same-thread') {
      expect(timings!.transferMs).toBe(0);
      expect(timings!.returnMs).toBe(0);
    }
  });
});

describe('cross-encoder batching', () => {
  const { pairs } = golden('tiny-bert-cross-encoder');
  const query = pairs[0]!.query;
  const documents = pairs
    .filter((pair) => pair.query === query)
    .map((pair, index) => ({ id: `d${index}`, text: pair.document }));

  it('fp32 scores do not depend on batching: batch size 1 vs others, sorted or not, <= 1e-5', async () => {
    const make = (batchSize: number, sortByLength: boolean, maxBatchTokens = 16_384) =>
      createCrossEncoder({
        model: fixture('tiny-bert-cross-encoder'),
        execution: 'same-thread',
        maxBatchSize: batchSize,
        sortByLength,
        maxBatchTokens,
        tokenCache: false,
      });
    const alone = await make(1, false);
    const reference = (await alone.doScore({ query, documents })).scores;
    for (const [batchSize, sort, tokens] of [
      [2, true, 16_384],
      [5, false, 16_384],
      [128, true, 16_384],
      [128, true, 200],
    ] as const) {
      const scorer = await make(batchSize, sort, tokens);
      const { scores } = await scorer.doScore({ query, documents });
      for (const [index, score] of scores.entries()) {
        expect(Math.abs(score - reference[index]!)).toBeLessThanOrEqual(1e-5);
      }
      await scorer.dispose();
    }
    await alone.dispose();
  });

  it('int8 loads the quantized file, stays close to fp32, and is batch-independent in deterministic mode', async () => {
    const fp32 = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
    });
    const deterministic = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      dtype: 'int8',
      execution: 'same-thread',
      deterministic: true,
    });
    const full = (await deterministic.doScore({ query, documents })).scores;
    const reference = (await fp32.doScore({ query, documents })).scores;
    for (const [index, document] of documents.entries()) {
      const alone = (await deterministic.doScore({ query, documents: [document] })).scores[0]!;
      expect(alone).toBe(full[index]);
      expect(Math.abs(alone - reference[index]!)).toBeLessThan(0.1);
    }
    expect(deterministic.dtype).toBe('int8');
    await Promise.all([fp32.dispose(), deterministic.dispose()]);
  });

  it('applies sigmoid only when asked, and reports token counts', async () => {
    const raw = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
    });
    const sigmoid = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
      activation: 'sigmoid',
    });
    const a = await raw.doScore({ query, documents: documents.slice(0, 3) });
    const b = await sigmoid.doScore({ query, documents: documents.slice(0, 3) });
    for (const [index, logit] of a.scores.entries()) {
      expect(b.scores[index]).toBeCloseTo(1 / (1 + Math.exp(-logit)), 6);
    }
    expect(a.tokenCounts!.every((count) => count >= 4 && count <= 64)).toBe(true);
    await Promise.all([raw.dispose(), sigmoid.dispose()]);
  });

  it('tokenizes each document once across stages that share a vocabulary', async () => {
    const tokenCache = createTokenCache();
    const first = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
      tokenCache,
    });
    const second = await createCrossEncoder({
      model: fixture('tiny-bert-no-token-types'),
      execution: 'same-thread',
      tokenCache,
    });
    await first.doScore({ query, documents });
    const afterFirst = tokenCache.stats();
    await second.doScore({ query, documents });
    const afterSecond = tokenCache.stats();
    expect(afterSecond.misses).toBe(afterFirst.misses);
    expect(afterSecond.hits - afterFirst.hits).toBe(documents.length + 1);
    await Promise.all([first.dispose(), second.dispose()]);
  });

  it("never hands a stage another stage's shorter truncation from a shared cache", async () => {
    const tokenCache = createTokenCache();
    const short = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
      maxLength: 8,
      tokenCache,
    });
    const long = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
      tokenCache,
    });
    const fresh = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
      tokenCache: false,
    });
    const text = documents.find((document) => document.text.length > 200)!;
    await short.doScore({ query, documents: [text] });
    const shared = await long.doScore({ query, documents: [text] });
    const reference = await fresh.doScore({ query, documents: [text] });
    expect(shared.tokenCounts).toEqual(reference.tokenCounts);
    expect(shared.scores[0]).toBe(reference.scores[0]);
    await Promise.all([short.dispose(), long.dispose(), fresh.dispose()]);
  });

  it('scores a huge text (truncated) and keeps the host loop ticking in worker mode', async () => {
    const scorer = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      workers: 1,
      intraOpThreads: 1,
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const huge = 'heart risk aspirin '.repeat(200_000);
    const many = Array.from({ length: 400 }, (_, index) => ({
      id: String(index),
      text: `${documents[index % documents.length]!.text} ${index}`,
    }));
    const [hugeResult] = await Promise.all([
      scorer.doScore({ query, documents: [{ id: 'huge', text: huge }] }),
      scorer.doScore({ query, documents: many }),
    ]);
    clearInterval(timer);
    expect(Number.isFinite(hugeResult.scores[0])).toBe(true);
    expect(hugeResult.tokenCounts![0]).toBe(64);
    expect(ticks).toBeGreaterThan(0);
    await scorer.dispose();
  });
});

describeScorerConformance('createCrossEncoder (tiny fixture, workers)', {
  create: () =>
    createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      workers: 2,
      intraOpThreads: 1,
    }),
});

// Where onnxruntime-node's CUDA provider is not installed (the default: allowScripts skips it), 'auto'
// must fall back to CPU and 'cuda' must fail with the fix.
const cudaProvider = join(
  dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
  '..',
  'bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so',
);
describe.skipIf(existsSync(cudaProvider))('device selection without the CUDA provider', () => {
  it("'auto' falls back to CPU and says so", async () => {
    const scorer = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      device: 'auto',
      execution: 'same-thread',
    });
    expect(scorer.provider).toBe('cpu');
    await scorer.dispose();
  });

  it("'cuda' fails with ModelLoadError naming the install command", async () => {
    const error = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      device: 'cuda',
      execution: 'same-thread',
    }).catch((caught: unknown) => caught);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
  });
});

describe('cross-encoder scorePairs', () => {
  it('scores pairs across queries, in input order, exactly as doScore does query by query', async () => {
    const { pairs } = golden('tiny-bert-cross-encoder');
    const scorer = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
      maxBatchSize: 7,
      tokenCache: false,
    });
    // Interleave queries so that batches mix them.
    const mixed = [...pairs].sort((a, b) => a.document.length - b.document.length);
    const { scores, tokenCounts } = await scorer.scorePairs({
      pairs: mixed.map((pair) => ({ query: pair.query, text: pair.document })),
    });
    expect(new Set(mixed.slice(0, 7).map((pair) => pair.query)).size).toBeGreaterThan(1);
    expect(scores).toHaveLength(mixed.length);
    expect(tokenCounts).toHaveLength(mixed.length);
    mixed.forEach((pair, index) => {
      expect(Math.abs(scores[index]! - pair.logit)).toBeLessThan(1e-4);
    });
    await expect(scorer.scorePairs({ pairs: [] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(
      scorer.scorePairs({
        pairs: [
          { query: 'q', text: 'ok' },
          { query: 'q', text: 3 as never },
        ],
      }),
    ).rejects.toThrow(/pairs\[1\]/);
    await expect(scorer.scorePairs({ pairs: [{ query: '', text: 'x' }] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await scorer.dispose();
    await expect(scorer.scorePairs({ pairs: [{ query: 'q', text: 'x' }] })).rejects.toSatisfy(
      StageError.isInstance,
    );
  });
});

describe('cross-encoder bad input', () => {
  const copyFixture = (): string => {
    const folder = mkdtempSync(join(tmpdir(), 'sieve-model-'));
    cpSync(fixture('tiny-bert-cross-encoder'), folder, { recursive: true });
    return folder;
  };
  const loadError = async (
    settings: Parameters<typeof createCrossEncoder>[0],
  ): Promise<ModelLoadError> => {
    const error = await createCrossEncoder(settings).then(
      async (scorer) => {
        await scorer.dispose();
        return undefined;
      },
      (caught: unknown) => caught,
    );
    if (!ModelLoadError.isInstance(error))
      throw new Error(`expected ModelLoadError, got ${String(error)}`);
    return error;
  };

  it('names the folder when it does not exist', async () => {
    const error = await loadError({ model: '/nonexistent/model' });
    expect(error.path).toBe('/nonexistent/model');
    expect(error.message).toContain('does not exist');
  });

  it('names the missing dtype file and the fix', async () => {
    const error = await loadError({ model: fixture('tiny-bert-cross-encoder'), dtype: 'fp16' });
    expect(error.path).toContain('model_fp16.onnx');
    expect(error.message).toContain('pick another dtype');
  });

  it('rejects a corrupt ONNX file, in both execution modes', async () => {
    const folder = copyFixture();
    writeFileSync(join(folder, 'onnx/model.onnx'), 'this is not a protobuf');
    for (const execution of ['same-thread', 'worker'] as const) {
      const error = await loadError({ model: folder, execution });
      expect(error.message).toContain('could not load');
    }
  });

  it('rejects a graph without a logits output', async () => {
    const error = await loadError({ model: fixture('not-a-classifier'), execution: 'same-thread' });
    expect(error.message).toContain("no 'logits' output");
    const fromWorker = await loadError({
      model: fixture('not-a-classifier'),
      execution: 'worker',
      workers: 1,
    });
    expect(fromWorker.message).toContain("no 'logits' output");
  });

  it('rejects a vocabulary that does not match the config, and a corrupt config', async () => {
    const folder = copyFixture();
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, vocab_size: 100 }));
    expect((await loadError({ model: folder })).message).toContain('does not belong to this model');
    writeFileSync(join(folder, 'config.json'), '{ truncated');
    expect((await loadError({ model: folder })).message).toContain('not valid JSON');
  });

  it('rejects invalid settings with InvalidConfigError', async () => {
    await expect(createCrossEncoder({ model: '' })).rejects.toSatisfy(
      InvalidConfigError.isInstance,
    );
    await expect(createCrossEncoder({ model: 'x', device: 'tpu' as never })).rejects.toSatisfy(
      InvalidConfigError.isInstance,
    );
    await expect(
      createCrossEncoder({ model: fixture('tiny-bert-cross-encoder'), maxLength: 1000 }),
    ).rejects.toSatisfy(InvalidConfigError.isInstance);
  });

  it('fails a disposed scorer with StageError, and bad documents with InvalidArgumentError', async () => {
    const scorer = await createCrossEncoder({
      model: fixture('tiny-bert-cross-encoder'),
      execution: 'same-thread',
    });
    await expect(
      scorer.doScore({ query: 'q', documents: [{ id: 'a', text: null as never }] }),
    ).rejects.toSatisfy(InvalidArgumentError.isInstance);
    await scorer.dispose();
    await expect(
      scorer.doScore({ query: 'q', documents: [{ id: 'a', text: 'x' }] }),
    ).rejects.toSatisfy(StageError.isInstance);
  });
});
