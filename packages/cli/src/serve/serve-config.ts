import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cascadeConfigSchema } from '@sieve/cascade';
import { InvalidConfigError, parseSettings } from '@sieve/core';
import { z } from 'zod';

const component = 'serve';

/**
 * Schema of the file `sieve serve --config` reads. A bare cascade configuration (what `sieve tune`
 * writes: `version`, `retrieval`, `models`, `stages`, `topK`) is accepted as it is and means
 * `{ cascade: <that file> }`.
 */
export const serveConfigSchema = z.strictObject({
  /** The cascade: inline, or the path of a cascade configuration file (relative to this file). */
  cascade: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  /**
   * The model of `cascade.models` that `/rerank`, `/v1/rerank` and `/v2/rerank` serve.
   * @default the model of the cascade's last stage
   */
  rerankModel: z.string().min(1).optional(),
  /**
   * What `/search` searches: a BEIR folder (its `corpus.jsonl`) or a JSONL file of
   * `{ "_id", "title"?, "text" }`, relative to this file; indexed with BM25 at start. Without it,
   * `/search` answers 404.
   */
  corpus: z.string().min(1).optional(),
  /** Where to listen. */
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  /** Server settings (see `ServerSettings` of `@sieve/server`): limits, batching, scores. */
  server: z
    .strictObject({
      autoTruncate: z.boolean().optional(),
      scores: z.enum(['raw', 'sigmoid']).optional(),
      maxClientBatchSize: z.number().int().positive().optional(),
      bodyLimitBytes: z.number().int().positive().optional(),
      batching: z
        .strictObject({
          crossRequest: z.boolean().optional(),
          maxPairs: z.number().int().positive().optional(),
          maxWaitMs: z.number().min(0).max(1000).optional(),
          concurrency: z.number().int().positive().optional(),
          maxQueuedPairs: z.number().int().positive().optional(),
        })
        .optional(),
    })
    .optional(),
});

/** The file `sieve serve --config` reads. */
export type ServeConfig = z.input<typeof serveConfigSchema>;

/** A serve config after validation, with its cascade read and paths resolved. */
export interface ResolvedServeConfig extends Omit<z.output<typeof serveConfigSchema>, 'cascade'> {
  /** The cascade configuration, validated. */
  cascade: z.output<typeof cascadeConfigSchema>;
  /** The folder model paths starting with `./` are relative to (the cascade file's). */
  cascadeFolder: string;
}

/** Reads a JSON file; a missing file or bad JSON is an `InvalidConfigError` naming it. */
function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidConfigError({
      component,
      issues: [{ path: what, message: `cannot read ${path}: ${(error as Error).message}` }],
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidConfigError({
      component,
      issues: [{ path: what, message: `${path} is not valid JSON: ${(error as Error).message}` }],
      cause: error,
    });
  }
}

/**
 * Reads and validates the file of `sieve serve --config`: a serve config or a bare cascade
 * config. Every problem is an `InvalidConfigError` with the field's path (`server.batching.maxPairs`,
 * `cascade.stages.0.topK`), raised before any model is loaded.
 */
export function readServeConfig(path: string): ResolvedServeConfig {
  const absolute = resolve(path);
  const raw = readJson(absolute, 'config');
  const isCascade = typeof raw === 'object' && raw !== null && 'retrieval' in raw;
  const parsed = parseSettings(serveConfigSchema, isCascade ? { cascade: raw } : raw, {
    component,
  });
  const folder = dirname(absolute);
  let cascadeFolder = folder;
  let cascadeInput = parsed.cascade;
  if (typeof cascadeInput === 'string') {
    const cascadePath = resolve(folder, cascadeInput);
    cascadeFolder = dirname(cascadePath);
    cascadeInput = readJson(cascadePath, 'cascade') as Record<string, unknown>;
  }
  const cascadeResult = cascadeConfigSchema.safeParse(cascadeInput);
  if (!cascadeResult.success) {
    throw new InvalidConfigError({
      component,
      issues: cascadeResult.error.issues.map((issue) => ({
        path: ['cascade', ...issue.path.map(String)].join('.'),
        message: issue.message,
      })),
    });
  }
  const cascade = cascadeResult.data;
  const rerankModel = parsed.rerankModel ?? cascade.stages.at(-1)?.model;
  if (rerankModel !== undefined && !Object.hasOwn(cascade.models, rerankModel)) {
    throw new InvalidConfigError({
      component,
      issues: [
        {
          path: 'rerankModel',
          message: `'${rerankModel}' is not in cascade.models (${Object.keys(cascade.models).join(', ') || 'none'})`,
        },
      ],
    });
  }
  return {
    ...parsed,
    cascade,
    cascadeFolder,
    ...(rerankModel === undefined ? {} : { rerankModel }),
    ...(parsed.corpus === undefined ? {} : { corpus: resolve(folder, parsed.corpus) }),
  };
}
