import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SieveDocument } from '@sieve/core';

/** The corpus as built into the package (dist/demo-corpus.json, written at build time). */
const bundledCorpus = fileURLToPath(new URL('./demo-corpus.json', import.meta.url));
/** The repository root, from src/ or dist/ of packages/cli. */
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The demo corpus: the copy built into the package, or, in a checkout, the documentation itself.
 */
export function loadDemoCorpus(): SieveDocument[] {
  if (existsSync(bundledCorpus)) {
    return JSON.parse(readFileSync(bundledCorpus, 'utf8')) as SieveDocument[];
  }
  return loadDocumentationCorpus(repositoryRoot);
}

/**
 * The demo corpus: Sieve's own documentation (README files and docs/), cut into passages at
 * headings and blank lines, so the demo ships with its data and needs no download.
 */
export function loadDocumentationCorpus(repoRoot: string): SieveDocument[] {
  const files = [
    'README.md',
    'CONTRIBUTING.md',
    ...readdirSync(join(repoRoot, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
    ...readdirSync(join(repoRoot, 'packages')).map((name) => `packages/${name}/README.md`),
  ];
  const passages: SieveDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(repoRoot, file), 'utf8');
    } catch {
      continue;
    }
    let heading = relative(repoRoot, join(repoRoot, file));
    let inCode = false;
    let buffer: string[] = [];
    const flush = (): void => {
      const body = buffer.join(' ').replace(/\s+/g, ' ').trim();
      if (body.length > 40)
        passages.push({ id: `${file}#${passages.length}`, title: heading, text: body });
      buffer = [];
    };
    for (const line of text.split('\n')) {
      if (line.startsWith('```')) {
        inCode = !inCode;
        continue;
      }
      if (inCode) continue;
      if (/^#+\s/.test(line)) {
        flush();
        heading = line.replace(/^#+\s*/, '');
      } else if (line.trim() === '') {
        flush();
      } else {
        buffer.push(line.replace(/^[-|*>\s]+/, ''));
      }
    }
    flush();
  }
  return passages;
}
