import { InvalidConfigError } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import { createOnnxEmbedder } from '../embedder/create-onnx-embedder.js';

const folder = new URL('../__fixtures__/tiny-bert-bi-encoder/', import.meta.url).pathname;

async function configError(settings: Record<string, unknown>): Promise<InvalidConfigError> {
  const error = await createOnnxEmbedder({ model: folder, ...settings } as never).catch(
    (caught: unknown) => caught,
  );
  expect(InvalidConfigError.isInstance(error)).toBe(true);
  return error as InvalidConfigError;
}

describe('model settings', () => {
  it('rejects an unknown key (a typo, or the old batchSize) instead of ignoring it', async () => {
    const error = await configError({ batchSize: 8 });
    expect(error.message).toContain('batchSize');
  });

  it('rejects an injected onnxRuntime with worker execution, which could not use it', async () => {
    const ort = await import('onnxruntime-node');
    const error = await configError({ onnxRuntime: ort, execution: 'worker' });
    expect(error.issues.map((issue) => issue.path)).toEqual(['onnxRuntime']);
    const embedder = await createOnnxEmbedder({
      model: folder,
      onnxRuntime: ort,
      execution: 'same-thread',
    });
    expect(embedder.dimensions).toBe(16);
    await embedder.dispose();
  });
});
