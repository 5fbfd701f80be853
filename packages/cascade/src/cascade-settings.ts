import type { GetDocuments, RetrieverV1, ScorerV1 } from '@sieve/core';
import { z } from 'zod';
import type { PruningPolicy } from './pruning/pruning-policy.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object';

const retrieverSchema = z.custom<RetrieverV1>(
  (value) =>
    isObject(value) &&
    value.specificationVersion === 'v1' &&
    typeof value.stageId === 'string' &&
    value.stageId !== '' &&
    typeof value.doRetrieve === 'function',
  { message: "must be a RetrieverV1: { specificationVersion: 'v1', stageId, doRetrieve }" },
);

const scorerSchema = z.custom<ScorerV1>(
  (value) =>
    isObject(value) &&
    value.specificationVersion === 'v1' &&
    typeof value.stageId === 'string' &&
    value.stageId !== '' &&
    typeof value.doScore === 'function',
  { message: "must be a ScorerV1: { specificationVersion: 'v1', stageId, modelId, doScore }" },
);

const pruningPolicySchema = z.custom<PruningPolicy>(
  (value) => isObject(value) && typeof value.name === 'string' && typeof value.plan === 'function',
  { message: 'must be a pruning policy such as fixedDepth(50), patience(2) or bounded({ bound })' },
);

const positiveInteger = z.number().int().positive();

/** Schema of one scoring stage of {@link CascadeSettings}. */
export const scoringStageSchema = z.object({
  /** The scorer of this stage; its `stageId` names the stage in reports and scores. */
  scorer: scorerSchema,
  /** How many candidates this stage passes on. */
  topK: positiveInteger,
  /**
   * Candidates per `doScore` call. Pruning decides between batches. Defaults to 32 with a pruning
   * policy, else to the whole input in one call (so the scorer can bucket by length itself).
   */
  batchSize: positiveInteger.optional(),
  /** Batches in flight at once (to keep a worker pool busy). @default 1 */
  concurrency: positiveInteger.default(1),
  /** Early-stopping policy. */
  prune: pruningPolicySchema.optional(),
});

const weightedRetrieverSchema = z.object({ retriever: retrieverSchema, weight: z.number().positive() });

/** Schema of {@link CascadeSettings}. */
export const cascadeSettingsSchema = z
  .object({
    retrievers: z
      .union([retrieverSchema, z.array(z.union([retrieverSchema, weightedRetrieverSchema]))])
      .optional()
      .transform((value) =>
        (value === undefined ? [] : Array.isArray(value) ? value : [value]).map((entry) =>
          'retriever' in entry ? entry : { retriever: entry, weight: 1 },
        ),
      ),
    retrievalTopK: positiveInteger.default(100),
    fusion: z
      .union([
        z.literal('rrf').transform(() => ({ type: 'rrf' as const, k: 60 })),
        z.literal('weighted').transform(() => ({ type: 'weighted' as const })),
        z.object({ type: z.literal('rrf'), k: z.number().positive().default(60) }),
        z.object({ type: z.literal('weighted'), normalization: z.literal('min-max').optional() }),
      ])
      .default({ type: 'rrf', k: 60 }),
    getDocuments: z
      .custom<GetDocuments>((value) => typeof value === 'function', {
        message: 'must be a function (ids) => Promise<(document | undefined)[]>',
      })
      .optional(),
    documentStore: z
      .custom<{ getDocuments: GetDocuments }>(
        (value) => isObject(value) && typeof value.getDocuments === 'function',
        { message: 'must be an object with getDocuments(ids)' },
      )
      .optional(),
    stages: z.array(scoringStageSchema).default([]),
    topK: positiveInteger.default(10),
    deadlineMs: z.number().positive().optional(),
    onDeadline: z.enum(['return', 'throw']).default('return'),
  })
  .superRefine((settings, context) => {
    const seen = new Map<string, string>();
    const claim = (id: string, path: (string | number)[]): void => {
      const earlier = seen.get(id);
      if (id === 'retrieval' || earlier !== undefined) {
        context.addIssue({
          code: 'custom',
          path,
          message:
            id === 'retrieval'
              ? "stage id 'retrieval' is reserved for the fused retrieval score"
              : `stage id '${id}' is already used by ${earlier}; give each stage a unique stageId`,
        });
      }
      seen.set(id, path.join('.'));
    };
    settings.retrievers.forEach((entry, index) => {
      claim(entry.retriever.stageId, ['retrievers', index]);
    });
    settings.stages.forEach((stage, index) => {
      claim(stage.scorer.stageId, ['stages', index, 'scorer']);
    });
    if (settings.getDocuments && settings.documentStore) {
      context.addIssue({
        code: 'custom',
        path: ['documentStore'],
        message: 'pass getDocuments or documentStore, not both',
      });
    }
    if (
      settings.stages.length > 0 &&
      settings.retrievers.length > 0 &&
      !settings.getDocuments &&
      !settings.documentStore
    ) {
      context.addIssue({
        code: 'custom',
        path: ['getDocuments'],
        message: 'scoring stages need document texts: pass getDocuments or documentStore',
      });
    }
  });

/**
 * Settings of {@link createCascade}.
 *
 * - `retrievers`: one or more `RetrieverV1` (or `{ retriever, weight }`), run concurrently and
 *   fused. Leave out to rerank candidates passed to each call.
 * - `retrievalTopK` (default 100): depth asked of each retriever, and kept after fusion.
 * - `fusion` (default `'rrf'`, k = 60): `'rrf'`, `'weighted'` (min-max normalized) or an object.
 * - `getDocuments` or `documentStore`: supplies texts for retrieved ids.
 * - `stages`: ordered scoring stages `{ scorer, topK, batchSize?, concurrency?, prune? }`.
 * - `topK` (default 10): length of the final ranking.
 * - `deadlineMs`, `onDeadline` (default `'return'`): latency budget per call.
 */
export type CascadeSettings = z.input<typeof cascadeSettingsSchema>;

/** {@link CascadeSettings} after validation and defaults. */
export type ResolvedCascadeSettings = z.output<typeof cascadeSettingsSchema>;

/** One scoring stage after defaults. */
export type ResolvedScoringStage = z.output<typeof scoringStageSchema>;
