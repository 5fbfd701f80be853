import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cascadeConfigSchema, createCascadeFromConfig } from '@sieve/cascade';
import { InvalidArgumentError } from '@sieve/core';
import { dtypes } from '@sieve/onnx';
import { createBm25Retriever, createMemoryDocumentStore, loadBeirDataset } from '@sieve/retrieval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../cli.js';
import { beirMini, onnxFixtures, savedResultPath, testContext } from '../support/test-context.js';
import { loadConfigModels } from './load-config-models.js';
import { runTune } from './run-tune.js';

const crossEncoder = join(onnxFixtures, 'tiny-bert-cross-encoder');

/** 60 documents that share words with the queries, so that BM25 returns deep candidate lists. */
function writeJsonlCorpus(folder: string): { corpus: string; queries: string } {
  const words = ['aspirin', 'heart', 'stroke', 'statin', 'cholesterol', 'blood', 'risk', 'trial'];
  const documents = Array.from({ length: 60 }, (_, index) => ({
    _id: `doc${index}`,
    title: `${words[index % words.length]} study ${index}`,
    text: `${words[(index * 3) % words.length]} and ${words[(index * 5 + 1) % words.length]} in patients, cohort ${index % 7}`,
  }));
  const queries = [
    { _id: 'q1', text: 'aspirin heart risk' },
    { _id: 'q2', text: 'statin cholesterol blood' },
    { _id: 'q3', text: 'stroke trial patients' },
    { _id: 'q4', text: 'heart blood cohort' },
    { _id: 'q5', text: 'risk of stroke with aspirin' },
  ];
  const corpus = join(folder, 'corpus.jsonl');
  const queryFile = join(folder, 'queries.jsonl');
  writeFileSync(corpus, documents.map((row) => JSON.stringify(row)).join('\n'));
  writeFileSync(queryFile, queries.map((row) => JSON.stringify(row)).join('\n'));
  return { corpus, queries: queryFile };
}

