import { packageBuild } from '../../tools/tsup-package.js';

export default packageBuild({
  // The worker is its own entry: worker_threads loads it by file URL.
  entry: { index: 'src/index.ts', 'inference-worker': 'src/workers/inference-worker.ts' },
  dts: { entry: { index: 'src/index.ts' } },
  external: ['onnxruntime-node'],
});
