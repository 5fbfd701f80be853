import { mkdirSync, writeFileSync } from 'node:fs';
import { resultsDir } from './paths.js';

/** The value after `--name` on the command line, or `fallback`. */
export function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

/** A numeric `--name` option. */
export function numberOption(name: string, fallback: number): number {
  return Number(option(name, String(fallback)));
}

/** Saves a result as `bench/results/<name>-<timestamp>.json` and says where. */
export function saveResult(name: string, result: unknown): void {
  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`[bench] saved ${file}`);
}
