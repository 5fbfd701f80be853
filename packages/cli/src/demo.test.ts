import { describe, expect, it } from 'vitest';
import { runDemo } from './demo.js';
import { loadDemoCorpus } from './demo-corpus.js';
import { fixtureModels, testContext } from './support/test-context.js';

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
    const result = await runDemo(context, ['what does pruning do', 'how is latency measured']);
    expect(result.skipped).toEqual([]);
    expect(result.stages).toEqual(['bm25', 'dense', 'prefilter', 'rerank']);
    expect(result.queries).toHaveLength(2);
    for (const query of result.queries) expect(query.results).toHaveLength(3);
    expect(context.lines.join('\n')).toMatch(/rerank\s+score\s+20\s+5/);
  }, 60_000);

  it('runs the stages it can, BM25 alone, when no model can be had', async () => {
    const context = testContext();
    const result = await runDemo(context, ['cuda']);
    expect(result.stages).toEqual(['bm25']);
    expect(result.skipped).toHaveLength(2);
    expect(result.skipped.join('\n')).toMatch(/dense retrieval: .*models/);
    expect(result.queries[0]!.results.length).toBeGreaterThan(0);
    expect(context.lines.join('\n')).toMatch(/not available, left out: cross-encoders/);
  }, 60_000);
});
