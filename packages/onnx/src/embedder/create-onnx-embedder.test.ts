import { readFileSync } from 'node:fs';
import { InvalidArgumentError, ModelLoadError } from '@sieve/core';
import { describeEmbedderConformance } from '@sieve/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxEmbedder, type OnnxEmbedder } from './create-onnx-embedder.js';

const folder = new URL('../__fixtures__/tiny-bert-bi-encoder/', import.meta.url).pathname;
const golden = JSON.parse(readFileSync(`${folder}golden.json`, 'utf8')) as {
  texts: string[];
  embeddings: number[][];
};

describe.each(['same-thread', 'worker'] as const)('ONNX bi-encoder (%s)', (execution) => {
  let embedder: OnnxEmbedder;
  beforeAll(async () => {
    embedder = await createOnnxEmbedder({
      model: folder,
      execution,
      workers: 2,
      intraOpThreads: 1,
      tokenCache: false,
    });
  });
  afterAll(() => embedder?.dispose());

  it('reads pooling, normalization and length from the sentence-transformers files', () => {
    expect(embedder).toMatchObject({
      pooling: 'mean',
      normalize: true,
      maxLength: 32,
      dimensions: 16,
      provider: 'cpu',
    });
  });

  it('matches the PyTorch mean-pooled, normalized embeddings within 1e-5, in input order', async () => {
    const { embeddings } = await embedder.doEmbed({ texts: golden.texts });
    expect(embeddings).toHaveLength(golden.texts.length);
    embeddings.forEach((vector, index) => {
      expect(vector).toHaveLength(16);
      vector.forEach((value, unit) => {
        expect(Math.abs(value - golden.embeddings[index]![unit]!)).toBeLessThan(1e-5);
      });
    });
  });

  it('honours abortSignal like the cross-encoder: an aborted call rejects with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(
      embedder.doEmbed({ texts: golden.texts, abortSignal: controller.signal }),
    ).rejects.toThrow('caller gave up');
  });

  it('rejects empty and non-string input', async () => {
    await expect(embedder.doEmbed({ texts: [] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
    await expect(embedder.doEmbed({ texts: ['ok', 3 as never] })).rejects.toSatisfy(
      InvalidArgumentError.isInstance,
    );
  });
});

describe('ONNX bi-encoder loading', () => {
  it('refuses a cross-encoder graph (no token embeddings output)', async () => {
    const cross = new URL('../__fixtures__/tiny-bert-cross-encoder/', import.meta.url).pathname;
    const error = await createOnnxEmbedder({ model: cross, execution: 'same-thread' }).catch(
      (caught: unknown) => caught,
    );
    expect(ModelLoadError.isInstance(error)).toBe(true);
  });
});

describeEmbedderConformance('createOnnxEmbedder (tiny fixture, workers)', {
  create: () => createOnnxEmbedder({ model: folder, workers: 2, intraOpThreads: 1 }),
});
