import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixtureModels, testContext } from '../support/test-context.js';
import {
  findPeerPython,
  findPythonPeers,
  peerName,
  pythonPeerInput,
  runPythonPeer,
} from './python-peer.js';
import { benchRerank } from './rerank.js';
import { rerankStrategies } from './rerank-strategies.js';

/**
 * A stand-in Python (a shell script, so no interpreter starts): the probe (`-c SCRIPT
 * BACKEND...`) logs how many backends it was asked about and answers each with `onnx`; anything
 * else is the peer, which saves its stdin job and prints a one-pair measurement.
 */
function fakePython(onnx: string): { python: string; folder: string; probes: () => string[] } {
  const folder = mkdtempSync(join(tmpdir(), 'sieve-fake-python-'));
  const python = join(folder, 'python3');
  writeFileSync(
    python,
    [
      '#!/bin/sh',
      `folder='${folder}'`,
      'if [ "$1" = "-c" ]; then',
      '  shift 2',
      '  echo "$#" >> "$folder/probes"',
      `  for backend in "$@"; do echo "$backend ${onnx}"; done`,
      '  exit 0',
      'fi',
      'while IFS= read -r line || [ -n "$line" ]; do printf "%s" "$line" >> "$folder/job.json"; done',
      `echo '{"repeatSeconds":[0.5],"seconds":0.5,"pairs":1,"tokenCounts":[],"cpuAveragePercent":100,"cpuPeakPercent":100,"coresBusy":1,"peakRssBytes":1,"loopLagP99Ms":null,"loopLagMaxMs":null,"scores":[0.25]}'`,
    ].join('\n'),
  );
  chmodSync(python, 0o755);
  const probes = () => {
    try {
      return readFileSync(join(folder, 'probes'), 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  };
  return { python, folder, probes };
}

const root = () => mkdtempSync(join(tmpdir(), 'sieve-no-venv-'));
const strategies = rerankStrategies(4);
const strategy = (id: string) => strategies.find((item) => item.id === id)!;

describe('the sentence-transformers peers', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('adds ONNX fp32 and int8 peers beside the PyTorch one, each its own peer', () => {
    expect(strategy('sentence-transformers-onnx-fp32')).toMatchObject({
      label: 'sentence-transformers CrossEncoder (ONNX fp32), batch 32',
      runtime: 'sentence-transformers',
      backend: 'onnx',
      dtype: 'fp32',
      batchSize: 32,
      threads: 4,
    });
    expect(strategy('sentence-transformers-onnx-int8')).toMatchObject({
      backend: 'onnx',
      dtype: 'int8',
    });
    expect(strategy('sentence-transformers')).toMatchObject({ backend: 'torch', dtype: 'fp32' });
    expect(peerName(strategy('sentence-transformers'))).toBe('sentence-transformers');
    expect(peerName(strategy('sentence-transformers-onnx-int8'))).toBe(
      'sentence-transformers (ONNX)',
    );
    expect(peerName(strategy('sieve-int8'))).toBe('sieve');
  });

  it("sends the backend and Sieve's ONNX file of the dtype in the job", async () => {
    const job = { python: 'py', workloadFile: 'w.json', modelFolder: 'm', batchSize: 32 };
    expect(pythonPeerInput({ ...job, threads: 2, repeats: 3 })).toEqual({
      workload: 'w.json',
      model: 'm',
      batch_size: 32,
      threads: 2,
      repeats: 3,
      backend: 'torch',
      file_name: null,
    });
    expect(
      pythonPeerInput({ ...job, threads: 2, repeats: 1, backend: 'onnx', dtype: 'fp32' }),
    ).toMatchObject({ backend: 'onnx', file_name: 'onnx/model.onnx' });
    const fake = fakePython('ok');
    const measurement = await runPythonPeer({
      ...job,
      python: fake.python,
      threads: 2,
      repeats: 1,
      backend: 'onnx',
      dtype: 'int8',
    });
    expect(measurement.scores).toEqual([0.25]);
    expect(JSON.parse(readFileSync(join(fake.folder, 'job.json'), 'utf8'))).toMatchObject({
      backend: 'onnx',
      file_name: 'onnx/model_quantized.onnx',
      threads: 2,
    });
  });

  it('probes optimum only for the ONNX backend, both backends in one probe', () => {
    const environment = { PATH: mkdtempSync(join(tmpdir(), 'sieve-empty-path-')) };
    const torchOnly = fakePython('ok');
    expect(findPeerPython(root(), torchOnly.python, ['torch'], environment)).toEqual({
      torch: { python: torchOnly.python },
    });
    // No backend named after the script: optimum is never imported.
    expect(torchOnly.probes()).toEqual(['0']);
    const both = fakePython('ok');
    expect(findPeerPython(root(), both.python, ['torch', 'onnx'], environment)).toEqual({
      torch: { python: both.python },
      onnx: { python: both.python },
    });
    expect(both.probes()).toEqual(['1']);
  });

  it('skips the ONNX peer with the reason and the fix when optimum is missing', () => {
    const fake = fakePython("No module named 'optimum'");
    // python3 on the PATH is the same stand-in: both candidates lack optimum.
    const found = findPeerPython(root(), fake.python, ['torch', 'onnx'], { PATH: fake.folder });
    expect(found.torch).toEqual({ python: fake.python });
    expect((found.onnx as { reason: string }).reason).toBe(
      `the ONNX backend of sentence-transformers needs optimum[onnxruntime] and ${fake.python} lacks it (No module named 'optimum'): install tools/requirements.txt into it (pip install -r tools/requirements.txt; npm run models does it for tools/.venv) or pass --python`,
    );
    // Torch found on the first candidate; only the ONNX backend was asked of the second.
    expect(fake.probes()).toEqual(['1', '1']);
    const none = findPeerPython(root(), undefined, ['onnx'], { PATH: root() });
    expect((none.onnx as { reason: string }).reason).toMatch(
      /^no Python with sentence-transformers, torch and optimum\[onnxruntime\] among .*tools\/\.venv\/bin\/python, python3: run npm run models/,
    );
  });

  it('does not probe for the PyTorch peer without model.safetensors', () => {
    const context = testContext();
    fixtureModels(context.modelsDir, { tiny: 'tiny-bert-no-token-types' });
    const fake = fakePython('ok');
    const peers = findPythonPeers(
      [strategy('sentence-transformers'), strategy('sentence-transformers-onnx-fp32')],
      root(),
      join(context.modelsDir, 'tiny'),
      fake.python,
      { PATH: fake.folder },
    );
    expect(peers.get('sentence-transformers')).toEqual({
      reason: expect.stringMatching(/model\.safetensors.*npm run models/),
    });
    expect(peers.get('sentence-transformers (ONNX)')).toEqual({ python: fake.python });
    expect(fake.probes()).toEqual(['1']);
    expect(findPythonPeers([strategy('sieve-fp32')], root(), 'absent', fake.python).size).toBe(0);
  });

  it('turns a missing optimum into skipped rows of sieve bench rerank, not failures', async () => {
    const context = testContext();
    fixtureModels(context.modelsDir, { tiny: 'tiny-bert-no-token-types' });
    const fake = fakePython("No module named 'optimum'");
    vi.stubEnv('SIEVE_PYTHON', '');
    vi.stubEnv('PATH', `${fake.folder}:${process.env.PATH}`);
    const result = await benchRerank(context, {
      workloads: ['study'],
      workloadData: {
        study: [{ query: 'aspirin', documents: [{ id: 'd', text: 'aspirin thins blood' }] }],
      },
      strategies: ['sentence-transformers-onnx-fp32', 'sentence-transformers-onnx-int8'],
      repeats: 1,
      model: 'tiny',
      python: fake.python,
      isolate: false,
    });
    expect(result.rows.map((row) => [row.strategy.id, row.status])).toEqual([
      ['sentence-transformers-onnx-fp32', 'skipped'],
      ['sentence-transformers-onnx-int8', 'skipped'],
    ]);
    expect(result.rows[0]!.reason).toMatch(/needs optimum\[onnxruntime\].*pip install -r/);
    expect(context.warnings.join('\n')).toMatch(
      /skipping sentence-transformers \(ONNX\): the ONNX backend/,
    );
  });
});
