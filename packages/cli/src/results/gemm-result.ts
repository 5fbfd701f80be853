import type { MachineInfo } from '../support/machine.js';

/** One measured GEMM shape. */
export interface GemmRow {
  dtype: 'fp32' | 'int8';
  m: number;
  k: number;
  n: number;
  threads: number;
  gops: number;
}

/** Best GOP/s per `dtype/threads`, e.g. `int8/2`. */
export type Roofline = Record<string, number>;

/** What `sieve bench gemm` saves. */
export interface GemmResult {
  benchmark: 'gemm';
  machine: MachineInfo;
  rows: GemmRow[];
  roofline: Roofline;
}
