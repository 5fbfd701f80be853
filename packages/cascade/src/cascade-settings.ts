import type { GetDocuments, RetrieverV1, ScorerV1 } from '@sieve/core';
import { z } from 'zod';
import type { PruningPolicy } from './pruning/pruning-policy.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object';

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

const isRetriever = (value: unknown): value is RetrieverV1 =>
  isObject(value) &&
  value.specificationVersion === 'v1' &&
  typeof value.stageId === 'string' &&
  value.stageId !== '' &&
  typeof value.doRetrieve === 'function';

/** A retriever, or `{ retriever, weight }` with a positive weight (for fusion). */
const retrieverEntrySchema = z
  .custom<RetrieverV1 | { retriever: RetrieverV1; weight?: number }>(
    (value) =>
      isRetriever(value) ||
      (isObject(value) &&
        isRetriever(value.retriever) &&
        (value.weight === undefined ||
          (typeof value.weight === 'number' && Number.isFinite(value.weight) && value.weight > 0))),
    {
      message:
        "must be a RetrieverV1 ({ specificationVersion: 'v1', stageId, doRetrieve }) or { retriever, weight } with weight > 0",
    },
  )
  .transform((entry) =>
    isRetriever(entry)
      ? { retriever: entry, weight: 1 }
      : { retriever: entry.retriever, weight: entry.weight ?? 1 },
  );

/** Schema of {@link CascadeSettings}. */
export const cascadeSettingsSchema = z
  .object({
    retrievers: z.preprocess(
      (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]),
      z.array(retrieverEntrySchema),
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

/** One scoring stage of a cascade. */
export interface ScoringStageSettings {
  /** The scorer; its `stageId` names the stage in reports and in `scores`. */
  scorer: ScorerV1;
  /** How many candidates this stage passes on. */
  topK: number;
  /**
   * Candidates per `doScore` call; a pruning policy decides between batches.
   * @default 32 with a pruning policy, else the whole input in one call (so the scorer can bucket
   * by length across all of it)
   */
  batchSize?: number;
  /**
   * Batches in flight at once, to keep a scorer's worker pool busy. Pruning then decides between
   * waves of this many batches.
   * @default 1
   */
  concurrency?: number;
  /** Early-stopping policy: `fixedDepth`, `scoreGap`, `relativeThreshold`, `patience`, `bounded`. */
  prune?: PruningPolicy;
}

/** Settings of {@link createCascade}. */
export interface CascadeSettings {
  /**
   * Retrievers, run concurrently and fused; `{ retriever, weight }` to weight one in fusion.
   * Leave out to rank the candidates passed to each call.
   */
  retrievers?:
    | RetrieverV1
    | ReadonlyArray<RetrieverV1 | { retriever: RetrieverV1; weight?: number }>;
  /**
   * Depth asked of each retriever, and kept after fusion.
   * @default 100
   */
  retrievalTopK?: number;
  /**
   * How retrievers are fused: reciprocal rank fusion, or weighted min-max normalized scores.
   * @default { type: 'rrf', k: 60 }
   */
  fusion?:
    | 'rrf'
    | 'weighted'
    | { type: 'rrf'; k?: number }
    | { type: 'weighted'; normalization?: 'min-max' };
  /** Supplies texts for retrieved ids (or pass `documentStore`). */
  getDocuments?: GetDocuments;
  /** An object with `getDocuments(ids)`, such as a retrieval package's document store. */
  documentStore?: { getDocuments: GetDocuments };
  /** Ordered scoring stages: zero or more. */
  stages?: readonly ScoringStageSettings[];
  /**
   * Length of the final ranking.
   * @default 10
   */
  topK?: number;
  /** Latency budget per call, in milliseconds. */
  deadlineMs?: number;
  /**
   * On a passed deadline, return the best ranking so far with a warning, or throw
   * `DeadlineExceededError`.
   * @default 'return'
   */
  onDeadline?: 'return' | 'throw';
}

/** {@link CascadeSettings} after validation and defaults. */
export type ResolvedCascadeSettings = z.output<typeof cascadeSettingsSchema>;

/** One scoring stage after defaults. */
export type ResolvedScoringStage = z.output<typeof scoringStageSchema>;
