/**
 * The machine's GEMM roofline through ONNX Runtime: fp32 MatMul and int8 (DynamicQuantizeLinear +
 * MatMulInteger, as the quantized models run it) at the models' shapes, 1 and 2 threads.
 *
 * npm run bench -- gemm        (graphs from: npm run models -- gemm)
 */
import { existsSync } from 'node:fs';
import { loadOnnxRuntime } from '@sieve/rerank';
import { saveResult } from './cli.js';
import { describeMachine } from './machine.js';
import { benchModelsDir } from './paths.js';

export interface GemmRow {
  dtype: 'fp32' | 'int8';
  m: number;
  k: number;
  n: number;
  threads: number;
  gops: number;
}

const shapes: Array<[number, number]> = [
  [384, 384],
  [384, 1536],
  [1536, 384],
  [128, 512],
];

/** Measures every GEMM graph; returns the rows, or undefined when the graphs are missing. */
export async function measureGemm(
  options: { m?: number; seconds?: number; quiet?: boolean } = {},
): Promise<GemmRow[] | undefined> {
  const folder = `${benchModelsDir}/gemm`;
  if (!existsSync(folder)) {
    console.error(`[bench] no GEMM graphs in ${folder}: run npm run models -- gemm`);
    return undefined;
  }
  const ort = await loadOnnxRuntime();
  const m = options.m ?? 512;
  const seconds = options.seconds ?? 1;
  const rows: GemmRow[] = [];
  for (const dtype of ['fp32', 'int8'] as const) {
    for (const [k, n] of shapes) {
      for (const threads of [1, 2]) {
        const session = await ort.InferenceSession.create(`${folder}/${dtype}-${k}x${n}.onnx`, {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        });
        const input = new ort.Tensor(
          'float32',
          Float32Array.from({ length: m * k }, (_, index) => Math.sin(index) * 0.5),
          [m, k],
        );
        for (let warm = 0; warm < 3; warm++) await session.run({ x: input });
        let runs = 0;
        const started = performance.now();
        while (performance.now() - started < seconds * 1000) {
          await session.run({ x: input });
          runs += 1;
        }
        const elapsed = (performance.now() - started) / 1000;
        const row: GemmRow = {
          dtype,
          m,
          k,
          n,
          threads,
          gops: (2 * m * k * n * runs) / elapsed / 1e9,
        };
        rows.push(row);
        if (!options.quiet)
          console.log(
            `${dtype}  ${m}x${k} . ${k}x${n}  threads ${threads}  ${row.gops.toFixed(1).padStart(7)} GOP/s`,
          );
        await session.release();
      }
    }
  }
  return rows;
}

/** Best GOP/s per dtype and thread count. */
export function rooflineOf(rows: readonly GemmRow[]): Record<string, number> {
  const best: Record<string, number> = {};
  for (const row of rows) {
    const key = `${row.dtype}/${row.threads}`;
    best[key] = Math.max(best[key] ?? 0, row.gops);
  }
  return best;
}

export async function benchGemm(): Promise<void> {
  const machine = describeMachine();
  console.log(
    `[bench] GEMM roofline on ${machine.cpuModel} (${machine.cores} cores), M = 512 tokens`,
  );
  const rows = await measureGemm();
  if (!rows) {
    process.exitCode = 1;
    return;
  }
  const roofline = rooflineOf(rows);
  console.log(
    '\nbest GOP/s:',
    Object.entries(roofline)
      .map(([key, gops]) => `${key} ${gops.toFixed(0)}`)
      .join(', '),
  );
  saveResult('gemm', { benchmark: 'gemm', machine, rows, roofline });
}
