/**
 * The tiny fixture cross-encoder of `@sieve/onnx` as these tests load it: fp32, so that scores
 * compare to 1e-6 across calls, and one worker (the machine may have two cores). Its scores mean
 * nothing; the tests compare with what Sieve itself computes on the same texts.
 */
export const crossEncoderSettings = {
  model: new URL('../../../onnx/src/__fixtures__/tiny-bert-cross-encoder/', import.meta.url)
    .pathname,
  dtype: 'fp32',
  workers: 1,
  stageId: 'rerank',
} as const;
