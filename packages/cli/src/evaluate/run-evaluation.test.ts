import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@sieve/core';
import { describe, expect, it, vi } from 'vitest';
import { renderSavedCharts } from '../render-saved-charts.js';
import {
  fixtureModels,
  onnxFixtures,
  savedResultPath,
  testContext,
} from '../support/test-context.js';
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
    const saved = savedResultPath(context);
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
        shapes: ['bm25=10', 'bm25=10,tiny=5', 'dense=10', 'hybrid=10,minilm=3'],
        split: 'test',
      });
      expect(result.shapes.map((shape) => shape.shape)).toEqual(['bm25=10']);
      expect(result.skipped.map((item) => item.shape)).toEqual([
        'bm25=10,tiny=5',
        'dense=10',
        'hybrid=10,minilm=3',
      ]);
      for (const item of result.skipped) expect(item.reason).toMatch(/offline|HF_HUB_OFFLINE/i);
      expect(context.warnings.join('\n')).toMatch(/skipping shape bm25=10,tiny=5/);
      expect(context.warnings.join('\n')).toMatch(/skipping shape dense=10/);
      // The embedder could not be had: no index, and the reference (hybrid=10,minilm=3) is gone.
      expect(result.denseIndex).toBeNull();
      expect(result.models.embedder).toBe('Xenova/all-MiniLM-L6-v2');
      expect(result.reference).toBeNull();
      expect(context.warnings.join('\n')).toMatch(/reference hybrid=10,minilm=3 did not run/);
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
      embedder: null,
      embedderDtype: 'fp32',
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

  it('ranks passages with --workload passages: each judged as its document, lengths in the tokens of the local model', async () => {
    const model = join(onnxFixtures, 'tiny-bert-cross-encoder');
    const datasetDir = new URL('../__fixtures__/beir-passages/', import.meta.url).pathname;
    const context = testContext({ modelsGiven: false, datasetDir });
    const result = await runEvaluation(context, {
      name: 'eval',
      shapes: ['bm25=10,minilm=3'],
      split: 'test',
      workload: 'passages',
      reranker: model,
      rerankerDtype: 'fp32',
    });
    expect(result.workload).toBe('passages');
    // 12 documents of 4-9 sentences: more passages than documents.
    expect(result.documents).toBeGreaterThan(12);
    expect(context.lines.join('\n')).toMatch(/3 of 3 judged queries, \d+ passages\)/);
    // Every query's relevant document has passages, so BM25 finds some of them.
    expect(result.shapes[0]!.retrievalRecall).toBeGreaterThan(0.5);
    // Without a local model folder there is no tokenizer to measure passages with.
    await expect(
      runEvaluation(testContext({ modelsGiven: false, datasetDir }), {
        name: 'eval',
        shapes: ['bm25=10'],
        split: 'test',
        workload: 'passages',
      }),
    ).rejects.toThrow(/--workload passages .* needs a local model folder/);
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
      embedder: null,
      prefilter: null,
      reranker: null,
      prefilterMaxLength: null,
    });
    expect(result.denseIndex).toBeNull();
    expect(result.reference).toBeNull();
    expect(result.shapes[0]).toMatchObject({
      agreementAt10: null,
      costFraction: null,
      recallAt100: null,
    });
    expect(result.shapes[0]).not.toHaveProperty('topIds');
    expect(result.roofline).toBeNull();
    expect(result.modelsAreRandomWeights).toBe(false);
    expect(context.warnings).toEqual([]);
    expect(context.lines.join('\n')).not.toMatch(/RANDOM weights|prefilter:|reranker:/);
  });

  it('compares every shape with the full rerank: top-10 agreement and cost in the same run', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, {
      'ms-marco-TinyBERT-L-2-v2': 'tiny-bert-cross-encoder',
      'ms-marco-MiniLM-L-6-v2': 'tiny-bert-cross-encoder',
    });
    const result = await runEvaluation(context, {
      name: 'eval',
      shapes: [
        'bm25=100',
        'bm25=10,tiny=5',
        'bm25=5,minilm=3',
        'bm25=10,minilm=3,prune=patience:1',
      ],
      // Not among the shapes: it runs too, last.
      reference: 'bm25=10,minilm=3',
      split: 'test',
      rerankerDtype: 'fp32',
    });
    expect(result.reference).toBe('bm25=10,minilm=3');
    expect(result.shapes.map((shape) => shape.shape)).toEqual([
      'bm25=100',
      'bm25=10,tiny=5',
      'bm25=5,minilm=3',
      'bm25=10,minilm=3,prune=patience:1',
      'bm25=10,minilm=3',
    ]);
    const reference = result.shapes.at(-1)!;
    expect(reference).toMatchObject({ agreementAt10: 1, costFraction: 1 });
    for (const shape of result.shapes) {
      expect(shape.agreementAt10).toBeGreaterThanOrEqual(0);
      expect(shape.agreementAt10).toBeLessThanOrEqual(1);
      expect(shape.costFraction).toBeCloseTo(shape.latencyMs.mean / reference.latencyMs.mean, 9);
      expect(shape).not.toHaveProperty('topIds');
    }
    // BM25 finds only 1-2 documents per fixture query, so a rerank of them reorders but keeps
    // them: the same set in the top 10.
    expect(result.shapes[0]!.agreementAt10).toBe(1);
    // R@100 of the retrieval list only where the shape retrieves 100.
    expect(result.shapes[0]!.recallAt100).toBe(1);
    expect(result.shapes[1]!.recallAt100).toBeNull();
    const printed = context.lines.join('\n');
    expect(printed).toContain('reference bm25=10,minilm=3 is not among the shapes: it runs last');
    expect(printed).toMatch(/agree@10 +cost\/ref/);
    expect(printed).toContain('Recall@100 (BM25) 1.0000');
    // Without a full rerank among the shapes, and none named: no reference, empty columns.
    const none = await runEvaluation(testContext({ modelsDir: context.modelsDir }), {
      name: 'eval',
      shapes: ['bm25=10', 'bm25=10,minilm=3,prune=patience:1'],
      split: 'test',
      queries: 1,
      rerankerDtype: 'fp32',
    });
    expect(none.reference).toBeNull();
    expect(none.shapes.map((shape) => shape.agreementAt10)).toEqual([null, null]);
  }, 60_000);

  it('fits prune=bounded on another split before the shape runs, and refuses to fit on the split evaluated', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, { 'ms-marco-MiniLM-L-6-v2': 'tiny-bert-cross-encoder' });
    const result = await runEvaluation(context, {
      name: 'eval',
      shapes: ['bm25=10,minilm=3', 'bm25=10,minilm=3,prune=bounded'],
      split: 'test',
      rerankerDtype: 'fp32',
    });
    const [full, pruned] = result.shapes;
    expect(full!.bound).toBeUndefined();
    // The fixture's train split judges one query (q4): its BM25 candidates, scored by the reranker.
    expect(pruned!.bound).toMatchObject({ split: 'train', queries: 1 });
    expect(pruned!.bound!.pairs).toBeGreaterThan(0);
    expect(Number.isFinite(pruned!.bound!.slope)).toBe(true);
    expect(Number.isFinite(pruned!.bound!.intercept)).toBe(true);
    expect(pruned!.pairsPerQuery).toBeLessThanOrEqual(full!.pairsPerQuery);
    expect(context.lines.join('\n')).toMatch(
      /bound fitted on 1 train queries \(\d+ pairs\): reranker score <= \S+ x previous score \+ \S+/,
    );
    const saved = JSON.parse(readFileSync(savedResultPath(context), 'utf8')) as {
      shapes: Array<{ bound?: { split: string } }>;
    };
    expect(saved.shapes[1]!.bound).toMatchObject({ split: 'train' });

    const onTrain = runEvaluation(testContext({ modelsDir: context.modelsDir }), {
      name: 'eval',
      shapes: ['bm25=10,minilm=3,prune=bounded'],
      split: 'train',
      rerankerDtype: 'fp32',
    });
    await expect(onTrain).rejects.toThrow(InvalidArgumentError);
    await expect(onTrain).rejects.toThrow(/--bound-split with another split/);
  }, 60_000);

  it('retrieves with dense=N and hybrid=N on the embedder, and reuses the cached dense index', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, {
      'all-MiniLM-L6-v2': 'tiny-bert-bi-encoder',
      'ms-marco-MiniLM-L-6-v2': 'tiny-bert-cross-encoder',
    });
    const embedder = join(context.modelsDir, 'all-MiniLM-L6-v2');
    const shapes = ['bm25=10', 'dense=10', 'hybrid=10', 'dense=10,minilm=3', 'bm25=10,minilm=3'];
    const first = await runEvaluation(context, {
      name: 'eval',
      shapes,
      split: 'test',
      rerankerDtype: 'fp32',
    });
    expect(first.shapes.map((shape) => shape.shape)).toEqual(shapes);
    expect(first.models).toMatchObject({ embedder, embedderDtype: 'fp32' });
    expect(first.reference).toBe('dense=10,minilm=3');
    const [, dense, hybrid, denseRerank] = first.shapes;
    expect(dense!.stages.map((stage) => stage.stageId)).toEqual(['dense']);
    expect(hybrid!.stages.map((stage) => stage.stageId)).toEqual(['hybrid']);
    expect(denseRerank!.stages.map((stage) => stage.stageId)).toEqual(['dense', 'minilm']);
    expect(denseRerank).toMatchObject({ agreementAt10: 1, costFraction: 1 });
    // The dense index holds all 12 documents: each query gets its 10 nearest.
    expect(dense!.pairsPerQuery).toBe(0);
    expect(denseRerank!.stages[1]!.pairsScoredPerQuery).toBe(10);
    for (const metric of [dense!.ndcgAt10, dense!.retrievalRecall, hybrid!.retrievalRecall]) {
      expect(metric).toBeGreaterThanOrEqual(0);
      expect(metric).toBeLessThanOrEqual(1);
    }
    // Hybrid fuses BM25's candidates in: it finds every relevant document BM25 finds (all here).
    expect(hybrid!.retrievalRecall).toBe(1);
    expect(first.denseIndex).toMatchObject({ built: true });
    const folder = first.denseIndex!.folder;
    expect(folder.startsWith(join(context.root, '.cache', 'indexes'))).toBe(true);
    for (const file of ['dense.json', 'key.json'])
      expect(existsSync(join(folder, file))).toBe(true);
    const dataFiles = readdirSync(folder).filter((name) => /^(hnsw|vectors)\./.test(name));
    expect(dataFiles.map((name) => name.split('.')[0]).sort()).toEqual(['hnsw', 'vectors']);
    expect(JSON.parse(readFileSync(join(folder, 'key.json'), 'utf8'))).toMatchObject({
      embedder,
      dtype: 'fp32',
      dataset: context.datasetDir,
      documents: 12,
    });
    expect(context.lines.join('\n')).toMatch(
      /dense index: embedded 12 documents with .* \(fp32\) in [\d.]+ s/,
    );
    expect(context.lines.join('\n')).toContain('Recall@10 (dense)');
    expect(context.lines).toContain(`embedder: ${embedder} (fp32)`);

    // A second run over the same corpus and embedder loads the index instead of embedding.
    const again = testContext({ root: context.root, modelsDir: context.modelsDir });
    const second = await runEvaluation(again, {
      name: 'eval',
      shapes: ['dense=10'],
      split: 'test',
    });
    expect(second.denseIndex).toMatchObject({ built: false, folder });
    expect(second.shapes[0]!.ndcgAt10).toBe(dense!.ndcgAt10);
    expect(second.shapes[0]!.retrievalRecall).toBe(dense!.retrievalRecall);
    expect(again.lines.join('\n')).toContain(`dense index: loaded from ${folder}`);
    // Another dtype is another index.
    const int8 = await runEvaluation(
      testContext({ root: context.root, modelsDir: context.modelsDir }),
      {
        name: 'eval',
        shapes: ['dense=10'],
        split: 'test',
        queries: 1,
        embedderDtype: 'int8',
      },
    );
    expect(int8.denseIndex).toMatchObject({ built: true });
    expect(int8.denseIndex!.folder).not.toBe(folder);
  }, 60_000);

  it('refuses an --embedder folder that is not there, and warns of embedder flags no shape uses', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, {});
    await expect(
      runEvaluation(context, {
        name: 'eval',
        shapes: ['dense=10'],
        split: 'test',
        embedder: '/nonexistent/embedder',
      }),
    ).rejects.toThrow(/--embedder \/nonexistent\/embedder: \/nonexistent\/embedder does not exist/);
    await expect(
      runEvaluation(context, { name: 'eval', shapes: ['hybrid=10'], split: 'test' }),
    ).rejects.toThrow(/has no all-MiniLM-L6-v2 folder; put it there, or name it with --embedder/);
    expect(context.lines).toEqual([]);
    const quiet = testContext({ modelsDir: context.modelsDir });
    await runEvaluation(quiet, {
      name: 'eval',
      shapes: ['bm25=10'],
      split: 'test',
      embedder: join(onnxFixtures, 'tiny-bert-bi-encoder'),
      embedderDtype: 'int8',
      boundSplit: 'train',
      boundQueries: 5,
    });
    expect(quiet.warnings).toEqual([
      '[sieve] --embedder is unused: no shape has dense=N or hybrid=N',
      '[sieve] --embedder-dtype is unused: no shape has dense=N or hybrid=N',
      '[sieve] --bound-split and --bound-queries are unused: no shape has prune=bounded',
    ]);
  });
});
