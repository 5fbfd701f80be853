import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the TypeScript sources of sibling packages, so a change in
// @sieve/core is seen by @sieve/cascade's tests without a rebuild.
const alias = {
  '@sieve/core/test': source('./packages/core/src/test/index.ts'),
  '@sieve/core': source('./packages/core/src/index.ts'),
  '@sieve/retrieval': source('./packages/retrieval/src/index.ts'),
  '@sieve/onnx': source('./packages/onnx/src/index.ts'),
  '@sieve/rerank': source('./packages/rerank/src/index.ts'),
  '@sieve/cascade': source('./packages/cascade/src/index.ts'),
  '@sieve/server': source('./packages/server/src/index.ts'),
  '@sieve/postgres': source('./packages/postgres/src/index.ts'),
  '@sieve/langchain': source('./packages/langchain/src/index.ts'),
  '@sieve/llamaindex': source('./packages/llamaindex/src/index.ts'),
  '@sieve/ai-sdk': source('./packages/ai-sdk/src/index.ts'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'tools/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.int.test.ts', 'tools/**/*.int.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
