import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dtypeFiles } from '@sieve/onnx';
import type { RerankStrategy } from '../results/rerank-strategy.js';
import type { StrategyMeasurement } from '../results/strategy-measurement.js';
import { childExitError } from './child-exit-error.js';

/** The peer script, shipped with the package. */
const peerScript = fileURLToPath(new URL('../../python/cross_encoder_peer.py', import.meta.url));
const peerScriptFromDist = fileURLToPath(
  new URL('../python/cross_encoder_peer.py', import.meta.url),
);

/** The `CrossEncoder` backend the peer runs: PyTorch, or ONNX Runtime through optimum. */
export type PeerBackend = NonNullable<RerankStrategy['backend']>;

/** A Python for a peer, or why there is none. */
export type PeerPython = { python: string } | { reason: string };

/**
 * The probe: `sentence_transformers, torch` always (the CrossEncoder imports torch on every
 * backend); then, for each backend named after it, that backend's own imports, one line each
 * (`onnx ok`, or `onnx <the ImportError>`). Torch-only runs name none, so never import optimum.
 */
const probeScript = [
  'import sys',
  'import sentence_transformers, torch',
  'for backend in sys.argv[1:]:',
  '    try:',
  '        if backend == "onnx":',
  '            import onnxruntime, optimum.onnxruntime',
  '        print(backend, "ok")',
  '    except ImportError as error:',
  '        print(backend, error)',
].join('\n');

/**
 * The Python to run each sentence-transformers backend with: the first of `--python`,
 * `$SIEVE_PYTHON`, the project's `tools/.venv`, then `python3` that has sentence-transformers and
 * torch (and, for `onnx`, optimum[onnxruntime]); the reason with the fix for a backend none has.
 * One probe per candidate covers every backend asked for; probing stops once each has a Python.
 */
export function findPeerPython(
  root: string,
  explicit: string | undefined,
  backends: readonly PeerBackend[] = ['torch'],
  environment: NodeJS.ProcessEnv = process.env,
): Partial<Record<PeerBackend, PeerPython>> {
  const candidates = [
    explicit,
    environment.SIEVE_PYTHON,
    resolve(root, 'tools/.venv/bin/python'),
    'python3',
  ].filter((value): value is string => Boolean(value));
  const found: Partial<Record<PeerBackend, { python: string }>> = {};
  // The first Python with sentence-transformers that lacked a backend's imports, and the error.
  const lacking = new Map<PeerBackend, string>();
  for (const python of candidates) {
    const wanted = backends.filter((backend) => !found[backend]);
    if (wanted.length === 0) break;
    if (python.includes('/') && !existsSync(python)) continue;
    const extras: PeerBackend[] = wanted.filter((backend) => backend !== 'torch');
    const probe = spawnSync(python, ['-c', probeScript, ...extras], {
      encoding: 'utf8',
      timeout: 60_000,
      env: environment,
    });
    if (probe.status !== 0) continue;
    if (wanted.includes('torch')) found.torch = { python };
    for (const line of probe.stdout.split('\n')) {
      const [backend, ...words] = line.trim().split(' ');
      if (!extras.includes(backend as PeerBackend)) continue;
      const message = words.join(' ');
      if (message === 'ok') found[backend as PeerBackend] = { python };
      else if (!lacking.has(backend as PeerBackend)) {
        lacking.set(backend as PeerBackend, `${python} lacks it (${message})`);
      }
    }
  }
  const result: Partial<Record<PeerBackend, PeerPython>> = {};
  for (const backend of backends) {
    const lacked = lacking.get(backend);
    result[backend] =
      found[backend] ??
      (lacked
        ? {
            reason: `the ONNX backend of sentence-transformers needs optimum[onnxruntime] and ${lacked}: install tools/requirements.txt into it (pip install -r tools/requirements.txt; npm run models does it for tools/.venv) or pass --python`,
          }
        : {
            reason: `no Python with ${backend === 'onnx' ? 'sentence-transformers, torch and optimum[onnxruntime]' : 'sentence-transformers and torch'} among ${candidates.join(', ')}: run npm run models (creates tools/.venv from tools/requirements.txt) or pass --python`,
          });
  }
  return result;
}

/**
 * The peer a strategy needs, `sentence-transformers` (PyTorch) or `sentence-transformers (ONNX)`:
 * each is found, and skipped with its reason, on its own.
 */
export function peerName(strategy: RerankStrategy): string {
  return strategy.runtime === 'sentence-transformers' && strategy.backend === 'onnx'
    ? 'sentence-transformers (ONNX)'
    : strategy.runtime;
}

/**
 * The Python of each sentence-transformers peer that `strategies` need, by {@link peerName}, or
 * why it is skipped. The PyTorch peer needs `model.safetensors` (checked before any probe, as each
 * imports torch); the ONNX peer runs the folder's own ONNX files.
 */
export function findPythonPeers(
  strategies: readonly RerankStrategy[],
  root: string,
  modelFolder: string,
  explicit: string | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): Map<string, PeerPython> {
  const peers = new Map<string, PeerPython>();
  const needed = new Set(
    strategies
      .filter((item) => item.runtime === 'sentence-transformers')
      .map((item): PeerBackend => item.backend ?? 'torch'),
  );
  if (needed.has('torch') && !existsSync(join(modelFolder, 'model.safetensors'))) {
    needed.delete('torch');
    peers.set('sentence-transformers', {
      reason: `no PyTorch weights (model.safetensors) in ${modelFolder}: regenerate with npm run models`,
    });
  }
  if (needed.size === 0) return peers;
  const found = findPeerPython(root, explicit, [...needed], environment);
  for (const backend of needed) {
    peers.set(
      backend === 'onnx' ? 'sentence-transformers (ONNX)' : 'sentence-transformers',
      found[backend]!,
    );
  }
  return peers;
}

/** One run of the peer. */
export interface PythonPeerJob {
  python: string;
  workloadFile: string;
  modelFolder: string;
  batchSize: number;
  threads: number;
  repeats: number;
  /** @default 'torch' */
  backend?: PeerBackend;
  /** The ONNX file the `onnx` backend loads (Sieve's file of that dtype). @default 'fp32' */
  dtype?: RerankStrategy['dtype'];
}

/** The JSON job the peer script reads on stdin. */
export function pythonPeerInput(job: PythonPeerJob): Record<string, unknown> {
  const backend = job.backend ?? 'torch';
  return {
    workload: job.workloadFile,
    model: job.modelFolder,
    batch_size: job.batchSize,
    threads: job.threads,
    repeats: job.repeats,
    backend,
    // Relative to the model folder, as CrossEncoder's model_kwargs take it.
    file_name: backend === 'onnx' ? `onnx/${dtypeFiles[job.dtype ?? 'fp32']}` : null,
  };
}

/** Runs the sentence-transformers CrossEncoder peer as a subprocess. */
export async function runPythonPeer(job: PythonPeerJob): Promise<StrategyMeasurement> {
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
  child.stdin.end(JSON.stringify(pythonPeerInput(job)));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  if (code !== 0) throw childExitError('the Python peer', code, stderr);
  return JSON.parse(stdout) as StrategyMeasurement;
}
