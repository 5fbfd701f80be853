import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { packageBuild } from '../../tools/tsup-package.js';
import { loadDocumentationCorpus } from './src/demo-corpus.js';

export default packageBuild({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
    // The load generator of `sieve bench serve` runs in a process of its own.
    'serve-load-child': 'src/bench/serve-load-child.ts',
  },
  dts: { entry: { index: 'src/index.ts' } },
  // The demo ships with its corpus: Sieve's documentation, cut into passages at build time.
  onSuccess: async () => {
    const root = resolve(process.cwd(), '../..');
    writeFileSync('dist/demo-corpus.json', JSON.stringify(loadDocumentationCorpus(root)));
  },
});
