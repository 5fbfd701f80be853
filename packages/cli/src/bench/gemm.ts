/**
 * The machine's GEMM roofline through ONNX Runtime: fp32 MatMul and int8 (DynamicQuantizeLinear +
 * MatMulInteger, as the quantized models run it) at the models' shapes, 1 thread and all cores.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '@sieve/core';
import { loadOnnxRuntime } from '@sieve/onnx';
import type { GemmResult, GemmRow, Roofline } from '../results/gemm-result.js';
import { latestResult } from '../results/read-result.js';
import { saveResult } from '../results/save-result.js';
import type { CliContext } from '../support/cli-context.js';
import { describeMachine, machineLine } from '../support/machine.js';

const shapes: Array<[number, number]> = [
  [384, 384],
  [384, 1536],
  [1536, 384],
  [128, 512],
];

/** Measures every GEMM graph in `<modelsDir>/gemm`; undefined when the graphs are missing. */
export async function measureGemm(
  context: Pick<CliContext, 'modelsDir' | 'print' | 'progress'>,
  options: { m?: number; seconds?: number; quiet?: boolean } = {},
): Promise<GemmRow[] | undefined> {
  const folder = `${context.modelsDir}/gemm`;
  if (!existsSync(folder)) return undefined;
  const ort = await loadOnnxRuntime();
  const m = options.m ?? 512;
  const seconds = options.seconds ?? 1;
  const threadCounts = [...new Set([1, availableParallelism()])];
  const rows: GemmRow[] = [];
  const progress = context.progress('gemm', 2 * shapes.length * threadCounts.length);
  for (const dtype of ['fp32', 'int8'] as const) {
    for (const [k, n] of shapes) {
      for (const threads of threadCounts) {
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
        progress.tick();
        if (!options.quiet) {
          context.print(
            `${dtype}  ${m}x${k} . ${k}x${n}  threads ${threads}  ${row.gops.toFixed(1).padStart(7)} GOP/s`,
          );
        }
        await session.release();
      }
    }
  }
  progress.done();
  return rows;
}

/** Best GOP/s per dtype and thread count. */
export function rooflineOf(rows: readonly GemmRow[]): Roofline {
  const best: Roofline = {};
  for (const row of rows) {
    const key = `${row.dtype}/${row.threads}`;
    best[key] = Math.max(best[key] ?? 0, row.gops);
  }
  return best;
}

const isGemmResult = (value: unknown): value is GemmResult =>
  typeof value === 'object' &&
  value !== null &&
  (value as GemmResult).benchmark === 'gemm' &&
  typeof (value as GemmResult).roofline === 'object';

/**
 * This machine's GEMM rates for a result: the newest saved `gemm` result from the same CPU and
 * core count, or a quick measurement (saved for next time); undefined when the GEMM graphs are
 * missing (the caller says how to get them).
 */
export async function machineRoofline(context: CliContext): Promise<Roofline | undefined> {
  const machine = describeMachine();
  const saved = latestResult(
    context,
    'gemm',
    (value): value is GemmResult =>
      isGemmResult(value) &&
      value.machine.cpuModel === machine.cpuModel &&
      value.machine.cores === machine.cores,
  );
  if (saved) return saved.roofline;
  const rows = await measureGemm(context, { seconds: 0.3, quiet: true });
  if (!rows) {
    context.warn(
      `[sieve] no GEMM graphs in ${context.modelsDir}/gemm, so results carry no roofline: run npm run models -- gemm`,
    );
    return undefined;
  }
  const roofline = rooflineOf(rows);
  saveResult(context, 'gemm', { benchmark: 'gemm', machine, rows, roofline } satisfies GemmResult);
  return roofline;
}

/** `sieve bench gemm`: measures and saves the roofline. */
export async function benchGemm(context: CliContext): Promise<GemmResult> {
  const machine = describeMachine();
  context.print(`GEMM roofline on ${machineLine(machine)}, M = 512 tokens`);
  const rows = await measureGemm(context);
  if (!rows) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'models',
      message: `no GEMM graphs in ${context.modelsDir}/gemm: run npm run models -- gemm (or pass --models DIR)`,
    });
  }
  const roofline = rooflineOf(rows);
  context.print(
    `\nbest GOP/s: ${Object.entries(roofline)
      .map(([key, gops]) => `${key} ${gops.toFixed(0)}`)
      .join(', ')}`,
  );
  const result: GemmResult = { benchmark: 'gemm', machine, rows, roofline };
  saveResult(context, 'gemm', result);
  return result;
}
