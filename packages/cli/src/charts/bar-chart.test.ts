import { describe, expect, it } from 'vitest';
import { renderBarChartSvg } from './bar-chart.js';

describe('renderBarChartSvg', () => {
  it('draws one bar per row, scaled to the largest, with escaped labels', () => {
    const svg = renderBarChartSvg(
      [
        { label: 'row-wise', value: 10 },
        { label: 'sieve <int8>', value: 30, highlight: true, annotation: '3.0x' },
        { label: 'zero', value: 0 },
      ],
      { title: 'pairs/s', unit: 'pairs/s', note: 'median of 3' },
    );
    const widths = [...svg.matchAll(/<rect x="200" y="[\d.]+" width="([\d.]+)"/g)].map((match) =>
      Number(match[1]),
    );
    expect(widths).toEqual([103.3, 310, 0]);
    expect(svg).toContain('sieve &lt;int8&gt;');
    expect(svg).toContain('30.0 pairs/s  3.0x');
    expect(svg).toContain('fill="#d9480f"');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
