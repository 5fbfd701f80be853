/** npm run bench -- <rerank|gemm> [options] */
import { benchGemm } from './gemm.js';
import { benchRerank } from './rerank.js';

const benchmarks: Record<string, () => Promise<void>> = { rerank: benchRerank, gemm: benchGemm };
const name = process.argv[2] ?? 'rerank';
const run = benchmarks[name];
if (!run) {
  console.error(`unknown benchmark '${name}'; available: ${Object.keys(benchmarks).join(', ')}`);
  process.exitCode = 2;
} else {
  await run();
}
