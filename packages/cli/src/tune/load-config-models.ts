import { isAbsolute, resolve } from 'node:path';
import { cascadeConfigSchema } from '@sieve/cascade';
import { parseSettings } from '@sieve/core';
import { createTokenCache, type TokenCache } from '@sieve/onnx';
import { type CrossEncoder, type CrossEncoderSettings, createCrossEncoder } from '@sieve/rerank';

/** Options of {@link loadConfigModels}. */
export interface LoadConfigModelsOptions {
  /**
   * The folder a model path starting with `./` or `../` is relative to: the config file's folder
   * when it was read from one. Absolute paths and hub ids are taken as they are.
   * @default the working folder
   */
  relativeTo?: string;
  /**
   * Settings every cross-encoder gets (`device`, `execution`, `workers`, `maxBatchSize`, ...);
   * the config decides `model`, `dtype` and `maxLength`, the entry's name is the `stageId`.
   */
  crossEncoder?: Omit<CrossEncoderSettings, 'model' | 'dtype' | 'maxLength' | 'stageId'>;
}

/**
 * Loads the models a cascade configuration's stages use (the JSON `sieve tune` writes) as ONNX
 * cross-encoders, by the config's model names: what `createCascadeFromConfig` takes as `scorers`.
 * Each cross-encoder's `stageId` is its name; entries with the same model folder (a reranker and
 * the same reranker on short inputs as the prefilter) share one token cache. Models no stage uses
 * are not loaded. The cascade's `dispose()` frees them; on a failure the ones already loaded are
 * disposed and the error (`ModelLoadError`, `InvalidConfigError`) is thrown.
 *
 * @example
 * ```ts
 * const config = JSON.parse(readFileSync('tuned-cascade.json', 'utf8'));
 * const cascade = createCascadeFromConfig(config, {
 *   scorers: await loadConfigModels(config, { relativeTo: '.' }),
 *   retrievers: { bm25 },
 *   documentStore: store,
 * });
 * ```
 */
export async function loadConfigModels(
  config: unknown,
  options: LoadConfigModelsOptions = {},
): Promise<Record<string, CrossEncoder>> {
  const parsed = parseSettings(cascadeConfigSchema, config, { component: 'cascade' });
  const relativeTo = options.relativeTo ?? process.cwd();
  const caches = new Map<string, TokenCache>();
  const loaded: Record<string, CrossEncoder> = {};
  try {
    for (const { model: name } of parsed.stages) {
      const entry = parsed.models[name]!;
      const model =
        /^\.\.?[/\\]/.test(entry.model) && !isAbsolute(entry.model)
          ? resolve(relativeTo, entry.model)
          : entry.model;
      let tokenCache = caches.get(model);
      if (tokenCache === undefined) {
        tokenCache = createTokenCache();
        caches.set(model, tokenCache);
      }
      loaded[name] = await createCrossEncoder({
        ...options.crossEncoder,
        model,
        dtype: entry.dtype,
        ...(entry.maxLength === undefined ? {} : { maxLength: entry.maxLength }),
        stageId: name,
        tokenCache,
      });
    }
  } catch (error) {
    await Promise.all(Object.values(loaded).map((scorer) => scorer.dispose()));
    throw error;
  }
  return loaded;
}
