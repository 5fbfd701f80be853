import { escapeXml } from './escape-xml.js';
import { svgDocument } from './svg-document.js';

/** One bar. */
export interface Bar {
  label: string;
  value: number;
  /** Drawn in the accent colour (for example Sieve's own rows). */
  highlight?: boolean;
  /** Text after the value, such as `2.9x`. */
  annotation?: string;
}

/**
 * A horizontal bar chart as a standalone SVG, one bar per row in the given order, values labelled.
 */
export function renderBarChartSvg(
  bars: readonly Bar[],
  options: { title: string; unit: string; note?: string },
): string {
  const rowHeight = 22;
  const labelWidth = 200;
  const width = 760;
  const top = 44;
  // Room on the right for the longest value label and its annotation.
  const plotWidth = width - labelWidth - 250;
  const height = top + bars.length * rowHeight + (options.note ? 44 : 24);
  const largest = Math.max(...bars.map((bar) => bar.value), Number.MIN_VALUE);
  const parts: string[] = [];
  bars.forEach((bar, index) => {
    const y = top + index * rowHeight;
    const length = Math.max(0, Math.round((bar.value / largest) * plotWidth * 10) / 10);
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${length}" height="${rowHeight - 6}" fill="${bar.highlight ? '#d9480f' : '#adb5bd'}"/>`,
      `<text x="${labelWidth + length + 6}" y="${y + 15}">${escapeXml(`${bar.value.toFixed(1)} ${options.unit}${bar.annotation ? `  ${bar.annotation}` : ''}`)}</text>`,
    );
  });
  if (options.note) {
    parts.push(
      `<text x="${labelWidth}" y="${height - 14}" font-size="11" fill="#495057">${escapeXml(options.note)}</text>`,
    );
  }
  return svgDocument({ width, height, title: options.title }, parts);
}
