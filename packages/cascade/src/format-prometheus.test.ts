import { InvalidArgumentError } from '@sieve/core';
import { MockRetrieverV1, MockScorerV1 } from '@sieve/core/test';
import { describe, expect, it } from 'vitest';
import { createCascade, formatPrometheus } from './index.js';

async function statsAfterCalls(calls: number) {
  const cascade = createCascade({
    retrievers: [
      new MockRetrieverV1({
        stageId: 'bm25',
        results: Array.from({ length: 20 }, (_, index) => ({ id: `d${index}`, score: index })),
      }),
    ],
    getDocuments: async (ids) => ids.map((id) => ({ id, text: `text of ${id}` })),
    stages: [
      {
        scorer: new MockScorerV1({
          stageId: 're"rank',
          score: (_query, document) => document.text.length,
          tokensPerPair: 4,
        }),
        topK: 5,
        batchSize: 4,
      },
    ],
    topK: 3,
  });
  for (let call = 0; call < calls; call++) await cascade.search({ query: `query ${call}` });
  return cascade.stats();
}

/** Parses exposition lines into `name{labels}` -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.trim().split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe('formatPrometheus', () => {
  it('exposes counters and latency summaries that agree with stats()', async () => {
    const stats = await statsAfterCalls(3);
    const text = formatPrometheus(stats, { labels: { service: 'search' } });
    const values = samples(text);
    expect(values.get('sieve_cascade_calls_total{service="search"}')).toBe(3);
    expect(values.get('sieve_cascade_duration_seconds_count{service="search"}')).toBe(3);
    // The stage id's quote is escaped; 3 calls x 20 candidates scored.
    expect(
      values.get('sieve_stage_pairs_scored_total{service="search",stage="re\\"rank",kind="score"}'),
    ).toBe(60);
    expect(
      values.get('sieve_stage_tokens_total{service="search",stage="re\\"rank",kind="score"}'),
    ).toBe(240);
    expect(
      values.get('sieve_stage_batches_total{service="search",stage="re\\"rank",kind="score"}'),
    ).toBe(15);
    const p50 = values.get(
      'sieve_stage_duration_seconds{service="search",stage="bm25",kind="retrieval",quantile="0.5"}',
    );
    expect(p50).toBeGreaterThanOrEqual(0);
    expect(p50).toBeLessThan(1);
    // Every family has HELP and TYPE lines, and every sample line is `name{labels} number`.
    for (const line of text.trim().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) sieve_\w+ .+|sieve_\w+(\{[^}]*\})? [-+\d.eInfa]+)$/);
    }
    expect(text.match(/^# TYPE /gm)).toHaveLength(text.match(/^# HELP /gm)!.length);
  });

  it('rejects invalid prefixes and label names', async () => {
    const stats = await statsAfterCalls(1);
    expect(() => formatPrometheus(stats, { prefix: '9bad' })).toThrow(
      expect.objectContaining({ argument: 'prefix' }),
    );
    expect(() => formatPrometheus(stats, { labels: { 'bad-name': 'x' } })).toThrowError(
      /not a valid Prometheus label name/,
    );
    try {
      formatPrometheus(stats, { labels: { __reserved: 'x' } });
      expect.unreachable();
    } catch (error) {
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
    }
  });
});
