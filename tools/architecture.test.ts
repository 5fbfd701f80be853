// The layering of docs/architecture.md, enforced: which package may import which, in source and in
// package.json. A forbidden import fails the build here, with the file and the rule it breaks.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * spec (core) -> runtime (onnx) -> implementations (retrieval, rerank) -> composition (cascade)
 * -> serving and integrations (server: HTTP; langchain, llamaindex, ai-sdk: framework adapters;
 * each over a structural scorer or a cascade) -> applications (cli). Each
 * package may import the packages listed here and nothing else of
 * Sieve's; heavy native modules only where listed.
 */
const allowed: Record<string, { sieve: string[]; native: string[] }> = {
  core: { sieve: [], native: [] },
  onnx: { sieve: ['core'], native: ['onnxruntime-node'] },
  retrieval: { sieve: ['core'], native: ['hnswlib-node'] },
  rerank: { sieve: ['core', 'onnx'], native: [] },
  postgres: { sieve: ['core'], native: [] },
  cascade: { sieve: ['core'], native: [] },
  server: { sieve: ['core', 'cascade'], native: [] },
  langchain: { sieve: ['core', 'cascade'], native: [] },
  llamaindex: { sieve: ['core', 'cascade'], native: [] },
  'ai-sdk': { sieve: ['core', 'cascade'], native: [] },
  cli: {
    sieve: ['core', 'onnx', 'retrieval', 'rerank', 'cascade', 'server', 'postgres'],
    native: [],
  },
};
const nativeModules = ['onnxruntime-node', 'hnswlib-node'];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.includes('__fixtures__'));
}

/**
 * Module specifiers of static imports, re-exports, dynamic imports and `typeof import(...)`, with
 * comments (TSDoc examples) left out.
 */
function importedModules(text: string): string[] {
  const source = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = new Set<string>();
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]/g,
    /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g,
    /import\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) found.add(match[1]!);
  }
  return [...found];
}

/** The package an import names: `@sieve/core/test` -> `core`; a native module by its name. */
function importedPackage(specifier: string): string | undefined {
  const sieve = /^@sieve\/([^/]+)/.exec(specifier);
  if (sieve) return sieve[1];
  return nativeModules.find((name) => specifier === name || specifier.startsWith(`${name}/`));
}

describe('package layering', () => {
  it('knows every package in packages/', () => {
    const packages = readdirSync(join(root, 'packages')).sort();
    expect(packages).toEqual(Object.keys(allowed).sort());
  });

  for (const [name, rule] of Object.entries(allowed)) {
    it(`${name} imports only ${[...rule.sieve, ...rule.native].join(', ') || 'no other Sieve package'} in its sources`, () => {
      const violations: string[] = [];
      for (const file of sourceFiles(join(root, 'packages', name, 'src'))) {
        // Tests may use real implementations below them (an end-to-end cascade test with ONNX
        // cross-encoders); what ships is the non-test source.
        if (/\.test\.ts$/.test(file)) continue;
        for (const specifier of importedModules(readFileSync(file, 'utf8'))) {
          const target = importedPackage(specifier);
          if (target === undefined || target === name) continue;
          if (![...rule.sieve, ...rule.native].includes(target)) {
            violations.push(`${relative(root, file)} imports '${specifier}'`);
          }
        }
      }
      expect(violations).toEqual([]);
    });

    it(`${name} declares only allowed Sieve packages as dependencies`, () => {
      const manifest = JSON.parse(
        readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'),
      ) as Record<string, Record<string, string> | undefined>;
      const declared = [
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ]
        .map(importedPackage)
        .filter((target): target is string => target !== undefined);
      const forbidden = declared.filter(
        (target) => ![...rule.sieve, ...rule.native].includes(target),
      );
      expect(forbidden).toEqual([]);
    });
  }

  it('finds the imports it checks (a forbidden import would be seen)', () => {
    const sample = [
      "import { createCrossEncoder } from '@sieve/rerank';",
      "export { x } from '@sieve/onnx';",
      "import type { A } from '@sieve/retrieval';",
      "const ort = await import('onnxruntime-node');",
      "type M = typeof import('hnswlib-node');",
      "import '@sieve/cascade';",
      "/** @example import('@sieve/cli') */",
    ].join('\n');
    expect(importedModules(sample).map(importedPackage)).toEqual([
      'rerank',
      'onnx',
      'retrieval',
      'cascade',
      'onnxruntime-node',
      'hnswlib-node',
    ]);
  });
});
