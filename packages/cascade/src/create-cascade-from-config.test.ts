import { InvalidConfigError, type SieveDocument } from '@sieve/core';
import { MockRetrieverV1, MockScorerV1 } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import {
  type CascadeConfig,
  cascadeConfigSchema,
  createCascade,
  createCascadeFromConfig,
  patience,
  scoreGap,
} from './index.js';

const corpus: SieveDocument[] = Array.from({ length: 30 }, (_, index) => ({
  id: `d${String(index).padStart(2, '0')}`,
  title: `title ${index}`,
  text: `document ${index} ${'x'.repeat(index)}`,
}));
const byId = new Map(corpus.map((document) => [document.id, document]));
const getDocuments = async (ids: readonly string[]) => ids.map((id) => byId.get(id));
const bm25 = () =>
  new MockRetrieverV1({
    stageId: 'bm25',
    results: corpus.map((document, index) => ({ id: document.id, score: index })),
  });
const prefilter = () =>
  new MockScorerV1({ stageId: 'prefilter', score: (_query, document) => document.text.length });
/** Agrees with the prefilter on the order (so patience stops), not on the scale. */
const reranker = () =>
  new MockScorerV1({
    stageId: 'reranker',
    score: (_query, document) => Number(document.id.slice(1)),
  });

const config: CascadeConfig = {
  version: 1,
  retrieval: { retriever: 'bm25', depth: 25 },
  models: {
    prefilter: { model: './models/tiny', dtype: 'fp32', maxLength: 64 },
    reranker: { model: 'Xenova/ms-marco-MiniLM-L-6-v2', dtype: 'int8' },
  },
  stages: [
    { model: 'prefilter', topK: 15 },
    { model: 'reranker', topK: 5, batchSize: 4, prune: { policy: 'patience', batches: 1 } },
  ],
  topK: 5,
};

/** The issues of the InvalidConfigError `run` throws. */
function issuesOf(run: () => unknown): Array<{ path: string; message: string }> {
  try {
    run();
  } catch (error) {
    expect(InvalidConfigError.isInstance(error)).toBe(true);
    return [...(error as InvalidConfigError).issues];
  }
  throw new Error('expected an InvalidConfigError');
}

const withConfig = (patch: Record<string, unknown>): unknown => ({ ...config, ...patch });
const options = () => ({
  scorers: { prefilter: prefilter(), reranker: reranker() },
  retrievers: { bm25: bm25() },
  getDocuments,
});

