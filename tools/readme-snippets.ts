/**
 * Compiles and runs the TypeScript snippets of every README, so that a snippet cannot rot: see
 * `readme-snippets.test.ts`. The fenced `ts` blocks of one README form one program, in order
 * (CONTRIBUTING.md). Programs are written under `.cache/readme-snippets/` (git-ignored) inside the
 * repository, so `@sieve/*` resolve through the workspace's node_modules to each package's built
 * `dist/`, exactly as a user's code resolves them.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** One fenced TypeScript block of a README. */
export interface SnippetBlock {
  /** 1-based position among the README's TypeScript blocks. */
  index: number;
  /** 1-based README line of the block's first code line. */
  line: number;
  code: string;
  /** False for a block marked `no-run` (type-checked only; the README must say why). */
  run: boolean;
}

/** Words a block's info string may carry after `ts`. */
const blockAttributes = new Set(['no-run']);

/** Folders never searched for READMEs. */
const skippedFolders = new Set(['node_modules', 'dist', 'coverage']);

/** Every README.md of the repository, root first, outside node_modules, build and dot folders. */
export function findReadmes(root: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    const entries = readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      if (entry.isFile() && entry.name === 'README.md') found.push(join(folder, entry.name));
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || skippedFolders.has(entry.name)) {
        continue;
      }
      walk(join(folder, entry.name));
    }
  };
  walk(root);
  return found.map((path) => relative(root, path));
}

/**
 * The fenced TypeScript blocks (```ts or ```typescript) of a Markdown text. A block's info
 * string may add `no-run`; any other word is an error, so a typo cannot silently skip a block.
 */
export function extractBlocks(markdown: string): SnippetBlock[] {
  const lines = markdown.split('\n');
  const blocks: SnippetBlock[] = [];
  let fence:
    | { marker: string; indent: number; typescript: boolean; run: boolean; start: number }
    | undefined;
  let body: string[] = [];
  lines.forEach((text, lineIndex) => {
    if (fence === undefined) {
      const opening = /^( *)(`{3,}|~{3,})\s*(.*)$/.exec(text);
      if (!opening) return;
      const [language = '', ...attributes] = (opening[3] ?? '').trim().split(/\s+/);
      const typescript = language === 'ts' || language === 'typescript';
      if (typescript) {
        const unknown = attributes.filter((word) => !blockAttributes.has(word));
        if (unknown.length > 0) {
          throw new Error(
            `line ${lineIndex + 1}: unknown block attribute ${unknown.join(', ')} (known: ${[...blockAttributes].join(', ')})`,
          );
        }
      }
      fence = {
        marker: opening[2]!,
        indent: opening[1]!.length,
        typescript,
        run: !attributes.includes('no-run'),
        start: lineIndex + 2,
      };
      body = [];
      return;
    }
    if (text.trim().startsWith(fence.marker) && text.trim().replace(/[`~]/g, '') === '') {
      if (fence.typescript) {
        blocks.push({
          index: blocks.length + 1,
          line: fence.start,
          code: body.join('\n'),
          run: fence.run,
        });
      }
      fence = undefined;
      return;
    }
    // A fence indented in a list item indents its code as much.
    body.push(text.replace(new RegExp(`^ {0,${fence.indent}}`), ''));
  });
  if (fence !== undefined) throw new Error(`line ${fence.start - 1}: code fence is never closed`);
  return blocks;
}

/** Where a program line came from. */
export interface SourceOrigin {
  readme: string;
  /** 1-based block number, or undefined for a line the program adds. */
  block: number | undefined;
  /** 1-based README line. */
  readmeLine: number | undefined;
}

/** A README's blocks as one program: what is type-checked, and what runs. */
export interface SnippetProgram {
  readme: string;
  blocks: SnippetBlock[];
  /** Every block, in order (type-checked). */
  typecheckSource: string;
  /** The same lines with `no-run` blocks commented out, so line numbers agree. */
  runSource: string;
  /** Origin of a 1-based program line. */
  origin(line: number): SourceOrigin;
}

