import { escapeXml } from './escape-xml.js';

/**
 * A standalone SVG, the frame every chart shares: a white background, the title centred on top
 * (and as the accessible name), then `body`, one element a line.
 */
export function svgDocument(
  frame: { width: number; height: number; title: string },
  body: readonly string[],
): string {
  const { width, height, title } = frame;
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
  ];
  return `${lines.join('\n')}\n`;
}
