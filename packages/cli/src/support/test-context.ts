import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliContext } from './cli-context.js';
import { createProgress } from './progress.js';

/** The tiny generated models of @sieve/onnx's tests. */
export const onnxFixtures = fileURLToPath(
  new URL('../../../onnx/src/__fixtures__/', import.meta.url),
);
/** A 12-document BEIR dataset with three judged queries. */
export const beirMini = fileURLToPath(new URL('../__fixtures__/beir-mini/', import.meta.url));

/** A context writing into a fresh temporary folder, collecting what it prints. */
export function testContext(overrides: Partial<CliContext> = {}): CliContext & {
  lines: string[];
  warnings: string[];
} {
  const scratch = mkdtempSync(join(tmpdir(), 'sieve-cli-test-'));
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    root: scratch,
    json: false,
    print: (line = '') => lines.push(line),
    warn: (line) => warnings.push(line),
    resultsDir: join(scratch, 'results'),
    modelsDir: join(scratch, 'models'),
    modelsGiven: true,
    datasetDir: beirMini,
    progress: (label, total) =>
      createProgress({ label, total, stream: { write: () => true }, enabled: false }),
    lines,
    warnings,
    ...overrides,
  };
}

/**
 * A models folder laid out like `.cache/models`, its entries linked to the tiny fixtures:
 * `{ 'ms-marco-MiniLM-L-6-v2': 'tiny-bert-cross-encoder' }`.
 */
export function fixtureModels(folder: string, links: Record<string, string>): string {
  mkdirSync(folder, { recursive: true });
  for (const [name, fixture] of Object.entries(links)) {
    symlinkSync(join(onnxFixtures, fixture), join(folder, name), 'dir');
  }
  return folder;
}

/** The result file a command said it saved (its `saved <path>` line), for tests that read it back. */
export function savedResultPath(context: { lines: readonly string[] }): string {
  const line = context.lines.find((item) => item.startsWith('saved '));
  if (!line) throw new Error('the command printed no "saved <path>" line');
  return line.slice('saved '.length);
}