describe('sieve tune (tiny fixture cross-encoder, fp32)', () => {
  it('tunes on the BEIR fixture, writes a config that createCascadeFromConfig loads, and verifies it', async () => {
    const context = testContext({ modelsGiven: false });
    const out = join(context.root, 'configs', 'tuned.json');
    const result = await runTune(context, {
      source: { dataset: beirMini, split: 'test' },
      reranker: crossEncoder,
      prefilter: crossEncoder,
      prefilterMaxLength: 16,
      rerankerDtype: 'fp32',
      k: 3,
      maxDepth: 10,
      out,
    });
    expect(result).toMatchObject({ queries: 3, documents: 12, split: 'test', k: 3, maxDepth: 10 });
    const reference = result.shapes.find((shape) => shape.shape === result.reference)!;
    expect(result.reference).toBe('bm25=10,minilm=3');
    expect(reference).toMatchObject({ overlap: 1, rbo: 1, costFraction: 1 });
    expect(reference.ndcgAt10).not.toBeNull();
    // With judgments, what the labels would choose is reported beside the label-free choice.
    const labelled = result.shapes.find((shape) => shape.shape === result.labelledChoice)!;
    expect(labelled.ndcgAt10).toBeGreaterThanOrEqual(reference.ndcgAt10! * 0.99);
    const chosen = result.shapes.find((shape) => shape.shape === result.chosen)!;
    expect(chosen.overlap).toBeGreaterThanOrEqual(0.95);
    // Nothing reaching the floor is estimated cheaper.
    for (const shape of result.shapes) {
      if (shape.overlap >= 0.95)
        expect(shape.estimatedMs).toBeGreaterThanOrEqual(chosen.estimatedMs);
    }
    // fp32 scores do not depend on their batch-mates: the replay is exact.
    expect(result.verified.overlap).toBe(chosen.overlap);
    expect(result.verified.rbo).toBeCloseTo(chosen.rbo, 12);
    expect(result.verified.ndcgAt10).toBeCloseTo(chosen.ndcgAt10!, 12);
    expect(result.verified.latencyMs.count).toBe(3);

    const config = JSON.parse(readFileSync(out, 'utf8'));
    expect(cascadeConfigSchema.parse(config).tuned).toMatchObject({
      queries: 3,
      k: 3,
      target: { minAgreement: 0.95 },
      reference: 'bm25=10,minilm=3',
      agreement: { overlap: chosen.overlap },
      measured: { overlap: result.verified.overlap },
    });
    const { corpus } = await loadBeirDataset(beirMini, 'test');
    const bm25 = createBm25Retriever();
    bm25.add(corpus);
    const cascade = createCascadeFromConfig(config, {
      scorers: await loadConfigModels(config),
      retrievers: { bm25 },
      documentStore: createMemoryDocumentStore(corpus),
    });
    try {
      const found = await cascade.search({ query: 'does aspirin reduce heart attack risk' });
      expect(found.candidates[0]?.id).toBeDefined();
    } finally {
      await cascade.dispose();
    }
    expect(readFileSync(result.files.svg!, 'utf8')).toMatch(/^<svg/);
    const saved = savedResultPath(context);
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toMatchObject({
      command: 'tune',
      chosen: result.chosen,
    });
    expect(context.lines.join('\n')).toMatch(/verified .* overlap@3/);
  }, 120_000);

  it('searches depth, prefilter keep and pruning on deeper lists from JSONL files, under a budget', async () => {
    const context = testContext({ modelsGiven: false });
    const files = writeJsonlCorpus(context.root);
    const out = join(context.root, 'tuned.json');
    const base = {
      source: files,
      reranker: crossEncoder,
      prefilter: join(onnxFixtures, 'tiny-bert-no-token-types'),
      rerankerDtype: 'fp32',
      k: 3,
      maxDepth: 30,
      out,
    } as const;
    const agreeing = await runTune(context, base);
    expect(agreeing.split).toBeNull();
    expect(agreeing.labelledChoice).toBeNull();
    expect(agreeing.shapes.every((shape) => shape.ndcgAt10 === null)).toBe(true);
    const ids = agreeing.shapes.map((shape) => shape.shape);
    expect(ids).toEqual(
      expect.arrayContaining([
        'bm25=3',
        'bm25=30,tiny=3',
        'bm25=10,minilm=3',
        'bm25=30,minilm=3',
        'bm25=30,tiny=10,minilm=3',
        'bm25=30,tiny=20,minilm=3,prune=patience:2',
      ]),
    );
    // Shallower retrieval is never estimated dearer than deeper retrieval of the same shape.
    const estimate = (id: string) =>
      agreeing.shapes.find((shape) => shape.shape === id)!.estimatedMs;
    expect(estimate('bm25=10,minilm=3')).toBeLessThan(estimate('bm25=30,minilm=3'));
    expect(agreeing.verified.overlap).toBe(
      agreeing.shapes.find((shape) => shape.shape === agreeing.chosen)!.overlap,
    );

    // Under a budget: the most agreeing shape that fits; a budget nothing fits is a usage error.
    const cheapest = Math.min(...agreeing.shapes.map((shape) => shape.estimatedMs));
    await expect(
      runTune(testContext({ modelsGiven: false }), {
        ...base,
        target: { budgetMs: cheapest / 100 },
      }),
    ).rejects.toThrow(/no shape fits --budget-ms .*the cheapest, .* is estimated at/);
    const budgeted = await runTune(testContext({ modelsGiven: false }), {
      ...base,
      target: { budgetMs: 1e6 },
    });
    expect(budgeted.shapes.find((shape) => shape.shape === budgeted.chosen)!.overlap).toBe(1);
  }, 120_000);

  it('tunes without a prefilter', async () => {
    const context = testContext({ modelsGiven: false });
    const result = await runTune(context, {
      source: { dataset: beirMini },
      reranker: crossEncoder,
      prefilter: 'none',
      rerankerDtype: 'fp32',
      k: 2,
      maxDepth: 10,
      out: join(context.root, 'tuned.json'),
    });
    expect(result.models.prefilter).toBeNull();
    // Without --split every query of queries.jsonl is a sample query, judged or not.
    expect(result.queries).toBe(4);
    expect(result.shapes.some((shape) => shape.shape.includes('tiny'))).toBe(false);
    const config = JSON.parse(readFileSync(result.config, 'utf8'));
    expect(Object.keys(config.models)).not.toContain('prefilter');
  }, 120_000);

  it('keeps the config dtypes equal to the ONNX ones', () => {
    const config = (dtype: string) => ({
      version: 1,
      retrieval: { retriever: 'bm25', depth: 10 },
      models: { reranker: { model: 'x', dtype } },
      stages: [{ model: 'reranker', topK: 10 }],
      topK: 10,
    });
    for (const dtype of dtypes)
      expect(cascadeConfigSchema.safeParse(config(dtype)).success).toBe(true);
    expect(cascadeConfigSchema.safeParse(config('int4')).success).toBe(false);
  });
});

