import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';

/** The tiny BERT cross-encoder @sieve/onnx generates for tests (scores mean nothing). */
const fixtureModel = new URL(
  '../../../onnx/src/__fixtures__/tiny-bert-cross-encoder/',
  import.meta.url,
).pathname;

/** The query every test of this package ranks for. */
export const query = 'does aspirin prevent stroke';

/**
 * The tiny cross-encoder as the stage `rerank`, fp32 on one worker: scores are exact, so the
 * adapters' scores can be compared with its own to 1e-6. Dispose it in `afterAll`.
 */
export function createFixtureReranker(): Promise<CrossEncoder> {
  return createCrossEncoder({ model: fixtureModel, dtype: 'fp32', workers: 1, stageId: 'rerank' });
}
