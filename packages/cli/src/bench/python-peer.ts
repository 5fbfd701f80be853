import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StrategyMeasurement } from '../results/strategy-measurement.js';
import { childExitError } from './child-exit-error.js';

/** The peer script, shipped with the package. */
const peerScript = fileURLToPath(new URL('../../python/cross_encoder_peer.py', import.meta.url));
const peerScriptFromDist = fileURLToPath(
  new URL('../python/cross_encoder_peer.py', import.meta.url),
);

/**
 * The Python to run the sentence-transformers peer with: `--python`, `$SIEVE_PYTHON`, the
 * project's `tools/.venv`, then `python3`; undefined (with the reason) when none has
 * sentence-transformers.
 */
export function findPeerPython(
  root: string,
  explicit: string | undefined,
  environment = process.env,
): { python: string } | { reason: string } {
  const candidates = [
    explicit,
    environment.SIEVE_PYTHON,
    resolve(root, 'tools/.venv/bin/python'),
    'python3',
  ].filter((value): value is string => Boolean(value));
  for (const python of candidates) {
    if (python.includes('/') && !existsSync(python)) continue;
    const probe = spawnSync(python, ['-c', 'import sentence_transformers, torch'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (probe.status === 0) return { python };
  }
  return {
    reason: `no Python with sentence-transformers and torch among ${candidates.join(', ')}: run npm run models (creates tools/.venv from tools/requirements.txt) or pass --python`,
  };
}

/** Runs the sentence-transformers CrossEncoder peer as a subprocess. */
export async function runPythonPeer(job: {
  python: string;
  workloadFile: string;
  modelFolder: string;
  batchSize: number;
  threads: number;
  repeats: number;
}): Promise<StrategyMeasurement> {
  const script = existsSync(peerScript) ? peerScript : peerScriptFromDist;
  const child = spawn(job.python, [script], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: String(job.threads), TOKENIZERS_PARALLELISM: 'false' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(
    JSON.stringify({
      workload: job.workloadFile,
      model: job.modelFolder,
      batch_size: job.batchSize,
      threads: job.threads,
      repeats: job.repeats,
    }),
  );
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  if (code !== 0) throw childExitError('the Python peer', code, stderr);
  return JSON.parse(stdout) as StrategyMeasurement;
}
