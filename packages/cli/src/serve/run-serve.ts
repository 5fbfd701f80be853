/**
 * `sieve serve`: loads the models and the corpus a config names (or `--reranker` alone), starts
 * `@sieve/server` on them, and serves until SIGTERM or SIGINT, which drain in-flight requests and
 * exit 0.
 */
import { createRequire } from 'node:module';
import { type Cascade, type CascadeConfig, createCascadeFromConfig } from '@sieve/cascade';
import { InvalidArgumentError, InvalidConfigError } from '@sieve/core';
import type { Dtype } from '@sieve/onnx';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';
import { createServer, type ServerSettings } from '@sieve/server';
import type { CliContext } from '../support/cli-context.js';
import { readCorpus } from '../support/read-corpus.js';
import { loadConfigModels } from '../tune/load-config-models.js';
import { type ResolvedServeConfig, readServeConfig } from './serve-config.js';

/** Options of {@link runServe} (the flags of `sieve serve`). */
export interface ServeOptions {
  /** A serve config or a cascade config file (`--config`). */
  config?: string;
  /** Serve this reranker (a folder or a hub id) instead of the config's (`--reranker`). */
  reranker?: string;
  /** Weights of `--reranker`. @default 'int8' */
  dtype?: Dtype;
  /** A BEIR folder or a JSONL corpus for `/search` (`--corpus`), over the config's. */
  corpus?: string;
  /** @default the config's, else 8080 */
  port?: number;
  /** @default the config's, else 127.0.0.1 */
  host?: string;
  /** Inference workers per model. @default the cross-encoder's default */
  workers?: number;
  /** Require `Authorization: Bearer <apiKey>` (`--api-key`, or `SIEVE_API_KEY`). */
  apiKey?: string;
  /** `false`: every request is its own scoring call (`--no-batching`). */
  crossRequest?: boolean;
  /** Stops the server when aborted (tests); otherwise SIGTERM/SIGINT do. */
  abortSignal?: AbortSignal;
  /** Called with the URL once listening (tests). */
  onListening?(url: string): void;
}

/** What `sieve serve` returns once it has stopped. */
export interface ServeResult {
  url: string;
  /** Why it stopped: the signal's name, or `aborted`. */
  stoppedBy: string;
}

/** The cascade `--reranker` and `--corpus` make without a config: BM25@100 -> reranker -> 10. */
const defaultCascade = (model: string, dtype: Dtype): CascadeConfig => ({
  version: 1,
  retrieval: { retriever: 'bm25', depth: 100 },
  models: { reranker: { model, dtype } },
  stages: [{ model: 'reranker', topK: 10 }],
  topK: 10,
});

/** Versions `/info` reports. */
function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const versionOf = (name: string): string | undefined => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      return undefined;
    }
  };
  return {
    sieve: versionOf('@sieve/cli') ?? 'unknown',
    node: process.versions.node,
    ...(versionOf('onnxruntime-node') ? { onnxruntime: versionOf('onnxruntime-node')! } : {}),
  };
}

/**
 * Runs `sieve serve` until SIGTERM/SIGINT (or `abortSignal`): validates the config before loading
 * anything, loads the cascade's models (the reranker is the last stage's, or `rerankModel`),
 * indexes the corpus with BM25 when one is given, and serves. Stopping drains in-flight requests,
 * then frees the models.
 */
