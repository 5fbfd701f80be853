import { packageBuild } from '../../tools/tsup-package.js';

export default packageBuild();
