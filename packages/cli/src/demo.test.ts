import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@sieve/core';
import { describe, expect, it, vi } from 'vitest';
import { runDemo } from './demo.js';
import { loadDemoCorpus } from './demo-corpus.js';
import { fixtureModels, onnxFixtures, testContext } from './support/test-context.js';

describe('sieve demo', () => {
  it('ships a corpus cut from the documentation', () => {
    const corpus = loadDemoCorpus();
    expect(corpus.length).toBeGreaterThan(20);
    expect(new Set(corpus.map((document) => document.id)).size).toBe(corpus.length);
    expect(corpus.some((document) => /cascade/i.test(document.text))).toBe(true);
  });

  it('runs the full cascade on local models: hybrid retrieval, prefilter, rerank', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, {
      'all-MiniLM-L6-v2': 'tiny-bert-bi-encoder',
      'ms-marco-TinyBERT-L-2-v2': 'tiny-bert-cross-encoder',
      'ms-marco-MiniLM-L-6-v2': 'tiny-bert-no-token-types',
    });
    const result = await runDemo(context, {
      queries: ['what does pruning do', 'how is latency measured'],
    });
    expect(result.skipped).toEqual([]);
    expect(result.stages).toEqual(['bm25', 'dense', 'prefilter', 'rerank']);
    expect(result.queries).toHaveLength(2);
    for (const query of result.queries) expect(query.results).toHaveLength(3);
    expect(context.lines.join('\n')).toMatch(/rerank\s+score\s+20\s+5/);
  }, 60_000);

  it('takes each model from its own option (a folder here), without --models', async () => {
    const context = testContext({ modelsGiven: false });
    const result = await runDemo(context, {
      queries: ['what does pruning do'],
      embedder: join(onnxFixtures, 'tiny-bert-bi-encoder'),
      prefilter: join(onnxFixtures, 'tiny-bert-cross-encoder'),
      reranker: join(onnxFixtures, 'tiny-bert-cross-encoder'),
    });
    expect(result.skipped).toEqual([]);
    expect(result.stages).toEqual(['bm25', 'dense', 'prefilter', 'rerank']);
    expect(context.lines.join('\n')).toContain(join(onnxFixtures, 'tiny-bert-cross-encoder'));
  }, 60_000);

  it('runs the stages it can, BM25 alone, when the hub cannot be had', async () => {
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    vi.stubEnv('HF_HUB_CACHE', mkdtempSync(join(tmpdir(), 'sieve-empty-hub-')));
    try {
      const context = testContext({ modelsGiven: false });
      const result = await runDemo(context, { queries: ['cuda'] });
      expect(result.stages).toEqual(['bm25']);
      expect(result.skipped).toHaveLength(2);
      expect(result.skipped.join('\n')).toMatch(/dense retrieval: .*offline/);
      expect(result.queries[0]!.results.length).toBeGreaterThan(0);
      const printed = context.lines.join('\n');
      expect(printed).toMatch(/not available, left out: cross-encoders/);
      expect(printed).toMatch(/Pass --models DIR, or --prefilter and --reranker DIR\|ID/);
    } finally {
      vi.unstubAllEnvs();
    }
  }, 60_000);

  it('refuses a --models folder that lacks a model, naming the folder and the model', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, { 'ms-marco-TinyBERT-L-2-v2': 'tiny-bert-cross-encoder' });
    const run = runDemo(context, { queries: ['cuda'] });
    await expect(run).rejects.toThrow(InvalidArgumentError);
    await expect(run).rejects.toThrow(
      `--models ${context.modelsDir} has no all-MiniLM-L6-v2, ms-marco-MiniLM-L-6-v2 folder`,
    );
    // A model named by its own option need not be under --models.
    const named = runDemo(context, {
      queries: ['cuda'],
      embedder: join(onnxFixtures, 'tiny-bert-bi-encoder'),
    });
    await expect(named).rejects.toThrow(
      /has no ms-marco-MiniLM-L-6-v2 folder; .* --reranker DIR\|ID/,
    );
    expect(context.lines).toEqual([]);
  });

  it.each([
    [[''], /--query is empty/],
    [['   '], /--query is empty/],
    [[], /no queries/],
  ])('checks the queries %j before it indexes or loads anything', async (queries, message) => {
    // --models names a folder that does not exist: the query is checked before it is looked at.
    const context = testContext();
    await expect(runDemo(context, { queries })).rejects.toThrow(message);
    expect(context.lines).toEqual([]);
  });
});
