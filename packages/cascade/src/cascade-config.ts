import { z } from 'zod';

const positiveInteger = z.number().int().positive();
const share = z.number().min(0).max(1);

/** The retrievers a config may name; the caller passes each as a `RetrieverV1` under that name. */
export const configRetrievers = ['bm25', 'dense', 'hybrid'] as const;

/** A retriever a config names: `bm25`, `dense` or `hybrid`. */
export type ConfigRetriever = (typeof configRetrievers)[number];

/**
 * Weights a config may ask for. The same list as `dtypes` of `@sieve/onnx` (which this package
 * cannot import: it loads no model); a test of `@sieve/cli` keeps the two equal.
 */
const configDtypes = ['fp32', 'int8', 'int8-static', 'fp16'] as const;

/** Schema of one entry of {@link CascadeConfig.models}. */
export const cascadeConfigModelSchema = z.strictObject({
  /** A model folder (Xenova ONNX layout) or a Hugging Face hub id. */
  model: z.string().min(1, 'pass a model folder or a hub id'),
  /** Weights: `fp32`, `int8` or `fp16`. */
  dtype: z.enum(configDtypes),
  /** Longest pair in tokens; the model's own limit when absent. */
  maxLength: positiveInteger.optional(),
});

/** Schema of the pruning policy of one stage of {@link CascadeConfig}. */
export const cascadeConfigPruningSchema = z.discriminatedUnion('policy', [
  /** `patience(batches)`: stop once `batches` batches changed nothing in the top-k. */
  z.strictObject({ policy: z.literal('patience'), batches: positiveInteger }),
  /** `scoreGap({ gap })`: skip what the previous stage put more than `gap` below its best. */
  z.strictObject({ policy: z.literal('scoreGap'), gap: z.number().finite().min(0) }),
  /** `fixedDepth(depth)`: score only the first `depth` candidates. */
  z.strictObject({ policy: z.literal('fixedDepth'), depth: z.number().int().min(0) }),
]);

/** Schema of one stage of {@link CascadeConfig}. */
export const cascadeConfigStageSchema = z.strictObject({
  /** The key of this stage's model in `models`; it also names the stage's scorer. */
  model: z.string().min(1),
  /** Candidates this stage passes on. */
  topK: positiveInteger,
  /** Candidates per `doScore` call (see `ScoringStageSettings.batchSize`). */
  batchSize: positiveInteger.optional(),
  /** Early stopping of this stage. */
  prune: cascadeConfigPruningSchema.optional(),
});

/**
 * Schema of the provenance `sieve tune` records: what the configuration was chosen on and what
 * it was measured to do. The cascade ignores it; unknown keys are kept.
 */
export const cascadeConfigTunedSchema = z.looseObject({
  /** When it was tuned (ISO 8601). */
  date: z.string(),
  /** Sample queries it was tuned on. */
  queries: positiveInteger,
  /** The k of the agreement measures. */
  k: positiveInteger,
  /** What the choice had to meet: a floor on top-k overlap, or a latency budget. */
  target: z.union([
    z.strictObject({ minAgreement: share }),
    z.strictObject({ budgetMs: z.number().positive() }),
  ]),
  /** The reference the agreement compares with: the full rerank, as a shape. */
  reference: z.string(),
  /**
   * Agreement with the reference, replayed from cached scores: mean top-k overlap and
   * rank-biased overlap (p 0.9); nDCG@10 when the sample had relevance judgments.
   */
  agreement: z.looseObject({ overlap: share, rbo: share, ndcgAt10: share.optional() }),
  /** Estimated mean latency per query, in milliseconds. */
  estimatedMs: z.number().min(0),
  /** The same figures measured by running the cascade itself on the sample. */
  measured: z
    .looseObject({ overlap: share, rbo: share, p50Ms: z.number(), meanMs: z.number() })
    .optional(),
});

/** Schema of {@link CascadeConfig}: strict, so a misspelt key is an error, not ignored. */
export const cascadeConfigSchema = z
  .strictObject({
    /** The format's version. */
    version: z.literal(1),
    /** Where candidates come from: a retriever by name, and how many it retrieves. */
    retrieval: z.strictObject({
      retriever: z.enum(configRetrievers),
      depth: positiveInteger,
    }),
    /** The models the stages use, by name. */
    models: z.record(z.string().min(1), cascadeConfigModelSchema).default({}),
    /** The scoring stages, in order: zero or more. */
    stages: z.array(cascadeConfigStageSchema).default([]),
    /** Length of the final ranking. */
    topK: positiveInteger,
    /** How `sieve tune` chose it; informational. */
    tuned: cascadeConfigTunedSchema.optional(),
  })
  .superRefine((config, context) => {
    const used = new Map<string, number>();
    config.stages.forEach((stage, index) => {
      if (!Object.hasOwn(config.models, stage.model)) {
        const known = Object.keys(config.models);
        context.addIssue({
          code: 'custom',
          path: ['stages', index, 'model'],
          message: `unknown model '${stage.model}': ${known.length === 0 ? 'models is empty' : `models has ${known.join(', ')}`}`,
        });
      }
      const earlier = used.get(stage.model);
      if (earlier !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['stages', index, 'model'],
          message: `model '${stage.model}' already serves stages.${earlier}; a model serves one stage (add a second entry with the same model folder)`,
        });
      }
      used.set(stage.model, index);
    });
  });

/**
 * A cascade as a JSON file: the retriever and its depth, the models by name, the scoring stages
 * and the final top-k. `sieve tune` writes it; `createCascadeFromConfig` turns it into a cascade.
 *
 * @example
 * ```ts
 * const config: CascadeConfig = {
 *   version: 1,
 *   retrieval: { retriever: 'bm25', depth: 50 },
 *   models: { reranker: { model: 'Xenova/ms-marco-MiniLM-L-6-v2', dtype: 'int8' } },
 *   stages: [{ model: 'reranker', topK: 10, batchSize: 8, prune: { policy: 'patience', batches: 2 } }],
 *   topK: 10,
 * };
 * ```
 */
export type CascadeConfig = z.input<typeof cascadeConfigSchema>;

/** A {@link CascadeConfig} after validation and defaults. */
export type ResolvedCascadeConfig = z.output<typeof cascadeConfigSchema>;

/** One entry of {@link CascadeConfig.models}. */
export type CascadeConfigModel = z.output<typeof cascadeConfigModelSchema>;

/** One stage of a {@link CascadeConfig}. */
export type CascadeConfigStage = z.output<typeof cascadeConfigStageSchema>;

/** The pruning policy of a {@link CascadeConfigStage}. */
export type CascadeConfigPruning = z.output<typeof cascadeConfigPruningSchema>;

/** The provenance `sieve tune` records in {@link CascadeConfig.tuned}. */
export type CascadeConfigTuned = z.output<typeof cascadeConfigTunedSchema>;
