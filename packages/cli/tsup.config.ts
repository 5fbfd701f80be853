import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'tsup';
import { loadDocumentationCorpus } from './src/demo-corpus.js';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The demo ships with its corpus: Sieve's documentation, cut into passages at build time.
  onSuccess: async () => {
    const root = resolve(process.cwd(), '../..');
    writeFileSync('dist/demo-corpus.json', JSON.stringify(loadDocumentationCorpus(root)));
  },
});
