import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether a model folder holds one of the architecture-exact, random-weight exports of
 * `npm run models` (tools/export_models.py leaves `SIEVE_GENERATED.txt` in it): speeds measured
 * on it are real, scores and rankings are not.
 */
export function isGeneratedModel(folder: string): boolean {
  return existsSync(join(folder, 'SIEVE_GENERATED.txt'));
}