describe('loadConfigModels', () => {
  it('loads the models the stages use by name, sharing a token cache per folder, relative paths against relativeTo', async () => {
    const scorers = await loadConfigModels(
      {
        version: 1,
        retrieval: { retriever: 'bm25', depth: 10 },
        models: {
          prefilter: { model: './tiny-bert-cross-encoder', dtype: 'fp32', maxLength: 16 },
          reranker: { model: crossEncoder, dtype: 'fp32' },
          unused: { model: '/nonexistent/model', dtype: 'fp32' },
        },
        stages: [
          { model: 'prefilter', topK: 5 },
          { model: 'reranker', topK: 3 },
        ],
        topK: 3,
      },
      { relativeTo: onnxFixtures, crossEncoder: { execution: 'same-thread' } },
    );
    try {
      expect(Object.keys(scorers).sort()).toEqual(['prefilter', 'reranker']);
      expect(scorers.prefilter).toMatchObject({ stageId: 'prefilter', maxLength: 16 });
      expect(scorers.reranker!.stageId).toBe('reranker');
      expect(scorers.reranker!.maxLength).toBeGreaterThan(16);
    } finally {
      await Promise.all(Object.values(scorers).map((scorer) => scorer.dispose()));
    }
  });

  it('rejects a bad config before loading anything', async () => {
    await expect(loadConfigModels({ version: 1 })).rejects.toThrow(/retrieval/);
  });
});

function capture() {
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    err.push(String(text));
    return true;
  });
  return { err: () => err.join('') };
}

describe('sieve tune: bad input exits 2 before anything loads', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const folder = mkdtempSync(join(tmpdir(), 'sieve-tune-cli-'));
  const files = writeJsonlCorpus(folder);
  const broken = join(folder, 'broken.jsonl');
  writeFileSync(broken, '{"_id": "a", "text": "fine"}\nnot json\n');

  it.each([
    [
      [
        'tune',
        '--corpus',
        files.corpus,
        '--queries',
        files.queries,
        '--budget-ms',
        '50',
        '--min-agreement',
        '0.9',
      ],
      /pass --budget-ms or --min-agreement, not both/,
    ],
    [['tune'], /needs a corpus and sample queries: --dataset DIR, or --corpus FILE --queries FILE/],
    [['tune', '--corpus', files.corpus], /--corpus needs --queries FILE too/],
    [['tune', '--dataset', beirMini, '--corpus', files.corpus], /not both/],
    [
      ['tune', '--corpus', files.corpus, '--queries', files.queries, '--split', 'test'],
      /--split needs --dataset/,
    ],
    [
      ['tune', '--corpus', '/nonexistent/corpus.jsonl', '--queries', files.queries],
      /--corpus \/nonexistent\/corpus\.jsonl: does not exist/,
    ],
    [
      ['tune', '--corpus', files.corpus, '--queries', join(folder, 'missing.jsonl')],
      /--queries .*missing\.jsonl: does not exist/,
    ],
    [['tune', '--dataset', '/nonexistent/beir'], /--dataset \/nonexistent\/beir: does not exist/],
    [
      ['tune', '--corpus', broken, '--queries', files.queries],
      /broken\.jsonl line 2: expected a JSON object/,
    ],
    [
      ['tune', '--corpus', files.corpus, '--queries', files.queries, '--min-agreement', '1.5'],
      /--min-agreement must be a share in \(0, 1\]/,
    ],
    [
      ['tune', '--corpus', files.corpus, '--queries', files.queries, '--budget-ms', 'soon'],
      /--budget-ms must be a number/,
    ],
    [
      [
        'tune',
        '--corpus',
        files.corpus,
        '--queries',
        files.queries,
        '--k',
        '20',
        '--max-depth',
        '10',
      ],
      /--max-depth 10 is shallower than --k 20/,
    ],
    [
      [
        'tune',
        '--corpus',
        files.corpus,
        '--queries',
        files.queries,
        '--reranker',
        '/nonexistent/reranker',
      ],
      /--reranker \/nonexistent\/reranker/,
    ],
    [['tune', '--queries', '5', '--shapes', 'bm25=10'], /unknown option '--shapes' for sieve tune/],
  ])('%j', async (argv, message) => {
    const io = capture();
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    expect(await main([...argv, '--no-progress', '--results', join(folder, 'results')])).toBe(2);
    expect(io.err()).toMatch(message);
    vi.unstubAllEnvs();
  });

  it('is a typed usage error when called as a function', async () => {
    await expect(
      runTune(testContext({ modelsGiven: false }), {
        source: files,
        reranker: crossEncoder,
        target: { minAgreement: 0 },
      }),
    ).rejects.toSatisfy((error) => InvalidArgumentError.isInstance(error));
    expect(existsSync(join(folder, 'tuned-cascade.json'))).toBe(false);
  });
});
