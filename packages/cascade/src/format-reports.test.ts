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
