import { escapeXml } from './escape-xml.js';

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
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(options.title)}</text>`,
  ];
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
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
