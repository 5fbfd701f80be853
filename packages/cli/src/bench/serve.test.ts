import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ServeBenchResult } from '../results/serve-bench-result.js';
import { fixtureModels, savedResultPath, testContext } from '../support/test-context.js';
import { benchServe } from './serve.js';

describe('sieve bench serve (tiny model, load from a child process)', () => {
  it('measures every cell with batching on and off, without errors, and saves the result', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, { 'ms-marco-MiniLM-L-6-v2': 'tiny-bert-cross-encoder' });
    const result = await benchServe(context, {
      durationSeconds: 1,
      connections: [2],
      documents: [3, 10],
      command: 'sieve bench serve --duration 1 --connections 2 --docs 3,10',
    });
    expect(
      result.cells.map((cell) => [cell.documents, cell.connections, cell.crossRequest]),
    ).toEqual([
      [3, 2, true],
      [3, 2, false],
      [10, 2, true],
      [10, 2, false],
    ]);
    for (const cell of result.cells) {
      expect(cell.load.errors + cell.load.non2xx).toBe(0);
      expect(cell.pairsPerSecond).toBeGreaterThan(0);
      expect(cell.pairsPerSecond).toBeCloseTo(cell.requestsPerSecond * cell.documents);
      expect(cell.load.latencyMs.p99).toBeGreaterThanOrEqual(cell.load.latencyMs.p50);
      expect(cell.rssEndBytes).toBeGreaterThan(0);
    }
    expect(result.library.map((row) => row.documents)).toEqual([3, 10]);
    for (const row of result.library) {
      expect(row.pairsPerSecond).toBeGreaterThan(0);
      expect(row.serverBestRatio).toBeGreaterThan(0);
    }
    const printed = context.lines.join('\n');
    expect(printed).toMatch(/docs\s+conns\s+batching\s+req\/s\s+pairs\/s/);
    expect(printed).toMatch(/10 docs: library scorePairs \d+ pairs\/s, server best \d+ pairs\/s/);
    const saved = JSON.parse(readFileSync(savedResultPath(context), 'utf8')) as ServeBenchResult;
    expect(saved).toMatchObject({ benchmark: 'serve', command: result.command, dtype: 'int8' });
    expect(saved.cells).toHaveLength(4);
  }, 60_000);
});
