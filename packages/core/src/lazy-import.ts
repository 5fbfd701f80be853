import { DependencyLoadError } from './errors/dependency-load-error.js';

/** What {@link createLazyImport} needs to import a heavy optional dependency. */
export interface LazyImportOptions<Module> {
  /** Who asks, for the error message: `rerank`, `retrieval`. */
  component: string;
  /** The npm package, for the error. */
  packageName: string;
  /** How to fix a failed import, e.g. `install it (npm install x), or pass x`. */
  fix: string;
  /** The import itself, written by the caller so bundlers see a literal specifier. */
  load: () => Promise<unknown>;
  /** Picks the module's API out of what `load` returned (ESM namespace or CommonJS default). */
  pick: (loaded: unknown) => Module;
}

/**
 * Returns a loader that imports a heavy dependency on first use (never at module load), caches
 * it, returns an injected module instead when given one, and turns a failed import into a
 * {@link DependencyLoadError} (a later call tries again).
 *
 * @example
 * ```ts
 * const loadOnnxRuntime = createLazyImport({
 *   component: 'rerank', packageName: 'onnxruntime-node', fix: 'npm install onnxruntime-node',
 *   load: () => import('onnxruntime-node'), pick: (module) => module as OnnxRuntime,
 * });
 * ```
 */
export function createLazyImport<Module>(
  options: LazyImportOptions<Module>,
): (injected?: Module) => Promise<Module> {
  let cached: Promise<Module> | undefined;
  return (injected) => {
    if (injected) return Promise.resolve(injected);
    cached ??= options.load().then(options.pick, (error: unknown) => {
      cached = undefined;
      throw new DependencyLoadError({
        component: options.component,
        packageName: options.packageName,
        message: `cannot load ${options.packageName} (${(error as Error)?.message ?? String(error)}): ${options.fix}`,
        cause: error,
      });
    });
    return cached;
  };
}
