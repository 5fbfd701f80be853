import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The CLI's layers, lowest first. A source file may import its own layer and the layers below,
 * never one above, and the imports (type-only ones included: a type is a dependency too) form no
 * cycle. Tests are left out: they sit on top and may reach anything.
 */
const layers = [
  // Where a command reads, writes and talks; progress bars; the machine; small shared checks.
  { name: 'support', folders: ['support'] },
  // Result types and result files on disk.
  { name: 'results', folders: ['results'] },
  // Renderers: strings from result types, no file access, no knowledge of who produced them.
  { name: 'charts', folders: ['charts'] },
  // What loads data for users and for the benchmarks alike: `sieve index` (bench postgres
  // measures its own path).
  { name: 'operations', folders: ['index-command'] },
  // What measures: the benchmarks, the evaluation and the tuner.
  { name: 'measurements', folders: ['bench', 'evaluate', 'tune'] },
  // The commands and the public surface: the files directly in src/, and `sieve serve`.
  { name: 'commands', folders: ['.', 'serve'] },
] as const;

type Graph = ReadonlyMap<string, readonly string[]>;

const sourceRoot = fileURLToPath(new URL('.', import.meta.url));

/** Every non-test source file under src/, relative to it, with the files it imports. */
function importGraph(root: string): Map<string, string[]> {
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((file) => file.split('\\').join('/'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .filter((file) => !file.includes('__fixtures__/'))
    .sort();
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    // TypeScript's own scanner: import and export declarations, `import type`, dynamic imports;
    // comments and strings that merely look like imports are not counted.
    const imports = ts
      .preProcessFile(text, true, true)
      .importedFiles.map((reference) => reference.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) =>
        relative(root, resolve(root, dirname(file), specifier))
          .split('\\')
          .join('/')
          .replace(/\.js$/, '.ts'),
      );
    graph.set(file, [...new Set(imports)].sort());
  }
  return graph;
}

/** The layer index of a file, or -1 when its folder belongs to no layer. */
function layerOf(file: string): number {
  const folder = file.includes('/') ? file.slice(0, file.indexOf('/')) : '.';
  return layers.findIndex((layer) => (layer.folders as readonly string[]).includes(folder));
}

/** `a -> b` for every import of a file from a layer above its own. */
function upwardImports(graph: Graph): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    for (const target of imports) {
      if (layerOf(target) > layerOf(file)) {
        found.push(
          `${file} (${layers[layerOf(file)]?.name}) -> ${target} (${layers[layerOf(target)]?.name})`,
        );
      }
    }
  }
  return found;
}

/** Each import cycle once, as `a -> b -> ... -> a`. */
function importCycles(graph: Graph): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    const open = path.indexOf(file);
    if (open >= 0) {
      cycles.push([...path.slice(open), file].join(' -> '));
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) visit(file);
  return cycles;
}

describe('the CLI source layers', () => {
  const graph = importGraph(sourceRoot);

  it('reads the sources and resolves every relative import to a source file', () => {
    expect(graph.size).toBeGreaterThan(20);
    const dangling = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => !existsSync(join(sourceRoot, target)))
        .map((target) => `${file} -> ${target}`),
    );
    expect(dangling).toEqual([]);
  });

  it('puts every source file in a layer', () => {
    expect([...graph.keys()].filter((file) => layerOf(file) < 0)).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('never imports a higher layer (charts and results know no command)', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('catches the cycle the layers replaced: bench -> charts -> evaluate -> charts', () => {
    const old: Graph = new Map([
      ['bench/rerank.ts', ['charts/render-result-charts.ts']],
      ['charts/render-result-charts.ts', ['bench/rerank.ts', 'evaluate/run-evaluation.ts']],
      ['evaluate/run-evaluation.ts', ['charts/render-result-charts.ts']],
    ]);
    expect(importCycles(old)).toEqual([
      'bench/rerank.ts -> charts/render-result-charts.ts -> bench/rerank.ts',
      'charts/render-result-charts.ts -> evaluate/run-evaluation.ts -> charts/render-result-charts.ts',
    ]);
    expect(upwardImports(old)).toEqual([
      'charts/render-result-charts.ts (charts) -> bench/rerank.ts (measurements)',
      'charts/render-result-charts.ts (charts) -> evaluate/run-evaluation.ts (measurements)',
    ]);
  });
});
