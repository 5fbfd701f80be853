import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StageError } from '@sieve/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelPipeline, type ModelPipeline } from '../pipeline/create-model-pipeline.js';
import { modelSettingsSchema } from '../pipeline/model-settings.js';

// The cross-encoder of @sieve/rerank is this pipeline with a `classify` task; the faults live in
// the pool under it, so the test drives the pipeline directly (the onnx package does not depend
// on rerank). A failed batch surfaces as the pipeline's StageError, as it does from doScore.
const fixture = fileURLToPath(new URL('../__fixtures__/tiny-bert-cross-encoder/', import.meta.url));
const query = 'what lowers the risk of stroke';
const texts = [
  'Aspirin lowers the risk of stroke.',
  'Paris is the capital of France.',
  'Statins reduce cholesterol.',
  'The cat sat on the mat.',
  'Exercise improves heart health.',
  'Stroke risk rises with blood pressure.',
  'Rain is forecast for tomorrow.',
  'Coffee contains caffeine.',
];

const pipelines: ModelPipeline[] = [];
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.dispose()));
});

/**
 * Starts a cross-encoder pipeline whose workers exit (code 70) on their `exitOnBatch`th batch.
 * The variable is read when a worker starts and cleared at once, so replacements run clean.
 */
async function crashingCrossEncoder(
  workers: number,
  exitOnBatch: number,
  model = fixture,
): Promise<ModelPipeline> {
  process.env.SIEVE_FAULT_INJECT = `worker-exit:${exitOnBatch}`;
  try {
    const pipeline = await createModelPipeline(
      modelSettingsSchema.parse({
        model,
        dtype: 'fp32',
        workers,
        intraOpThreads: 1,
        maxBatchSize: 1,
        tokenCache: false,
      }),
      {
        component: 'rerank',
        stageId: 'tiny',
        task: { kind: 'classify' },
        defaultMaxLength: () => 64,
      },
    );
    pipelines.push(pipeline);
    return pipeline;
  } finally {
    delete process.env.SIEVE_FAULT_INJECT;
  }
}

/** Scores `count` pairs (one ONNX batch each: maxBatchSize 1). */
async function score(pipeline: ModelPipeline, count: number): Promise<number[]> {
  const { tokenizer, maxLength } = pipeline;
  const queryIds = tokenizer.encodeText(query, maxLength);
  const documents = texts.slice(0, count).map((text) => tokenizer.encodeText(text, maxLength));
  const { values } = await pipeline.runRows({
    lengths: documents.map((ids) => Math.min(queryIds.length + ids.length + 3, maxLength)),
    encodeRow: (index) => tokenizer.encodePair(queryIds, documents[index]!, maxLength),
    width: 1,
  });
  return Array.from(values);
}

/** Settles to the error a call rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('the call should have failed'),
    (error: unknown) => error,
  );
}

function expectWorkerExit(error: unknown): void {
  expect(StageError.isInstance(error)).toBe(true);
  expect((error as StageError).stageId).toBe('tiny');
  expect((error as Error).message).toMatch(/inference worker exited with code 70/);
}

describe('inference worker killed mid-batch (SIEVE_FAULT_INJECT=worker-exit:N)', () => {
  it('one worker: the affected call rejects with a StageError, later calls run on the replacement', async () => {
    const pipeline = await crashingCrossEncoder(1, 2);
    const expected = await score(pipeline, 1); // batch 1
    expectWorkerExit(await rejection(score(pipeline, 1))); // batch 2: the worker exits
    // The replacement may still be starting: these calls wait for it, none fails.
    for (let call = 0; call < 3; call++) {
      const again = await score(pipeline, 1);
      expect(again[0]).toBeCloseTo(expected[0]!, 5);
    }
    expect(await score(pipeline, 8)).toHaveLength(8);
  }, 30_000);

  it('two workers: a concurrent call on the healthy worker succeeds; the pool heals', async () => {
    const pipeline = await crashingCrossEncoder(2, 2);
    const [expected] = await score(pipeline, 1); // worker 0: batch 1
    // Dispatch takes the first free worker: the first call lands on worker 0 (its 2nd batch, it
    // exits), the second on worker 1 (its 1st batch).
    const [crashed, healthy] = await Promise.allSettled([score(pipeline, 1), score(pipeline, 1)]);
    expect(crashed.status).toBe('rejected');
    expectWorkerExit((crashed as PromiseRejectedResult).reason);
    expect(healthy.status).toBe('fulfilled');
    expect((healthy as PromiseFulfilledResult<number[]>).value[0]).toBeCloseTo(expected!, 5);
    // Worker 1 was started with the same fault: the next call is its 2nd batch, and it exits.
    expectWorkerExit(await rejection(score(pipeline, 1)));
    // Both original workers are gone; the replacements started without the fault.
    for (let call = 0; call < 3; call++) {
      expect((await score(pipeline, 1))[0]).toBeCloseTo(expected!, 5);
    }
    const together = await Promise.all([score(pipeline, 4), score(pipeline, 8)]);
    expect(together.map((values) => values.length)).toEqual([4, 8]);
  }, 30_000);

  it('a worker killed while batches are queued: the call rejects, nothing hangs, the queue drains', async () => {
    // 8 one-pair batches queue on 2 workers that each exit on their 3rd batch: both die while
    // the call's other batches wait (6 of the 8 reach the original workers).
    const pipeline = await crashingCrossEncoder(2, 3);
    const error = await rejection(score(pipeline, 8));
    expectWorkerExit(error);
    const after = await Promise.all([score(pipeline, 8), score(pipeline, 3), score(pipeline, 1)]);
    expect(after.map((values) => values.length)).toEqual([8, 3, 1]);
    expect(after[1]![0]).toBeCloseTo(after[0]![0]!, 5);
  }, 30_000);

  it('a worker that cannot be replaced: queued and later calls reject instead of hanging', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sieve-worker-fault-'));
    cpSync(fixture, folder, { recursive: true });
    const onnxPath = join(folder, 'onnx', 'model.onnx');
    try {
      const pipeline = await crashingCrossEncoder(1, 1, folder);
      // The model file goes away: the replacement worker cannot load a session.
      renameSync(onnxPath, `${onnxPath}.away`);
      expectWorkerExit(await rejection(score(pipeline, 1)));
      const later = await rejection(score(pipeline, 2));
      expect(StageError.isInstance(later)).toBe(true);
      expect((later as Error).message).toMatch(/could not (re)?start an inference worker/);
      // Once the file is back, the next call starts a worker again and succeeds.
      renameSync(`${onnxPath}.away`, onnxPath);
      expect(await score(pipeline, 2)).toHaveLength(2);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 30_000);
});