/** Joins a README's blocks into one program, each under a comment naming its block. */
export function buildProgram(readme: string, blocks: SnippetBlock[]): SnippetProgram {
  const typecheckLines: string[] = [];
  const runLines: string[] = [];
  const origins: SourceOrigin[] = [];
  const add = (text: string, runText: string, origin: SourceOrigin): void => {
    typecheckLines.push(text);
    runLines.push(runText);
    origins.push(origin);
  };
  for (const block of blocks) {
    const header = `// ${readme}, block ${block.index} (line ${block.line})${block.run ? '' : ', no-run'}`;
    add(header, header, { readme, block: block.index, readmeLine: block.line - 1 });
    block.code.split('\n').forEach((text, offset) => {
      add(text, block.run ? text : `// ${text}`, {
        readme,
        block: block.index,
        readmeLine: block.line + offset,
      });
    });
  }
  // An export keeps a program without imports a module (top-level await needs one).
  add('export {};', 'export {};', { readme, block: undefined, readmeLine: undefined });
  return {
    readme,
    blocks,
    typecheckSource: `${typecheckLines.join('\n')}\n`,
    runSource: `${runLines.join('\n')}\n`,
    origin: (line) => origins[line - 1] ?? { readme, block: undefined, readmeLine: undefined },
  };
}

/** Names where the problem is: `README.md block 2 (line 41)`. */
export function describeOrigin(origin: SourceOrigin): string {
  return origin.block === undefined
    ? origin.readme
    : `${origin.readme} block ${origin.block} (line ${origin.readmeLine})`;
}

/** A hub model id and the local folder its cache entry points at. */
export interface HubFixture {
  modelId: string;
  folder: string;
}

/** The commit every fake cache entry is filed under. */
const fixtureCommit = '0'.repeat(40);

/**
 * Builds a Hugging Face hub cache (`models--org--name/refs/main`, `snapshots/<commit>/…`) whose
 * files are links to local folders, so hub ids resolve offline (`HF_HUB_OFFLINE=1`).
 */
export function createHubCache(cacheDir: string, fixtures: readonly HubFixture[]): void {
  rmSync(cacheDir, { recursive: true, force: true });
  const linkFiles = (from: string, to: string): void => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      if (entry.isDirectory()) linkFiles(join(from, entry.name), join(to, entry.name));
      else symlinkSync(join(from, entry.name), join(to, entry.name));
    }
  };
  for (const { modelId, folder } of fixtures) {
    const repoFolder = join(cacheDir, `models--${modelId.replaceAll('/', '--')}`);
    mkdirSync(join(repoFolder, 'refs'), { recursive: true });
    writeFileSync(join(repoFolder, 'refs', 'main'), fixtureCommit);
    linkFiles(folder, join(repoFolder, 'snapshots', fixtureCommit));
  }
}

/** A compiler diagnostic placed in its README. */
export interface SnippetDiagnostic {
  file: string;
  line: number;
  message: string;
}

/** Output of a finished child process. */
export interface ProcessOutput {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  timedOut: boolean;
}

/** Runs a command, collecting stdout and stderr together; kills it after `timeoutMs`. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, timedOut });
    });
  });
}

/**
 * Type-checks program files with the repository's TypeScript under the base tsconfig (strict),
 * in one compiler run, and returns the diagnostics by file (paths relative to `folder`).
 */
export async function typecheckPrograms(
  root: string,
  folder: string,
  files: readonly string[],
): Promise<{ diagnostics: SnippetDiagnostic[]; output: string }> {
  const tsconfig = join(folder, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    `${JSON.stringify(
      {
        extends: relative(folder, join(root, 'tsconfig.base.json')),
        compilerOptions: { noEmit: true, declaration: false, sourceMap: false },
        files: files.map((file) => relative(folder, file)),
      },
      null,
      2,
    )}\n`,
  );
  const result = await runCommand(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig, '--pretty', 'false'],
    { cwd: folder, timeoutMs: 180_000 },
  );
  const diagnostics: SnippetDiagnostic[] = [];
  let last: SnippetDiagnostic | undefined;
  for (const text of result.output.split('\n')) {
    const match = /^(.+?)\((\d+),\d+\): (error .*)$/.exec(text);
    if (match) {
      last = { file: match[1]!, line: Number(match[2]), message: match[3]! };
      diagnostics.push(last);
    } else if (last && text.startsWith(' ')) {
      last.message += `\n${text}`;
    }
  }
  if (result.code !== 0 && diagnostics.length === 0) {
    throw new Error(`tsc failed without diagnostics:\n${result.output}`);
  }
  return { diagnostics, output: result.output };
}

/** Writes a file, creating its folder. */
export function writeFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Reads a README. */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
