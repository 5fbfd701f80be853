import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@sieve/core';
import { describe, expect, it, vi } from 'vitest';
import { renderSavedCharts } from '../render-saved-charts.js';
import { fixtureModels, onnxFixtures, testContext } from '../support/test-context.js';
import { runEvaluation } from './run-evaluation.js';

describe('sieve bench cascade / sieve eval (tiny models, 3 judged queries)', () => {
  it('measures each shape, marks the frontier, and writes JSON, SVG, HTML and Prometheus files', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, {
      'ms-marco-TinyBERT-L-2-v2': 'tiny-bert-cross-encoder',
      'ms-marco-MiniLM-L-6-v2': 'tiny-bert-no-token-types',
    });
    const result = await runEvaluation(context, {
      name: 'cascade',
      shapes: ['bm25=10', 'bm25=10,tiny=5', 'bm25=10,tiny=5,minilm=3,prune=patience:1'],
      split: 'test',
      rerankerDtype: 'fp32',
      prometheus: true,
    });
    expect(result.queries).toBe(3);
    expect(result.documents).toBe(12);
    expect(result.modelsAreRandomWeights).toBe(false);
    const [bm25, prefilter, full] = result.shapes;
    // Each fixture query names its one relevant document: BM25 ranks it first.
    expect(bm25).toMatchObject({
      ndcgAt10: 1,
      mrrAt10: 1,
      recallAt10: 1,
      retrievalRecall: 1,
      pairsPerQuery: 0,
    });
    // BM25 returns only documents that share a term with the query (1-2 here); all are scored.
    expect(prefilter!.pairsPerQuery).toBeGreaterThan(0);
    expect(prefilter!.stages[1]!.pairsScoredPerQuery).toBe(prefilter!.pairsPerQuery);
    expect(prefilter!.stages.map((stage) => stage.stageId)).toEqual(['bm25', 'tinybert']);
    expect(full!.stages.map((stage) => stage.stageId)).toEqual(['bm25', 'tinybert', 'minilm']);
    // The reranker sees at most the prefilter's 5; patience(1) may stop early, never scores more.
    const minilm = full!.stages[2]!;
    expect(minilm.pairsScoredPerQuery).toBeGreaterThan(0);
    expect(minilm.pairsScoredPerQuery + minilm.pairsSkippedPerQuery).toBeLessThanOrEqual(5);
    expect(full!.pairsPerQuery).toBe(prefilter!.pairsPerQuery + minilm.pairsScoredPerQuery);
    for (const shape of result.shapes) {
      for (const metric of [shape.ndcgAt10, shape.mrrAt10, shape.recallAt10]) {
        expect(metric).toBeGreaterThanOrEqual(0);
        expect(metric).toBeLessThanOrEqual(1);
      }
      expect(shape.latencyMs.count).toBe(3);
    }
    // BM25 is fastest and already perfect here: it alone is on the frontier.
    expect(result.shapes.filter((shape) => shape.onFrontier).map((shape) => shape.shape)).toEqual([
      'bm25=10',
    ]);
    expect(readFileSync(result.files.svg!, 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(result.files.html!, 'utf8')).toContain('<table>');
    const exposition = readFileSync(result.files['prometheus:bm25=10,tiny=5']!, 'utf8');
    expect(exposition).toContain(
      `sieve_stage_pairs_scored_total{shape="bm25=10,tiny=5",stage="tinybert",kind="score"} ${prefilter!.pairsPerQuery * 3}`,
    );
    const saved = context.lines.find((line) => line.startsWith('saved '))!.slice('saved '.length);
    const chart = readFileSync(result.files.svg!, 'utf8');
    rmSync(result.files.svg!);
    const again = renderSavedCharts(context, saved);
    expect(readFileSync(again.svg!, 'utf8')).toBe(chart);
    expect(() => renderSavedCharts(context, result.files.svg!)).toThrow(
      /cannot read a saved result/,
    );
  }, 60_000);

  it('says when models are the random-weight benchmark exports', async () => {
    const context = testContext();
    const models = fixtureModels(context.modelsDir, {
      'ms-marco-TinyBERT-L-2-v2': 'tiny-bert-cross-encoder',
      'ms-marco-MiniLM-L-6-v2': 'tiny-bert-cross-encoder',
    });
    expect(existsSync(models)).toBe(true);
    const { writeFileSync, mkdirSync, cpSync, rmSync } = await import('node:fs');
    // A real copy (not the fixture link) that carries the generated-model marker.
    rmSync(`${models}/ms-marco-MiniLM-L-6-v2`);
    mkdirSync(`${models}/ms-marco-MiniLM-L-6-v2`);
    cpSync(`${models}/ms-marco-TinyBERT-L-2-v2/`, `${models}/ms-marco-MiniLM-L-6-v2`, {
      recursive: true,
      dereference: true,
    });
    writeFileSync(`${models}/ms-marco-MiniLM-L-6-v2/SIEVE_GENERATED.txt`, 'random weights\n');
    const result = await runEvaluation(context, {
      name: 'eval',
      shapes: ['bm25=10,minilm=3'],
      split: 'test',
      queries: 2,
      rerankerDtype: 'fp32',
    });
    expect(result.modelsAreRandomWeights).toBe(true);
    expect(result.queries).toBe(2);
    expect(context.lines.join('\n')).toMatch(/RANDOM weights/);
    expect(result.files).toEqual({});
    // The random-weight reranker sits unused in the folder: nothing to say.
    const quiet = testContext({ modelsDir: models });
    const prefilterOnly = await runEvaluation(quiet, {
      name: 'eval',
      shapes: ['bm25=10,tiny=5'],
      split: 'test',
      queries: 1,
    });
    expect(prefilterOnly.modelsAreRandomWeights).toBe(false);
    expect(quiet.lines.join('\n')).not.toMatch(/RANDOM weights/);
  }, 60_000);

  it('skips shapes whose models cannot be had and runs the others', async () => {
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    vi.stubEnv('HF_HUB_CACHE', mkdtempSync(join(tmpdir(), 'sieve-empty-hub-')));
    try {
      // No --models: the default folder (empty here), then the hub, which is offline.
      const context = testContext({ modelsGiven: false });
      const result = await runEvaluation(context, {
        name: 'eval',
        shapes: ['bm25=10', 'bm25=10,tiny=5'],
        split: 'test',
      });
      expect(result.shapes.map((shape) => shape.shape)).toEqual(['bm25=10']);
      expect(result.skipped).toHaveLength(1);
      expect(result.skipped[0]).toMatchObject({ shape: 'bm25=10,tiny=5' });
      expect(result.skipped[0]!.reason).toMatch(/offline|HF_HUB_OFFLINE/i);
      expect(context.warnings.join('\n')).toMatch(/skipping shape bm25=10,tiny=5/);
      await expect(
        runEvaluation(testContext({ modelsGiven: false }), {
          name: 'eval',
          shapes: ['bm25=10,minilm=3'],
          split: 'test',
        }),
      ).rejects.toThrow(/no shape could run/);
    } finally {
      vi.unstubAllEnvs();
    }
  }, 60_000);

  it('takes the models named by --prefilter and --reranker, and records them as they ran', async () => {
    // The reranker's own model as the prefilter, on short inputs: one token cache serves both.
    const model = join(onnxFixtures, 'tiny-bert-cross-encoder');
    const context = testContext({ modelsGiven: false });
    const result = await runEvaluation(context, {
      name: 'eval',
      shapes: ['bm25=10,tiny=5,minilm=3'],
      split: 'test',
      prefilter: model,
      reranker: model,
      prefilterMaxLength: 16,
      rerankerDtype: 'fp32',
    });
    expect(result.models).toEqual({
      prefilter: model,
      reranker: model,
      prefilterDtype: 'fp32',
      rerankerDtype: 'fp32',
      prefilterMaxLength: 16,
      // The fixture's own limit: its max_position_embeddings.
      rerankerMaxLength: 64,
    });
    expect(result.shapes[0]!.stages.map((stage) => stage.maxLength)).toEqual([undefined, 16, 64]);
    const printed = context.lines.join('\n');
    expect(printed).toContain(`prefilter: ${model} (fp32, max length 16 tokens)`);
    expect(printed).toContain(`reranker: ${model} (fp32)`);
    expect(printed).not.toMatch(/RANDOM weights/);
    await expect(
      runEvaluation(testContext({ modelsGiven: false }), {
        name: 'eval',
        shapes: ['bm25=10,tiny=5'],
        split: 'test',
        prefilter: model,
        prefilterMaxLength: 100,
      }),
    ).rejects.toThrow(/--prefilter-max-length 100: must be within 4\.\.64/);
  }, 60_000);

  it('refuses a named model folder, or a --models folder, that is not there, before running', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, { 'ms-marco-TinyBERT-L-2-v2': 'tiny-bert-cross-encoder' });
    const shapes = ['bm25=10', 'bm25=10,tiny=5,minilm=3'];
    const attempt = (options: Partial<Parameters<typeof runEvaluation>[1]>, over = context) =>
      runEvaluation(over, { name: 'eval', shapes, split: 'test', ...options });
    await expect(attempt({})).rejects.toThrow(
      `--models ${context.modelsDir} has no ms-marco-MiniLM-L-6-v2 folder; put it there, or name it with --reranker DIR|ID`,
    );
    await expect(attempt({ reranker: '/nonexistent/minilm' })).rejects.toThrow(
      /--reranker \/nonexistent\/minilm: \/nonexistent\/minilm does not exist/,
    );
    await expect(attempt({}, testContext({ modelsDir: '/nonexistent/models' }))).rejects.toThrow(
      '--models /nonexistent/models does not exist',
    );
    await expect(attempt({ prefilter: './no/such/model' })).rejects.toThrow(InvalidArgumentError);
    // Nothing ran: no output, no saved result.
    expect(context.lines).toEqual([]);
    expect(existsSync(context.resultsDir)).toBe(false);
  });

  it('says nothing of random weights or the GEMM roofline when no shape loads a model', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, {});
    const result = await runEvaluation(context, {
      name: 'eval',
      shapes: ['bm25=10'],
      split: 'test',
    });
    expect(result.models).toMatchObject({
      prefilter: null,
      reranker: null,
      prefilterMaxLength: null,
    });
    expect(result.roofline).toBeNull();
    expect(result.modelsAreRandomWeights).toBe(false);
    expect(context.warnings).toEqual([]);
    expect(context.lines.join('\n')).not.toMatch(/RANDOM weights|prefilter:|reranker:/);
  });
});
