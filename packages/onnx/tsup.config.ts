import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker is its own entry: worker_threads loads it by file URL.
  entry: {
    index: 'src/index.ts',
    'inference-worker': 'src/workers/inference-worker.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['onnxruntime-node'],
});
