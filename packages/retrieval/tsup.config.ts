import { packageBuild } from '../../tools/tsup-package.js';

// An optional peer, imported lazily: never bundled.
export default packageBuild({ external: ['hnswlib-node'] });
