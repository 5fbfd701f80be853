import {
  documentContents,
  fusionSettingsSchema,
  type GetDocuments,
  retrievalSourcesSchema,
  type SieveDocument,
} from '@sieve/core';
import { z } from 'zod';
import type { PruningPolicy } from './pruning/pruning-policy.js';
import { scorerSchema } from './ranker-schemas.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object';

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
   * Candidates per `doScore` call; a pruning policy decides between batches. (Not the ONNX batch:
   * a cross-encoder cuts each call into runs of at most its `maxBatchSize` pairs.)
   * @default 32 with a pruning policy, else the whole input in one call (so the scorer can bucket
   * by length across all of it)
   */
  batchSize: positiveInteger.optional(),
  /**
   * Batches in flight at once, to keep a scorer's worker pool busy. Pruning then decides between
   * waves of this many batches.
   * @default 1
   */
  concurrency: positiveInteger.default(1),
  /**
   * How a document becomes the text this stage's scorer reads. The default is the function BM25
   * indexes and the dense retriever embeds: the title and the text (`documentContents`). Pass
   * `(document) => document.text` to score the body alone, or anything else per stage.
   * @default documentContents
   */
  documentText: z
    .custom<(document: SieveDocument) => string>((value) => typeof value === 'function', {
      message: 'must be a function (document) => string',
    })
    .default(() => documentContents),
  /** Early-stopping policy: `fixedDepth`, `scoreGap`, `relativeThreshold`, `patience`, `bounded`. */
  prune: pruningPolicySchema.optional(),
});

/** Schema of {@link CascadeSettings}. */
export const cascadeSettingsSchema = z
  .object({
    /**
     * Retrievers, run concurrently and fused; `{ retriever, weight }` to weight one in fusion.
     * Leave out to rank the candidates passed to each call.
     */
    retrievers: retrievalSourcesSchema,
    /**
     * Depth asked of each retriever, and kept after fusion.
     * @default 100
     */
    retrievalTopK: positiveInteger.default(100),
    /**
     * How retrievers are fused: reciprocal rank fusion, or weighted min-max normalized scores.
     * @default { type: 'rrf', k: 60 }
     */
    fusion: fusionSettingsSchema,
    /** Supplies texts for retrieved ids (or pass `documentStore`). */
    getDocuments: z
      .custom<GetDocuments>((value) => typeof value === 'function', {
        message: 'must be a function (ids) => Promise<(document | undefined)[]>',
      })
      .optional(),
    /** An object with `getDocuments(ids)`, such as a retrieval package's document store. */
    documentStore: z
      .custom<{ getDocuments: GetDocuments }>(
        (value) => isObject(value) && typeof value.getDocuments === 'function',
        { message: 'must be an object with getDocuments(ids)' },
      )
      .optional(),
    /** Ordered scoring stages: zero or more. */
    stages: z.array(scoringStageSchema).readonly().default([]),
    /**
     * Length of the final ranking.
     * @default 10
     */
    topK: positiveInteger.default(10),
    /** Latency budget per call, in milliseconds. */
    deadlineMs: z.number().positive().optional(),
    /**
     * On a passed deadline, return the best ranking so far with a warning, or throw
     * `DeadlineExceededError`.
     * @default 'return'
     */
    onDeadline: z.enum(['return', 'throw']).default('return'),
    /**
     * When a retriever throws: `throw` fails the call with a `StageError` naming it; `skip` fuses
     * the retrievers that answered and adds a `retriever-skipped` warning naming the one that
     * failed (when every retriever fails, the call still throws). A retriever that returns a
     * malformed result (not an array of `{ id, score }`) fails the call either way.
     * @default 'throw'
     * @example
     * ```ts
     * createCascade({ retrievers: [bm25, dense], retrievalFailures: 'skip', topK: 10 });
     * ```
     */
    retrievalFailures: z.enum(['throw', 'skip']).default('throw'),
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

/** One scoring stage of a cascade, as a caller writes it. */
export type ScoringStageSettings = z.input<typeof scoringStageSchema>;

/** Settings of `createCascade`. */
export type CascadeSettings = z.input<typeof cascadeSettingsSchema>;

/** {@link CascadeSettings} after validation and defaults. */
export type ResolvedCascadeSettings = z.output<typeof cascadeSettingsSchema>;

/** One scoring stage after defaults. */
export type ResolvedScoringStage = z.output<typeof scoringStageSchema>;
