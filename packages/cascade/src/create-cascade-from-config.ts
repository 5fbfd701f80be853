import {
  type ConfigIssue,
  InvalidConfigError,
  parseSettings,
  type RetrieverV1,
  type ScorerV1,
} from '@sieve/core';
import {
  type CascadeConfigPruning,
  type ConfigRetriever,
  cascadeConfigSchema,
} from './cascade-config.js';
import type { CascadeSettings, ScoringStageSettings } from './cascade-settings.js';
import { type Cascade, createCascade } from './create-cascade.js';
import { fixedDepth } from './pruning/fixed-depth.js';
import { patience } from './pruning/patience.js';
import type { PruningPolicy } from './pruning/pruning-policy.js';
import { scoreGap } from './pruning/score-cut.js';

/** What a config cannot hold: the live objects a cascade runs on, and per-service call policy. */
export interface CascadeFromConfigOptions
  extends Pick<CascadeSettings, 'getDocuments' | 'documentStore' | 'deadlineMs' | 'onDeadline'> {
  /**
   * One scorer per model the config's stages use, under the config's model name. This package
   * loads no model: build them from `config.models` (`loadConfigModels(config)` of `@sieve/cli`
   * loads each entry as an ONNX cross-encoder whose `stageId` is its name). Extra entries are
   * ignored.
   */
  scorers: Readonly<Record<string, ScorerV1>>;
  /** The retriever the config names, under that name: `{ bm25 }`. Extra entries are ignored. */
  retrievers: Readonly<Partial<Record<ConfigRetriever, RetrieverV1>>>;
}

const component = 'cascade';

/**
 * Turns a cascade configuration (the JSON `sieve tune` writes, parsed) into a cascade. The config
 * is validated first: a bad field, or a model or retriever the options do not supply, throws
 * `InvalidConfigError` with every issue (`stages.1.topK`, `scorers.reranker`). A stage's id is
 * its scorer's `stageId`.
 *
 * @example
 * ```ts
 * const config = JSON.parse(readFileSync('tuned-cascade.json', 'utf8'));
 * const cascade = createCascadeFromConfig(config, {
 *   scorers: await loadConfigModels(config), // @sieve/cli; or your own ScorerV1 per model name
 *   retrievers: { bm25 },
 *   documentStore: store,
 * });
 * ```
 */
export function createCascadeFromConfig(
  config: unknown,
  options: CascadeFromConfigOptions,
): Cascade {
  if (typeof config === 'string') {
    throw new InvalidConfigError({
      component,
      issues: [
        { path: '', message: 'pass the parsed configuration (JSON.parse(text)), not its text' },
      ],
    });
  }
  const parsed = parseSettings(cascadeConfigSchema, config, { component });
  const { scorers, retrievers, ...rest } = options ?? ({} as Partial<CascadeFromConfigOptions>);
  const issues: ConfigIssue[] = [];
  const retrieverName = parsed.retrieval.retriever;
  const retriever = retrievers?.[retrieverName];
  if (retriever === undefined) {
    issues.push({
      path: `retrievers.${retrieverName}`,
      message: `the config retrieves with '${retrieverName}': pass retrievers: { ${retrieverName} }`,
    });
  }
  const stages: ScoringStageSettings[] = [];
  parsed.stages.forEach((stage, index) => {
    const scorer = scorers?.[stage.model];
    if (scorer === undefined) {
      const given = Object.keys(scorers ?? {});
      issues.push({
        path: `scorers.${stage.model}`,
        message: `stages.${index} uses model '${stage.model}' but scorers has no '${stage.model}' (${given.length === 0 ? 'none given' : `given: ${given.join(', ')}`}); pass a ScorerV1 per model, e.g. loadConfigModels(config) of @sieve/cli`,
      });
      return;
    }
    stages.push({
      scorer,
      topK: stage.topK,
      ...(stage.batchSize === undefined ? {} : { batchSize: stage.batchSize }),
      ...(stage.prune === undefined ? {} : { prune: pruningPolicy(stage.prune) }),
    });
  });
  if (issues.length > 0) throw new InvalidConfigError({ component, issues });
  return createCascade({
    ...rest,
    retrievers: [retriever!],
    retrievalTopK: parsed.retrieval.depth,
    stages,
    topK: parsed.topK,
  });
}

/** The pruning policy a config stage names. */
function pruningPolicy(prune: CascadeConfigPruning): PruningPolicy {
  switch (prune.policy) {
    case 'patience':
      return patience(prune.batches);
    case 'scoreGap':
      return scoreGap({ gap: prune.gap });
    case 'fixedDepth':
      return fixedDepth(prune.depth);
  }
}
