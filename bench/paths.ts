import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const sharedDir = fileURLToPath(new URL('../../shared/', import.meta.url));
export const scifactDir = `${sharedDir}datasets/scifact`;
export const benchModelsDir = `${repoRoot}.cache/models`;
export const resultsDir = `${repoRoot}bench/results`;

/** Explains what is missing and how to get it; returns false when something is. */
export function requirePaths(paths: Record<string, string>): boolean {
  let ok = true;
  for (const [what, path] of Object.entries(paths)) {
    if (!existsSync(path)) {
      ok = false;
      console.error(`[bench] missing ${what}: ${path}`);
    }
  }
  if (!ok) {
    console.error(
      '[bench] SciFact lives in ../shared; benchmark models come from: python tools/export_models.py bench (see tools/README.md)',
    );
  }
  return ok;
}
