import { defineConfig, type Options } from 'tsup';

/**
 * The build every Sieve package shares (ESM for Node 20 with types and source maps); a package
 * passes what differs: more entries, externals, a build step of its own.
 */
export function packageBuild(options: Options = {}) {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    ...options,
  });
}
