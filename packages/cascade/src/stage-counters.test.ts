import { describe, expect, it } from 'vitest';
import { addStageCounters, createStageCounters, perSecond } from './stage-counters.js';

describe('stage counters', () => {
  it('adds counters and computes rates', () => {
    const counters = addStageCounters(createStageCounters(), { calls: 1, pairs: 50, wallMs: 500 });
    addStageCounters(counters, { pairs: 50, tokens: 10 });
    expect(counters).toMatchObject({ calls: 1, pairs: 100, tokens: 10, wallMs: 500 });
    expect(perSecond(counters.pairs, counters.wallMs)).toBe(200);
    expect(perSecond(5, 0)).toBe(0);
  });
});
