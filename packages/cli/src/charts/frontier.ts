import { escapeXml } from './escape-xml.js';
import { svgDocument } from './svg-document.js';

/** A point on the quality-vs-latency plane. */
export interface FrontierPoint {
  label: string;
  /** Cost: per-query latency in milliseconds (lower is better). */
  latencyMs: number;
  /** Quality: nDCG@10 (higher is better). */
  quality: number;
}

/**
 * The Pareto frontier: points that no other point beats on both latency and quality, ordered by
 * latency. A point is dominated when another is at least as fast and at least as good, and
 * strictly better on one of the two.
 */
export function paretoFrontier<T extends FrontierPoint>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.latencyMs - b.latencyMs || b.quality - a.quality);
  const frontier: T[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (const point of sorted) {
    if (point.quality > best) {
      frontier.push(point);
      best = point.quality;
    }
  }
  return frontier;
}

/**
 * Renders the points and their frontier as a standalone SVG: latency on a log axis, quality on a
 * linear one, frontier points joined and labelled.
 */
export function renderFrontierSvg(
  points: readonly FrontierPoint[],
  options: { title: string; qualityLabel?: string; latencyLabel?: string; note?: string },
): string {
  // Points are numbered on the plot and named in a legend below it: shape names are long.
  const legendColumns = 2;
  const legendRows = Math.ceil(points.length / legendColumns);
  const width = 860;
  const margin = {
    left: 70,
    right: 60,
    top: 50,
    bottom: 70 + legendRows * 16 + (options.note ? 8 : 0),
  };
  const height = 50 + 340 + margin.bottom;
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = 340;
  const latencies = points.map((point) => Math.max(point.latencyMs, 0.01));
  const qualities = points.map((point) => point.quality);
  const low = Math.log10(Math.min(...latencies, 1));
  const high = Math.log10(Math.max(...latencies, 10));
  const xMin = Math.floor(low);
  const xMax = Math.max(Math.ceil(high), xMin + 1);
  const spread = Math.max(...qualities, 0) - Math.min(...qualities, 0);
  const pad = Math.max(spread * 0.1, 0.01);
  const yMin = Math.max(0, Math.min(...qualities) - pad);
  const yMax = Math.min(1, Math.max(...qualities) + pad);
  // Coordinates rounded to 0.1 px: the SVG stays small and diffable.
  const round = (value: number): number => Math.round(value * 10) / 10;
  const x = (latency: number): number =>
    round(margin.left + ((Math.log10(Math.max(latency, 0.01)) - xMin) / (xMax - xMin)) * plotWidth);
  const y = (quality: number): number =>
    round(margin.top + (1 - (quality - yMin) / (yMax - yMin || 1)) * plotHeight);
  const frontier = paretoFrontier(points);
  const onFrontier = new Set(frontier);
  const parts: string[] = [];
  for (let decade = xMin; decade <= xMax; decade++) {
    const position = x(10 ** decade);
    parts.push(
      `<line x1="${position}" y1="${margin.top}" x2="${position}" y2="${margin.top + plotHeight}" stroke="#e5e5e5"/>`,
      `<text x="${position}" y="${margin.top + plotHeight + 18}" text-anchor="middle">${10 ** decade >= 1 ? 10 ** decade : (10 ** decade).toFixed(-decade)} ms</text>`,
    );
  }
  for (let tick = 0; tick <= 5; tick++) {
    const quality = yMin + ((yMax - yMin) * tick) / 5;
    const position = y(quality);
    parts.push(
      `<line x1="${margin.left}" y1="${position}" x2="${margin.left + plotWidth}" y2="${position}" stroke="#e5e5e5"/>`,
      `<text x="${margin.left - 8}" y="${position + 4}" text-anchor="end">${quality.toFixed(3)}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#888"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="${margin.top + plotHeight + 38}" text-anchor="middle">${escapeXml(options.latencyLabel ?? 'latency per query, p50')} (log scale)</text>`,
    `<text transform="translate(18 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.qualityLabel ?? 'nDCG@10')}</text>`,
  );
  if (frontier.length > 1) {
    parts.push(
      `<polyline fill="none" stroke="#d9480f" stroke-width="2" points="${frontier
        .map((point) => `${x(point.latencyMs)},${y(point.quality)}`)
        .join(' ')}"/>`,
    );
  }
  const legendTop = margin.top + plotHeight + 60;
  const columnWidth = (width - margin.left - 20) / legendColumns;
  points.forEach((point, index) => {
    const front = onFrontier.has(point);
    const colour = front ? '#d9480f' : '#495057';
    parts.push(
      `<circle cx="${x(point.latencyMs)}" cy="${y(point.quality)}" r="${front ? 5 : 4}" fill="${front ? '#d9480f' : '#868e96'}"><title>${escapeXml(`${point.label}: ${point.latencyMs.toFixed(1)} ms, ${point.quality.toFixed(4)}`)}</title></circle>`,
      `<text x="${x(point.latencyMs) + 6}" y="${y(point.quality) - 6}" font-size="10" fill="${colour}">${index + 1}</text>`,
      `<text x="${margin.left + Math.floor(index / legendRows) * columnWidth}" y="${legendTop + (index % legendRows) * 16}" font-size="11" fill="${colour}">${escapeXml(`${index + 1}. ${point.label}${front ? ' (frontier)' : ''}`)}</text>`,
    );
  });
  if (options.note) {
    parts.push(
      `<text x="${margin.left}" y="${height - 10}" font-size="11" fill="#c92a2a">${escapeXml(options.note)}</text>`,
    );
  }
  return svgDocument({ width, height, title: options.title }, parts);
}

/** An HTML page with the chart and a table of every point, frontier points marked. */
export function renderFrontierHtml(
  points: ReadonlyArray<FrontierPoint & { details?: Record<string, string> }>,
  options: { title: string; note?: string; svg: string },
): string {
  const frontier = new Set(paretoFrontier(points));
  const detailKeys = [...new Set(points.flatMap((point) => Object.keys(point.details ?? {})))];
  const rows = points
    .map(
      (point) =>
        `<tr${frontier.has(point) ? ' class="front"' : ''}><td>${escapeXml(point.label)}</td><td>${point.latencyMs.toFixed(1)}</td><td>${point.quality.toFixed(4)}</td>${detailKeys.map((key) => `<td>${escapeXml(point.details?.[key] ?? '')}</td>`).join('')}<td>${frontier.has(point) ? 'yes' : ''}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(options.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#212529}table{border-collapse:collapse;margin-top:1rem}td,th{border:1px solid #dee2e6;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}tr.front{background:#fff4e6}.note{color:#c92a2a}</style>
</head><body>
<h1>${escapeXml(options.title)}</h1>
${options.note ? `<p class="note">${escapeXml(options.note)}</p>` : ''}
${options.svg}
<table><thead><tr><th>shape</th><th>p50 ms</th><th>nDCG@10</th>${detailKeys.map((key) => `<th>${escapeXml(key)}</th>`).join('')}<th>frontier</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
