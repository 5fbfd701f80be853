import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RssSample, SoakBenchResult } from '../results/soak-bench-result.js';
import { savedResultPath, testContext } from '../support/test-context.js';
import { benchSoak, rssVerdict } from './soak.js';

const megabyte = 2 ** 20;
/** One sample a step, RSS in MB from `rss(step)`. */
const samples = (steps: number, rss: (step: number) => number): RssSample[] =>
  Array.from({ length: steps + 1 }, (_, step) => ({
    step,
    seconds: step,
    rssBytes: rss(step) * megabyte,
    heapUsedBytes: 0,
  }));

describe('rssVerdict', () => {
  it('passes flat RSS after a warm-up climb in the first 10%', () => {
    const verdict = rssVerdict(
      samples(100, (step) => (step < 5 ? 300 + step * 20 : 400)),
      100,
      0,
    );
    expect(verdict.baselineBytes).toBe(400 * megabyte);
    expect(verdict.growth).toBe(0);
    expect(verdict.passed).toBe(true);
  });

  it('fails a steady leak of 10%, and any error', () => {
    const leak = rssVerdict(
      samples(100, (step) => 400 + (step * 40) / 100),
      100,
      0,
    );
    expect(leak.growth).toBeGreaterThan(0.05);
    expect(leak.passed).toBe(false);
    expect(
      rssVerdict(
        samples(100, () => 400),
        100,
        1,
      ).passed,
    ).toBe(false);
  });

  it('reads medians, so one garbage-collection spike at the end does not decide', () => {
    const verdict = rssVerdict(
      samples(100, (step) => (step === 100 ? 480 : 400)),
      100,
      0,
    );
    expect(verdict.endBytes).toBe(400 * megabyte);
    expect(verdict.passed).toBe(true);
  });

  it('takes the nearest sample when a window holds none (few samples)', () => {
    const sparse = [0, 50, 100].map((step) => ({
      step,
      seconds: step,
      rssBytes: (400 + step) * megabyte,
      heapUsedBytes: 0,
    }));
    const verdict = rssVerdict(sparse, 100, 0);
    expect(verdict.baselineBytes).toBe(400 * megabyte);
    expect(verdict.endBytes).toBe(500 * megabyte);
  });
});

describe('sieve bench soak (tiny model, BEIR mini)', () => {
  it('runs every phase without errors, samples RSS and saves the result', async () => {
    const context = testContext();
    const result = await benchSoak(context, {
      tiny: true,
      queries: 24,
      depth: 10,
      prefilterTopK: 6,
      topK: 3,
      cycles: 5,
      sampleEvery: 4,
      concurrency: 3,
      command: 'sieve bench soak --tiny --queries 24 --cycles 5',
    });
    expect(result.phases.map((phase) => phase.name)).toEqual(['library', 'server', 'cycles']);
    for (const phase of result.phases) {
      expect(phase.errors, phase.firstError).toBe(0);
      expect(phase.completed).toBe(phase.steps);
      expect(phase.samples[0]!.step).toBe(0);
      expect(phase.samples.at(-1)!.step).toBe(phase.steps);
      expect(phase.baselineBytes).toBeGreaterThan(0);
      expect(phase.growth).toBeCloseTo(
        (phase.endBytes - phase.baselineBytes) / phase.baselineBytes,
      );
    }
    expect(result.phases[0]!.samples.map((sample) => sample.step)).toEqual([
      0, 4, 8, 12, 16, 20, 24,
    ]);
    expect(result.phases[2]!.samples).toHaveLength(6);
    expect(result.distinctQueries).toBe(3);
    expect(result.passed).toBe(result.phases.every((phase) => phase.passed));
    const printed = context.lines.join('\n');
    expect(printed).toMatch(/phase\s+steps\s+completed\s+errors/);
    expect(printed).toMatch(/library \(step:RSS MB\/heap MB\): 0:\d+\/\d+ 4:\d+\/\d+/);
    expect(printed).toMatch(/soak (passed|FAILED)/);
    const saved = JSON.parse(readFileSync(savedResultPath(context), 'utf8')) as SoakBenchResult;
    expect(saved).toMatchObject({ benchmark: 'soak', queries: 24, cycles: 5, maxGrowth: 0.05 });
    expect(saved.phases).toHaveLength(3);
  }, 60_000);
});
