import { createLazyImport } from '@sieve/core';

/** The part of `hnswlib-node` Sieve uses. */
export interface HnswIndex {
  initIndex(
    maxElements: number,
    m?: number,
    efConstruction?: number,
    randomSeed?: number,
    allowReplaceDeleted?: boolean,
  ): void;
  readIndex(filename: string, allowReplaceDeleted?: boolean): Promise<boolean>;
  writeIndex(filename: string): Promise<boolean>;
  resizeIndex(newMaxElements: number): void;
  addPoint(point: number[], label: number): void;
  markDelete(label: number): void;
  searchKnn(
    queryPoint: number[],
    numNeighbors: number,
    filter?: (label: number) => boolean,
  ): { distances: number[]; neighbors: number[] };
  getMaxElements(): number;
  getCurrentCount(): number;
  setEf(ef: number): void;
}

/** The `hnswlib-node` module, as far as Sieve uses it. */
export interface HnswLib {
  HierarchicalNSW: new (space: 'cosine' | 'ip' | 'l2', dimensions: number) => HnswIndex;
}

/** Imports `hnswlib-node` on first use, or returns the injected module; a failure is typed. */
export const loadHnswLib: (injected?: HnswLib) => Promise<HnswLib> = createLazyImport({
  component: 'retrieval',
  packageName: 'hnswlib-node',
  fix: 'install it (npm install hnswlib-node; it compiles with node-gyp), or pass hnswlib',
  load: () => import('hnswlib-node'),
  pick: (loaded) => {
    const module = loaded as HnswLib & { default?: HnswLib };
    return module.HierarchicalNSW ? module : module.default!;
  },
});
