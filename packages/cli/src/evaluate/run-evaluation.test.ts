import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { renderSavedCharts } from '../render-saved-charts.js';
import { fixtureModels, testContext } from '../support/test-context.js';
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
  }, 60_000);

  it('skips shapes whose models cannot be had and runs the others', async () => {
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    try {
      const context = testContext();
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
        runEvaluation(testContext(), { name: 'eval', shapes: ['bm25=10,minilm=3'], split: 'test' }),
      ).rejects.toThrow(/no shape could run/);
    } finally {
      vi.unstubAllEnvs();
    }
  }, 60_000);
});
