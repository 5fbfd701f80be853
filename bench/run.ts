/** npm run bench -- <rerank|gemm|dense|int8> [options] */
import { benchDense } from './dense.js';
import { benchGemm } from './gemm.js';
import { benchInt8 } from './int8.js';
import { benchRerank } from './rerank.js';

const benchmarks: Record<string, () => Promise<void>> = {
  rerank: benchRerank,
  gemm: benchGemm,
  dense: benchDense,
  int8: benchInt8,
};
const name = process.argv[2] ?? 'rerank';
const run = benchmarks[name];
if (!run) {
  console.error(`unknown benchmark '${name}'; available: ${Object.keys(benchmarks).join(', ')}`);
  process.exitCode = 2;
} else {
  await run();
}