describe('createCascadeFromConfig', () => {
  it('runs a config exactly as the equivalent createCascade', async () => {
    const fromConfig = createCascadeFromConfig(config, options());
    const direct = createCascade({
      retrievers: [bm25()],
      getDocuments,
      retrievalTopK: 25,
      stages: [
        { scorer: prefilter(), topK: 15 },
        { scorer: reranker(), topK: 5, batchSize: 4, prune: patience(1) },
      ],
      topK: 5,
    });
    for (const query of ['first query', 'second query']) {
      const [a, b] = await Promise.all([fromConfig.search({ query }), direct.search({ query })]);
      expect(a.candidates).toEqual(b.candidates);
      const summary = (report: (typeof a.reports)[number]) =>
        report.kind === 'score'
          ? [report.stageId, report.inputCount, report.pairsScored, report.batches, report.prunedBy]
          : [report.stageId, report.outputCount];
      expect(a.reports.map(summary)).toEqual(b.reports.map(summary));
      // patience(1) stopped the reranker early: the config's pruning is in force.
      expect(a.reports[2]).toMatchObject({ stageId: 'reranker', stopReason: 'pruned' });
    }
  });

  it('maps each pruning policy, and a config without stages is retrieval only', async () => {
    const gap = createCascadeFromConfig(
      withConfig({
        stages: [{ model: 'reranker', topK: 5, prune: { policy: 'scoreGap', gap: 4 } }],
      }),
      options(),
    );
    const direct = createCascade({
      retrievers: [bm25()],
      getDocuments,
      retrievalTopK: 25,
      stages: [{ scorer: reranker(), topK: 5, prune: scoreGap({ gap: 4 }) }],
      topK: 5,
    });
    const [a, b] = await Promise.all([gap.search({ query: 'q' }), direct.search({ query: 'q' })]);
    expect(a.candidates).toEqual(b.candidates);
    expect(a.reports[1]).toMatchObject({ pairsScored: 5, prunedBy: 'scoreGap(4)' });

    const fixed = createCascadeFromConfig(
      withConfig({
        stages: [{ model: 'reranker', topK: 5, prune: { policy: 'fixedDepth', depth: 7 } }],
      }),
      options(),
    );
    expect((await fixed.search({ query: 'q' })).reports[1]).toMatchObject({ pairsScored: 7 });

    const retrievalOnly = createCascadeFromConfig(
      { version: 1, retrieval: { retriever: 'bm25', depth: 3 }, topK: 3 },
      { scorers: {}, retrievers: { bm25: bm25() } },
    );
    const result = await retrievalOnly.search({ query: 'q' });
    expect(result.candidates.map((candidate) => candidate.id)).toEqual(['d29', 'd28', 'd27']);
  });

  it('accepts what JSON gives back, tuned provenance included', async () => {
    const tuned = {
      ...config,
      tuned: {
        date: '2025-01-01T00:00:00.000Z',
        queries: 100,
        k: 10,
        target: { minAgreement: 0.95 },
        reference: 'bm25=100,minilm=10',
        agreement: { overlap: 0.96, rbo: 0.97 },
        estimatedMs: 120,
        measured: { overlap: 0.96, rbo: 0.97, p50Ms: 118, meanMs: 125 },
        tool: 'sieve tune',
      },
    };
    const parsed = cascadeConfigSchema.parse(JSON.parse(JSON.stringify(tuned)));
    expect(parsed.tuned).toMatchObject({ tool: 'sieve tune', measured: { p50Ms: 118 } });
    const cascade = createCascadeFromConfig(JSON.parse(JSON.stringify(tuned)), options());
    expect((await cascade.search({ query: 'q' })).candidates).toHaveLength(5);
  });

  it('names every bad field of the config', () => {
    expect(issuesOf(() => createCascadeFromConfig(withConfig({ version: 2 }), options()))).toEqual([
      expect.objectContaining({ path: 'version' }),
    ]);
    const issues = issuesOf(() =>
      createCascadeFromConfig(
        withConfig({
          retrieval: { retriever: 'splade', depth: 0 },
          models: {
            prefilter: { model: 'x', dtype: 'int4' },
            reranker: { model: '', dtype: 'fp32', batchSize: 8 },
          },
          stages: [
            { model: 'prefilter', topK: 0 },
            { model: 'reranker', topK: 5, prune: { policy: 'patience', batches: 0 } },
            { model: 'rerank', topK: 5, prune: { policy: 'bounded' } },
          ],
          topk: 5,
        }),
        options(),
      ),
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      [
        '',
        'models.prefilter.dtype',
        'models.reranker',
        'models.reranker.model',
        'retrieval.depth',
        'retrieval.retriever',
        'stages.0.topK',
        'stages.1.prune.batches',
        'stages.2.prune.policy',
      ].sort(),
    );
    // The unknown keys are named, not silently dropped.
    expect(issues.find((issue) => issue.path === '')?.message).toMatch(/topk/);
    expect(issues.find((issue) => issue.path === 'models.reranker')?.message).toMatch(/batchSize/);
  });

  it('names a stage model missing from models, and a model serving two stages', () => {
    const issues = issuesOf(() =>
      createCascadeFromConfig(
        withConfig({
          stages: [
            { model: 'reranker', topK: 10 },
            { model: 'reranker', topK: 5 },
            { model: 'minilm', topK: 5 },
          ],
        }),
        options(),
      ),
    );
    expect(issues).toEqual([
      {
        path: 'stages.1.model',
        message: expect.stringMatching(/model 'reranker' already serves stages\.0/),
      },
      {
        path: 'stages.2.model',
        message: "unknown model 'minilm': models has prefilter, reranker",
      },
    ]);
  });

  it('names a model the config uses that scorers lacks, and a missing retriever', () => {
    const issues = issuesOf(() =>
      createCascadeFromConfig(config, {
        scorers: { prefilter: prefilter() },
        retrievers: {},
        getDocuments,
      }),
    );
    expect(issues).toEqual([
      { path: 'retrievers.bm25', message: expect.stringMatching(/retrievers: \{ bm25 \}/) },
      {
        path: 'scorers.reranker',
        message: expect.stringMatching(
          /stages\.1 uses model 'reranker' but scorers has no 'reranker' \(given: prefilter\)/,
        ),
      },
    ]);
    // What createCascade checks (here: no document texts for the stages) still reaches the caller.
    expect(
      issuesOf(() =>
        createCascadeFromConfig(config, { ...options(), getDocuments: undefined }),
      ).map((issue) => issue.path),
    ).toEqual(['getDocuments']);
  });

  it('asks for the parsed JSON when given its text', () => {
    expect(issuesOf(() => createCascadeFromConfig(JSON.stringify(config), options()))).toEqual([
      { path: '', message: expect.stringMatching(/JSON\.parse/) },
    ]);
  });
});
