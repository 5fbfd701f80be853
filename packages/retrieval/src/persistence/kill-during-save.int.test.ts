import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IndexFormatError } from '@sieve/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type Bm25Retriever, loadBm25Retriever } from '../bm25/bm25-retriever.js';

const bm25Module = fileURLToPath(new URL('../bm25/bm25-retriever.ts', import.meta.url));
const KILLS = 20;
const DOCUMENTS = 20_000;
const SEED = 20_240_601;

/**
 * The child: builds a BM25 index of DOCUMENTS generated documents, then saves it to `path` again
 * and again, each version with one marker document (`run<run>v<version>`, found by the query
 * `zzmarker`) in place of the previous one, and prints `saved <version>` after each save.
 */
const childScript = (path: string, run: number): string => `
  const { createBm25Retriever } = await import(${JSON.stringify(bm25Module)});
  const words = ['aspirin', 'stroke', 'risk', 'heart', 'statin', 'blood', 'pressure', 'trial',
    'dose', 'patients', 'cohort', 'placebo', 'outcome', 'vitamin', 'cancer', 'gene'];
  const bm25 = createBm25Retriever();
  bm25.add(Array.from({ length: ${DOCUMENTS} }, (_, index) => ({
    id: 'doc' + index,
    text: Array.from({ length: 12 }, (_, word) => words[(index * 7 + word * 13) % words.length] + ((index + word) % 97)).join(' '),
  })));
  process.stdout.write('ready\\n');
  let previous;
  for (let version = 1; ; version++) {
    const marker = 'run${run}v' + version;
    if (previous) bm25.remove([previous]);
    bm25.add([{ id: marker, text: 'zzmarker ' + marker }]);
    previous = marker;
    await bm25.save(${JSON.stringify(path)});
    process.stdout.write('saved ' + version + '\\n');
  }
`;

/** Deterministic delays (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Starts a child; resolves once it built its index. `saved()` is the last version it reported. */
function startChild(
  path: string,
  run: number,
): Promise<{ child: ChildProcess; saved: () => number; exited: Promise<unknown> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', childScript(path, run)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let saved = 0;
  let output = '';
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n').slice(0, -1)) {
        if (line === 'ready') resolve({ child, saved: () => saved, exited });
        const match = /^saved (\d+)$/.exec(line);
        if (match) saved = Number(match[1]);
      }
      output = output.slice(output.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited (${code ?? signal}): ${errors}`));
    });
  });
}

/** The marker of a loaded index: which version it is. */
async function markerOf(retriever: Bm25Retriever): Promise<string> {
  const found = await retriever.doRetrieve({ query: 'zzmarker', topK: 5 });
  expect(found).toHaveLength(1);
  return found[0]!.id;
}

describe('kill -9 while saving a BM25 index', () => {
  const folder = mkdtempSync(join(tmpdir(), 'sieve-kill-save-'));
  const path = join(folder, 'index.json');
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it(`${KILLS} SIGKILLs at seeded random points: the last complete version always loads`, async () => {
    const next = random(SEED);
    const killPoints: Array<{ run: number; delayMs: number; savedBefore: number }> = [];
    let midSave = 0;
    let previous: string | undefined;
    for (let run = 0; run <= KILLS; run++) {
      const filesBefore = readdirSync(folder).length;
      const { child, saved, exited } = await startChild(path, run);
      // Run 0 only lays down a first complete version to protect.
      if (run === 0) {
        while (saved() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const delayMs = run === 0 ? 0 : Math.floor(next() * 600);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill('SIGKILL');
      await exited;
      const savedBefore = saved();
      if (run > 0) killPoints.push({ run, delayMs, savedBefore });
      // A new temporary file: the kill came between its open and its rename (mid-write).
      if (run > 0 && readdirSync(folder).length > Math.max(filesBefore, 1)) midSave += 1;

      // The index loads (readChecked verified its checksum) and is one complete version: the
      // last one reported, the one being saved when the kill came, or the previous run's.
      const loaded = await loadBm25Retriever(path);
      expect(loaded.size).toBe(DOCUMENTS + 1);
      expect(loaded.has('doc0') && loaded.has(`doc${DOCUMENTS - 1}`)).toBe(true);
      const marker = await markerOf(loaded);
      const allowed =
        savedBefore === 0
          ? [previous, `run${run}v1`]
          : [`run${run}v${savedBefore}`, `run${run}v${savedBefore + 1}`];
      expect(allowed).toContain(marker);
      previous = marker;
    }

    // Temporary files of killed saves stay beside the index under their own names; none is the
    // index, and each one is either a complete version or rejected as a typed error.
    const leftovers = readdirSync(folder).filter((name) => name !== 'index.json');
    for (const name of leftovers) {
      expect(name).toMatch(/^index\.json\.\d+\.\d+\.tmp$/);
      const outcome = await loadBm25Retriever(join(folder, name)).then(
        (retriever) => retriever.size,
        (error: unknown) => error,
      );
      if (typeof outcome === 'number') expect(outcome).toBe(DOCUMENTS + 1);
      else expect(IndexFormatError.isInstance(outcome)).toBe(true);
    }
    console.log(
      `kill -9 during BM25 saves: ${KILLS} kills (seed ${SEED}), ${midSave} left a temporary file, ${leftovers.length} temporary files; kill points ${JSON.stringify(killPoints)}`,
    );
    expect(killPoints).toHaveLength(KILLS);
    // The seeded points do cut writes in the middle (else the test would prove little).
    expect(midSave).toBeGreaterThan(0);
  }, 180_000);
});
