/**
 * Every fenced `ts` block of every README type-checks (strict, tsconfig.base.json) and runs
 * against the built packages. The blocks of one README form one program, in order
 * (CONTRIBUTING.md). Hub ids such as `Xenova/ms-marco-MiniLM-L-6-v2` resolve offline through a
 * Hugging Face cache whose entries point at the tiny committed fixtures of @sieve/onnx, so the
 * snippets keep the names users run; their scores mean nothing.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildProgram,
  createHubCache,
  describeOrigin,
  extractBlocks,
  findReadmes,
  readText,
  runCommand,
  type SnippetDiagnostic,
  type SnippetProgram,
  typecheckPrograms,
  writeFile,
} from './readme-snippets.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const workFolder = join(root, '.cache/readme-snippets');
const hubCache = join(workFolder, 'hub');
const fixtures = join(root, 'packages/onnx/src/__fixtures__');

/** The hub models the READMEs name, and the fixture standing in for each. */
const hubFixtures = [
  { modelId: 'Xenova/ms-marco-MiniLM-L-6-v2', folder: join(fixtures, 'tiny-bert-cross-encoder') },
  { modelId: 'Xenova/ms-marco-TinyBERT-L-2-v2', folder: join(fixtures, 'tiny-bert-cross-encoder') },
  { modelId: 'Xenova/all-MiniLM-L6-v2', folder: join(fixtures, 'tiny-bert-bi-encoder') },
];

/** A three-document BEIR folder at `./beir/scifact`, the path the CLI README evaluates. */
const beirFiles: Record<string, string> = {
  'beir/scifact/corpus.jsonl': [
    { _id: 'd1', title: 'Aspirin', text: 'Aspirin lowers the risk of stroke.' },
    { _id: 'd2', title: 'Statins', text: 'Statins reduce cholesterol in the blood.' },
    { _id: 'd3', title: 'Paris', text: 'The Eiffel tower is in Paris.' },
  ]
    .map((row) => JSON.stringify(row))
    .join('\n'),
  'beir/scifact/queries.jsonl': [
    { _id: 'q1', text: 'does aspirin prevent stroke?' },
    { _id: 'q2', text: 'do statins lower cholesterol?' },
  ]
    .map((row) => JSON.stringify(row))
    .join('\n'),
  'beir/scifact/qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n',
};

const readmes = findReadmes(root)
  .map((readme) => ({ readme, blocks: extractBlocks(readText(join(root, readme))) }))
  .filter(({ blocks }) => blocks.length > 0);

interface Prepared {
  program: SnippetProgram;
  folder: string;
  file: string;
}

const prepared = new Map<string, Prepared>();
let diagnostics: SnippetDiagnostic[] = [];

/** Builds every package (a cache hit when dist is current); retries once, as a concurrent build can race. */
async function buildPackages(): Promise<void> {
  let output = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const result = await runCommand(
      process.execPath,
      [join(root, 'node_modules/turbo/bin/turbo'), 'run', 'build', '--output-logs=errors-only'],
      { cwd: root, timeoutMs: 240_000 },
    );
    if (result.code === 0) return;
    output = result.output;
  }
  throw new Error(`the packages do not build (npx turbo run build):\n${output}`);
}

beforeAll(async () => {
  await buildPackages();
  rmSync(workFolder, { recursive: true, force: true });
  mkdirSync(workFolder, { recursive: true });
  createHubCache(hubCache, hubFixtures);
  for (const { readme, blocks } of readmes) {
    const folder = join(workFolder, readme.replace(/\/?README\.md$/, '') || 'root');
    const program = buildProgram(readme, blocks);
    const file = join(folder, 'readme.ts');
    writeFile(file, program.typecheckSource);
    for (const [path, text] of Object.entries(beirFiles)) writeFile(join(folder, path), text);
    prepared.set(readme, { program, folder, file });
  }
  ({ diagnostics } = await typecheckPrograms(
    root,
    workFolder,
    [...prepared.values()].map(({ file }) => file),
  ));
}, 600_000);

describe('extractBlocks', () => {
  it('takes ts and typescript blocks with their lines, indented ones too, and skips the rest', () => {
    const markdown = [
      '# Title', // 1
      '```sh', // 2
      'npm test', // 3
      '```', // 4
      '```ts', // 5
      'const a = 1;', // 6
      '```', // 7
      '- a list item:', // 8
      '', // 9
      '  ```typescript no-run', // 10
      '  const b = a;', // 11
      '  ```', // 12
    ].join('\n');
    expect(extractBlocks(markdown)).toEqual([
      { index: 1, line: 6, code: 'const a = 1;', run: true },
      { index: 2, line: 11, code: 'const b = a;', run: false },
    ]);
  });

  it('refuses an unknown block attribute and an unclosed fence', () => {
    expect(() => extractBlocks('```ts norun\nconst a = 1;\n```')).toThrow(
      /unknown block attribute norun/,
    );
    expect(() => extractBlocks('```ts\nconst a = 1;')).toThrow(/never closed/);
  });
});

describe('README snippets', () => {
  it('finds the READMEs with TypeScript blocks', () => {
    expect(readmes.map(({ readme }) => readme)).toContain('README.md');
  });

  it.each(readmes.map(({ readme }) => readme))(
    '%s type-checks and runs',
    async (readme) => {
      const { program, folder, file } = prepared.get(readme)!;
      const relativeFile = join(folder.slice(workFolder.length + 1), 'readme.ts');
      const errors = diagnostics
        .filter((diagnostic) => join(workFolder, diagnostic.file) === file)
        .map(
          (diagnostic) =>
            `${describeOrigin(program.origin(diagnostic.line))}: ${diagnostic.message}`,
        );
      if (errors.length > 0) {
        throw new Error(`${readme} does not type-check:\n${errors.join('\n')}`);
      }

      writeFile(file, program.runSource);
      const { INIT_CWD: _typedFrom, ...environment } = process.env;
      const result = await runCommand(process.execPath, ['--import', 'tsx', 'readme.ts'], {
        cwd: folder,
        env: { ...environment, HF_HUB_CACHE: hubCache, HF_HUB_OFFLINE: '1' },
        timeoutMs: 120_000,
      });
      if (result.code !== 0 || result.timedOut) {
        // The first frame in the program names the block (tsx maps lines back to the source).
        const frame = new RegExp(`${relativeFile.replaceAll('.', '\\.')}:(\\d+)`).exec(
          result.output,
        );
        const where = frame
          ? describeOrigin(program.origin(Number(frame[1])))
          : `${readme} (blocks 1-${program.blocks.length})`;
        const why = result.timedOut
          ? 'did not finish in 120 s (is every cross-encoder, embedder or cascade disposed?)'
          : `exited with ${result.code ?? result.signal}`;
        throw new Error(`${where} ${why}:\n${result.output.slice(-4000)}`);
      }
    },
    180_000,
  );
});
