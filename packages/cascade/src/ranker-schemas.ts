import type { ScorerV1 } from '@sieve/core';
import { z } from 'zod';
import type { Cascade } from './create-cascade.js';
import type { TextRanker } from './rank-texts.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object';

/**
 * A `ScorerV1` in settings: `{ specificationVersion: 'v1', stageId, doScore }`, checked
 * structurally (a scorer from any copy of the packages, or your own object).
 */
export const scorerSchema = z.custom<ScorerV1>(
  (value) =>
    isObject(value) &&
    value.specificationVersion === 'v1' &&
    typeof value.stageId === 'string' &&
    value.stageId !== '' &&
    typeof value.doScore === 'function',
  { message: "must be a ScorerV1: { specificationVersion: 'v1', stageId, modelId, doScore }" },
);

/** A `Cascade` in settings (`createCascade`, `createCascadeFromConfig`), checked structurally. */
export const cascadeSchema = z.custom<Cascade>(
  (value) => isObject(value) && typeof value.search === 'function',
  { message: 'must be a cascade (createCascade() or createCascadeFromConfig() of @sieve/cascade)' },
);

/**
 * What ranks texts in settings (the framework adapters' `ranker`): a `ScorerV1` or a `Cascade`.
 *
 * @example
 * ```ts
 * const settingsSchema = z.strictObject({ ranker: textRankerSchema, topK: z.number().optional() });
 * ```
 */
export const textRankerSchema = z.custom<TextRanker>(
  (value) => scorerSchema.safeParse(value).success || cascadeSchema.safeParse(value).success,
  {
    message:
      'must be a ScorerV1 (createCrossEncoder() or createRemoteScorer() of @sieve/rerank) or a cascade (createCascade() of @sieve/cascade)',
  },
);

/** True for a cascade, false for a `ScorerV1`. */
export const isCascade = (ranker: TextRanker): ranker is Cascade =>
  typeof (ranker as Cascade).search === 'function';
