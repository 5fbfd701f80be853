import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ModelLoadError } from '@sieve/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createExecutor } from './create-executor.js';
import { deviceExecutionProviders, planExecutionProviders } from './onnx-runtime.js';

const model = new URL('../__fixtures__/tiny-bert-cross-encoder/onnx/model.onnx', import.meta.url)
  .pathname;
const cudaProvider = join(
  dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
  '..',
  'bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so',
);
const session = {
  graphOptimizationLevel: 'all',
  enableCpuMemArena: true,
  allowSpinning: false,
} as const;

describe('execution provider plan', () => {
  it('maps cpu to the CPU provider alone', () => {
    expect(planExecutionProviders('cpu')).toEqual({ candidates: [['cpu']] });
  });

  it('tries an injected runtime as the table says (its files cannot be seen)', () => {
    expect(planExecutionProviders('auto', { injected: true })).toEqual({
      candidates: deviceExecutionProviders.auto,
    });
  });
});

describe.skipIf(existsSync(cudaProvider))('without the CUDA provider installed', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("'auto' goes straight to CPU, and 'cuda' gets no candidate, each with the reason", () => {
    const auto = planExecutionProviders('auto');
    expect(auto.candidates).toEqual([['cpu']]);
    expect(auto.skipped).toMatch(/CUDA provider of onnxruntime-node is not installed/);
    const cuda = planExecutionProviders('cuda');
    expect(cuda.candidates).toEqual([]);
    expect(cuda.skipped).toBe(auto.skipped);
  });

  it("'auto' says once per process, in Sieve's words, that it runs on CPU", async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    for (let run = 0; run < 2; run++) {
      const executor = await createExecutor({
        modelId: 'tiny',
        modelPath: model,
        session: { ...session, device: 'auto' },
        task: { kind: 'classify' },
        execution: 'same-thread',
      });
      expect(executor.info.provider).toBe('cpu');
      await executor.release();
    }
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(String(warnings.mock.calls[0]![0])).toMatch(
      /^\[onnx\] device 'auto' runs on CPU: .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
  });

  it("'cuda' fails before ONNX Runtime is asked, with the install command", async () => {
    const error = await createExecutor({
      modelId: 'tiny',
      modelPath: model,
      session: { ...session, device: 'cuda' },
      task: { kind: 'classify' },
      execution: 'same-thread',
    }).catch((caught: unknown) => caught);
    expect(ModelLoadError.isInstance(error)).toBe(true);
    expect((error as ModelLoadError).message).toMatch(
      /device 'cuda' cannot run here: .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
  });
});
