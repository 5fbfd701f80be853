import { packageBuild } from '../../tools/tsup-package.js';

export default packageBuild({
  entry: { index: 'src/index.ts', 'test/index': 'src/test/index.ts' },
  external: ['vitest'],
});