export async function runServe(context: CliContext, options: ServeOptions): Promise<ServeResult> {
  if (options.config === undefined && options.reranker === undefined) {
    throw new InvalidArgumentError({
      component: 'serve',
      argument: 'config',
      message:
        'pass --config FILE (a serve or cascade config) or --reranker DIR|ID; e.g. sieve serve --reranker Xenova/ms-marco-MiniLM-L-6-v2',
    });
  }
  const config: ResolvedServeConfig | undefined =
    options.config === undefined ? undefined : readServeConfig(options.config);
  const corpusPath = options.corpus ?? config?.corpus;
  const crossEncoderSettings = options.workers === undefined ? {} : { workers: options.workers };

  const disposers: Array<() => Promise<void>> = [];
  const disposeAll = async (): Promise<void> => {
    await Promise.all(disposers.splice(0).map((dispose) => dispose()));
  };
  try {
    let reranker: CrossEncoder | undefined;
    let scorers: Record<string, CrossEncoder> = {};
    let cascadeConfig: CascadeConfig | undefined = config?.cascade;
    if (options.reranker !== undefined) {
      context.print(`loading reranker ${options.reranker} (${options.dtype ?? 'int8'})`);
      reranker = await createCrossEncoder({
        model: options.reranker,
        dtype: options.dtype ?? 'int8',
        stageId: 'reranker',
        ...crossEncoderSettings,
      });
      disposers.push(() => reranker!.dispose());
      cascadeConfig ??= defaultCascade(options.reranker, options.dtype ?? 'int8');
    }
    if (config !== undefined) {
      context.print(`loading the models of ${options.config}`);
      scorers = await loadConfigModels(config.cascade, {
        relativeTo: config.cascadeFolder,
        crossEncoder: crossEncoderSettings,
      });
      for (const scorer of Object.values(scorers)) disposers.push(() => scorer.dispose());
      if (reranker === undefined && config.rerankModel !== undefined) {
        reranker = scorers[config.rerankModel];
        if (reranker === undefined) {
          const entry = config.cascade.models[config.rerankModel]!;
          reranker = await createCrossEncoder({
            model: entry.model,
            dtype: entry.dtype,
            stageId: config.rerankModel,
            ...(entry.maxLength === undefined ? {} : { maxLength: entry.maxLength }),
            ...crossEncoderSettings,
          });
          const loaded = reranker;
          disposers.push(() => loaded.dispose());
        }
      }
    }

    let cascade: Cascade | undefined;
    if (corpusPath !== undefined && cascadeConfig !== undefined) {
      if (cascadeConfig.retrieval.retriever !== 'bm25') {
        throw new InvalidConfigError({
          component: 'serve',
          issues: [
            {
              path: 'cascade.retrieval.retriever',
              message: `sieve serve indexes the corpus with BM25; '${cascadeConfig.retrieval.retriever}' is not served yet (use bm25, or createServer with your own cascade)`,
            },
          ],
        });
      }
      const documents = await readCorpus(corpusPath);
      const bm25 = createBm25Retriever();
      bm25.add(documents);
      context.print(`indexed ${documents.length} documents of ${corpusPath} with BM25`);
      const stageScorers = config === undefined && reranker !== undefined ? { reranker } : scorers;
      cascade = createCascadeFromConfig(cascadeConfig, {
        scorers: stageScorers,
        retrievers: { bm25 },
        documentStore: createMemoryDocumentStore(documents),
      });
    } else if (corpusPath === undefined) {
      context.warn('sieve serve: no --corpus (or config corpus): /search answers 404');
    }

    const server: ServerSettings['batching'] = {
      ...config?.server?.batching,
      ...(options.crossRequest === undefined ? {} : { crossRequest: options.crossRequest }),
    };
    const sieveServer = createServer({
      ...(reranker ? { reranker } : {}),
      ...(cascade ? { cascade } : {}),
      ...config?.server,
      batching: server,
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      versions: versions(),
    });
    const { url } = await sieveServer.listen({
      port: options.port ?? config?.port ?? 8080,
      host: options.host ?? config?.host ?? '127.0.0.1',
    });
    context.print(`sieve serve: listening on ${url}`);
    context.print(
      `  ${reranker ? `POST ${url}/rerank, /v1/rerank, /v2/rerank (${reranker.modelId}, ${reranker.dtype})` : 'no reranker'}; ${cascade ? `POST ${url}/search` : 'no /search'}; GET /health /ready /metrics /info /openapi.json`,
    );
    options.onListening?.(url);

    const stoppedBy = await new Promise<string>((resolve) => {
      const stop = (reason: string) => () => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        resolve(reason);
      };
      const onTerm = stop('SIGTERM');
      const onInt = stop('SIGINT');
      process.once('SIGTERM', onTerm);
      process.once('SIGINT', onInt);
      options.abortSignal?.addEventListener('abort', stop('aborted'), { once: true });
    });
    context.print(`sieve serve: ${stoppedBy}: draining in-flight requests`);
    await sieveServer.close();
    context.print('sieve serve: stopped');
    return { url, stoppedBy };
  } finally {
    await disposeAll();
  }
}
