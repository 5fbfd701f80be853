import { existsSync, readFileSync, rmSync } from 'node:fs';
import { InvalidArgumentError } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import { renderSavedCharts } from '../render-saved-charts.js';
import { fixtureModels, savedResultPath, testContext } from '../support/test-context.js';
import { benchRerank, formatRerankTable } from './rerank.js';
import type { RerankWorkload } from './workload.js';

const workload: RerankWorkload[] = Array.from({ length: 4 }, (_, query) => ({
  query: `query number ${query} about ${['aspirin', 'statins', 'malaria', 'sleep'][query]}`,
  documents: Array.from({ length: 9 }, (_, index) => ({
    id: `q${query}d${index}`,
    text: `document ${index} ${'with several words '.repeat(1 + ((index * 7 + query) % 6))}`,
  })),
}));

describe('sieve bench rerank (tiny models, in process)', () => {
  it('runs each strategy on the same pairs, agrees on fp32 scores, and saves the table', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, { tiny: 'tiny-bert-no-token-types' });
    const result = await benchRerank(context, {
      workloads: ['study'],
      workloadData: { study: workload },
      strategies: [
        'row-wise',
        'batch-32',
        'async',
        'instances-4',
        'batch-32-instances-4',
        'length-buckets',
        'sieve-fp32',
        'sieve-int8-static',
        'transformers-js-fp32',
        'sentence-transformers',
      ],
      repeats: 2,
      model: 'tiny',
      isolate: false,
    });
    const byId = new Map(result.rows.map((row) => [row.strategy.id, row]));
    expect(byId.size).toBe(10);
    // The fixture has no static int8 file (the conversion writes it): skipped, with the fix.
    expect(byId.get('sieve-int8-static')).toMatchObject({ status: 'skipped' });
    expect(byId.get('sieve-int8-static')!.reason).toMatch(
      /model_static_quantized\.onnx is missing: `npm run models -- convert` writes it/,
    );
    // No PyTorch weights next to the ONNX files: the Python peer is skipped, with the fix.
    expect(byId.get('sentence-transformers')).toMatchObject({ status: 'skipped' });
    expect(byId.get('sentence-transformers')!.reason).toMatch(/model\.safetensors.*npm run models/);
    for (const row of result.rows.filter(
      (item) =>
        item.strategy.runtime !== 'sentence-transformers' && item.strategy.dtype !== 'int8-static',
    )) {
      expect(row.status, `${row.strategy.id}: ${row.reason}`).toBe('ok');
      expect(row.measurement!.pairs).toBe(36);
      expect(row.measurement!.repeatSeconds).toHaveLength(2);
      expect(row.pairsPerSecond).toBeGreaterThan(0);
      expect(row.measurement!.peakRssBytes).toBeGreaterThan(0);
      expect(row.speedupOverRowWise).toBeGreaterThan(0);
      // Same fp32 model, same pairs: every strategy returns the row-wise scores, in order.
      expect(row.maxAbsDiffFromRowWise).toBeLessThan(1e-4);
    }
    expect(byId.get('row-wise')!.speedupOverRowWise).toBe(1);
    // No GEMM graphs in the models folder: no roofline, said on stderr.
    expect(result.roofline).toBeNull();
    expect(context.warnings.join('\n')).toMatch(/npm run models -- gemm/);
    const savedFile = savedResultPath(context);
    const saved = readFileSync(savedFile, 'utf8');
    expect(JSON.parse(saved).rows).toHaveLength(10);
    // One bar chart per workload, saved with the result; `sieve chart` renders the same chart again
    // from the saved JSON (the file is removed first, so the comparison sees a fresh render).
    const chart = readFileSync(result.charts.study!, 'utf8');
    expect(chart).toMatch(/^<svg[\s\S]*1\.00x row-wise[\s\S]*sieve-fp32/);
    rmSync(result.charts.study!);
    const again = renderSavedCharts(context, savedFile);
    expect(again.study).toBe(result.charts.study);
    expect(readFileSync(again.study!, 'utf8')).toBe(chart);
    const table = formatRerankTable(result.rows);
    expect(table.split('\n')).toHaveLength(12);
    expect(table).toMatch(/sentence-transformers\s+skipped/);
  }, 120_000);

  it('measures several models on each workload: rows by model, breakdowns, speed ratio, the sweep table', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, {
      tiny: 'tiny-bert-no-token-types',
      other: 'tiny-bert-cross-encoder',
    });
    const result = await benchRerank(context, {
      workloads: ['len64', 'len128'],
      workloadData: { len64: workload, len128: workload },
      strategies: ['sieve-fp32', 'length-buckets'],
      repeats: 1,
      models: ['tiny', 'other'],
      isolate: false,
    });
    expect(result.models?.map((folder) => folder.split('/').pop())).toEqual(['tiny', 'other']);
    expect(result.rows.map((row) => `${row.workload}/${row.model}/${row.strategy.id}`)).toEqual([
      'len64/tiny/length-buckets',
      'len64/tiny/sieve-fp32',
      'len64/other/length-buckets',
      'len64/other/sieve-fp32',
      'len128/tiny/length-buckets',
      'len128/tiny/sieve-fp32',
      'len128/other/length-buckets',
      'len128/other/sieve-fp32',
    ]);
    for (const row of result.rows) {
      expect(row.status, row.reason).toBe('ok');
      expect(row.measurement!.timings!.rows).toBe(36);
    }
    const output = context.lines.join('\n');
    expect(output).toMatch(/pair tokens: mean \d+/);
    expect(output).toMatch(/tokenizer, one thread, 36 pairs: Sieve [\d,]+ pairs\/s cold/);
    expect(output).toMatch(/sieve-fp32: \d+ batches of [\d.]+ rows .* per batch: tokenize/);
    expect(output).toMatch(/^other \(.*\) = [\d.]+x tiny \(.*\), Sieve's best of each$/m);
    expect(output).toMatch(
      /length sweep[\s\S]*64 tokens\s+128 tokens[\s\S]*other\s+length-buckets/,
    );
    // A chart per workload and model, each its own file; sieve chart draws the same ones again.
    expect(Object.keys(result.charts).sort()).toEqual([
      'len128-other',
      'len128-tiny',
      'len64-other',
      'len64-tiny',
    ]);
    expect(new Set(Object.values(result.charts)).size).toBe(4);
    expect(readFileSync(result.charts['len64-other']!, 'utf8')).toMatch(/other, len64/);
    const savedFile = savedResultPath(context);
    rmSync(result.charts['len64-tiny']!);
    const again = renderSavedCharts(context, savedFile);
    expect(again).toEqual(result.charts);
  }, 120_000);

  it('rejects unknown strategies and a missing model folder', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, { tiny: 'tiny-bert-no-token-types' });
    await expect(
      benchRerank(context, {
        workloads: ['study'],
        workloadData: { study: workload },
        strategies: ['row-wise', 'warp-speed'],
        repeats: 1,
        model: 'tiny',
        isolate: false,
      }),
    ).rejects.toThrow(/unknown strategies warp-speed; known: row-wise/);
    await expect(
      benchRerank(context, { workloads: ['study'], repeats: 1, model: 'absent', isolate: false }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        InvalidArgumentError.isInstance(error) && /missing model: .*absent/.test(error.message),
    );
    expect(existsSync(context.resultsDir)).toBe(false);
  });
});
