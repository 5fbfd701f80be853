import { describe, expect, it } from 'vitest';
import { formatCascadeStats, formatStageReports } from './format-reports.js';

describe('report formatting', () => {
  it('renders one aligned row per stage', () => {
    const table = formatStageReports([
      {
        stageId: 'bm25',
        kind: 'retrieval',
        inputCount: 100,
        outputCount: 100,
        wallMs: 1.23,
        stopReason: 'complete',
      },
      {
        stageId: 'rerank',
        kind: 'score',
        modelId: 'minilm',
        inputCount: 100,
        outputCount: 10,
        pairsScored: 40,
        pairsSkipped: 60,
        batches: 5,
        wallMs: 200,
        pairsPerSecond: 200,
        stopReason: 'pruned',
        prunedBy: 'patience(2)',
      },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toContain('pruned (patience(2))');
    expect(lines[3]).toMatch(/rerank\s+score\s+100\s+10\s+40\s+60\s+5\s+200\.0\s+200/);
    expect(lines[2]).toMatch(/bm25\s+retrieval.*\s-\s+complete$/);
  });

  it('adds one line per stage that measured where its time went, per batch', () => {
    const text = formatStageReports([
      {
        stageId: 'minilm',
        kind: 'score',
        modelId: 'minilm',
        inputCount: 8,
        outputCount: 8,
        pairsScored: 8,
        pairsSkipped: 0,
        batches: 1,
        wallMs: 40,
        pairsPerSecond: 200,
        stopReason: 'complete',
        inference: {
          batches: 2,
          rows: 8,
          paddedTokens: 800,
          tokenizeMs: 1,
          packMs: 0.2,
          queueMs: 4,
          transferMs: 0.4,
          feedMs: 0.6,
          runMs: 60,
          returnMs: 0.2,
        },
      },
    ]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe(
      'minilm: 2 batches of 4.0 rows (100 padded tokens/row), per batch: tokenize 0.50 ms, pack 0.10, transfer 0.20, feed 0.30, run 30.00, return 0.10',
    );
  });

  it('renders stats with percentiles', () => {
    const summary = { count: 2, mean: 2, min: 1, p50: 1, p95: 3, p99: 3, max: 3 };
    const table = formatCascadeStats({
      calls: 2,
      latencyMs: summary,
      stages: [
        {
          stageId: 'rerank',
          kind: 'score',
          calls: 2,
          pairsScored: 10,
          pairsSkipped: 0,
          batches: 2,
          tokens: 0,
          totalWallMs: 4,
          pairsPerSecond: 2500,
          tokensPerSecond: 0,
          latencyMs: summary,
          batchLatencyMs: summary,
        },
      ],
    });
    expect(table.split('\n')[2]).toMatch(/rerank\s+2\s+10\s+0\s+2500\s+-\s+1\.0\s+3\.0\s+3\.0/);
  });
});
