import { describe, expect, it } from 'vitest';
import { paretoFrontier, renderFrontierHtml, renderFrontierSvg } from './frontier.js';

const points = [
  { label: 'bm25', latencyMs: 1, quality: 0.6 },
  { label: 'slow-worse', latencyMs: 500, quality: 0.55 },
  { label: 'fast-good', latencyMs: 50, quality: 0.7 },
  { label: 'tie-slower', latencyMs: 60, quality: 0.7 },
  { label: 'best', latencyMs: 900, quality: 0.75 },
  { label: '<script>', latencyMs: 0.2, quality: 0.1 },
];

describe('paretoFrontier', () => {
  it('keeps exactly the undominated points, by latency', () => {
    expect(paretoFrontier(points).map((point) => point.label)).toEqual([
      '<script>',
      'bm25',
      'fast-good',
      'best',
    ]);
    expect(paretoFrontier([])).toEqual([]);
  });
});

describe('frontier charts', () => {
  it('draws every point, joins the frontier and escapes labels', () => {
    const svg = renderFrontierSvg(points, { title: 'SciFact & co', note: 'random weights' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(points.length);
    expect(svg.match(/<polyline /g)).toHaveLength(1);
    expect(svg).toContain('SciFact &amp; co');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).not.toContain('<script>');
    expect(svg).not.toMatch(/NaN|Infinity/);
    const html = renderFrontierHtml(
      points.map((point) => ({ ...point, details: { pairs: '12' } })),
      { title: 't', svg },
    );
    expect(html.match(/class="front"/g)).toHaveLength(4);
    expect(html).toContain('<th>pairs</th>');
  });

  it('survives a single point and equal qualities', () => {
    const svg = renderFrontierSvg([{ label: 'only', latencyMs: 3, quality: 0.5 }], { title: 'x' });
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
