// `npm run models -- distill` as a user runs it, on a small sample: a tiny teacher made from the
// committed fixture's config and vocabulary, a small BEIR-shaped corpus, a few training steps. The
// student it writes loads and scores through createCrossEncoder; bad input exits 2 and writes
// nothing. The student's quality is a benchmark figure (docs/distill.md), not a test.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrossEncoder } from '@sieve/rerank';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fixture,
  makeTinyCheckpoint,
  modelToolsRun,
  python,
  runModelsTool,
} from './model-tools-test-support.js';

if (!modelToolsRun) {
  console.warn('[tools] skipping distill tests: tools/.venv is absent (npm run models makes it)');
}

const distill = (...args: string[]) => runModelsTool('distill', ...args);

const topics = [
  'aspirin heart attack risk',
  'cancer cell tumor growth',
  'brain memory sleep',
  'virus infection immune response',
  'diet sugar weight',
  'water river city',
];

interface Agreement {
  kendallTau: number;
  top10Overlap: number;
  queries: number;
}

interface Report {
  student: { kind: string; layers: number; hidden: number; maxLength: number };
  data: {
    chosen: Record<string, number>;
    excludedTestJudgedDocuments?: number;
    trainQueries: number;
    heldOutQueries: number;
  };
  training: { steps: number; losses: { loss: number }[] };
  agreement: { student: Agreement; studentInt8Onnx: Agreement; bm25Order: Agreement };
  msPerPair: Record<string, number | string>;
}

describe.skipIf(!modelToolsRun)('npm run models -- distill', () => {
  let work = '';
  let teacher = '';
  let beir = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sieve-distill-'));
    teacher = join(work, 'teacher');
    makeTinyCheckpoint(python, fixture, teacher);

    // A BEIR folder: 24 documents, train and test queries; documents 0-3 are judged in test.
    beir = join(work, 'beir');
    mkdirSync(join(beir, 'qrels'), { recursive: true });
    const documents = Array.from({ length: 24 }, (_, index) => {
      const words = topics[index % topics.length]!.split(' ');
      return {
        _id: `d${index}`,
        title: `${words.slice(0, 3).join(' ')} study ${index}`,
        text: Array.from({ length: 20 }, (_, at) => words[(at * (index + 1)) % words.length]).join(
          ' ',
        ),
      };
    });
    writeFileSync(
      join(beir, 'corpus.jsonl'),
      `${documents.map((row) => JSON.stringify(row)).join('\n')}\n`,
    );
    const queries = topics.map((text, index) => ({ _id: `q${index}`, text }));
    writeFileSync(
      join(beir, 'queries.jsonl'),
      `${queries.map((row) => JSON.stringify(row)).join('\n')}\n`,
    );
    writeFileSync(
      join(beir, 'qrels/train.tsv'),
      'query-id\tcorpus-id\tscore\nq2\td8\t1\nq3\td9\t1\nq4\td10\t1\nq5\td11\t1\n',
    );
    writeFileSync(
      join(beir, 'qrels/test.tsv'),
      'query-id\tcorpus-id\tscore\nq0\td0\t1\nq0\td1\t1\nq1\td2\t1\nq1\td3\t1\n',
    );
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('distils a cut student from train queries and titles into a folder createCrossEncoder loads', async () => {
    const destination = join(work, 'prefilter');
    const run = distill(
      ...['--teacher', teacher, '--corpus', beir, '--split', 'train'],
      ...['--pseudo-queries', 'titles', '--student', 'cut1', '--out', destination],
      ...['--max-length', '32', '--steps', '4', '--depth', '6', '--log-every', '2'],
      ...['--timing-pairs', '8', '--cache', join(work, 'cache')],
    );
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    // The train queries and the titles of the 20 documents not judged in test; never q0, q1.
    expect(report.data.excludedTestJudgedDocuments).toBe(4);
    expect(report.data.chosen).toEqual({ 'train-queries': 4, titles: 20 });
    expect(report.data.heldOutQueries).toBeGreaterThan(0);
    expect(report.student).toMatchObject({ kind: 'cut1', layers: 1, hidden: 16, maxLength: 32 });
    expect(report.training.steps).toBe(4);
    expect(report.training.losses.every((entry) => Number.isFinite(entry.loss))).toBe(true);
    for (const key of ['student', 'studentInt8Onnx', 'bm25Order'] as const) {
      expect(Math.abs(report.agreement[key].kendallTau)).toBeLessThanOrEqual(1);
    }
    expect(report.msPerPair['student.int8.32']).toBeGreaterThan(0);
    expect(readdirSync(join(destination, 'onnx')).sort()).toEqual([
      'model.onnx',
      'model_fp16.onnx',
      'model_quantized.onnx',
    ]);
    const written = JSON.parse(readFileSync(join(destination, 'SIEVE_DISTILLED.json'), 'utf8'));
    expect(written.agreement.student).toEqual(report.agreement.student);

    for (const dtype of ['fp32', 'int8'] as const) {
      const scorer = await createCrossEncoder({ model: destination, dtype });
      expect(scorer.maxLength).toBe(32);
      const { scores } = await scorer.doScore({
        query: 'aspirin heart',
        documents: [
          { id: 'a', text: 'aspirin lowers heart attack risk' },
          { id: 'b', text: 'the river runs through the city' },
        ],
      });
      expect(scores.every(Number.isFinite)).toBe(true);
      await scorer.dispose();
    }
  });

  it('distils a TinyBERT-shaped student from a JSONL corpus and a query file', async () => {
    const corpus = join(work, 'documents.jsonl');
    cpSync(join(beir, 'corpus.jsonl'), corpus);
    const queries = join(work, 'my-queries.jsonl');
    writeFileSync(
      queries,
      `${topics.map((text, index) => JSON.stringify({ _id: `u${index}`, text })).join('\n')}\n`,
    );
    const destination = join(work, 'tiny');
    const run = distill(
      ...['--teacher', teacher, '--corpus', corpus, '--queries', queries],
      ...['--pseudo-queries', 'first-sentence', '--student', 'tiny128', '--out', destination],
      ...['--max-length', '24', '--steps', '2', '--depth', '5', '--timing-pairs', '0'],
      ...['--cache', join(work, 'cache')],
    );
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.student).toMatchObject({ kind: 'tiny128', layers: 2, hidden: 128 });
    expect(report.data.chosen.file).toBe(topics.length);
    const scorer = await createCrossEncoder({ model: destination, dtype: 'int8' });
    const { scores } = await scorer.doScore({
      query: 'brain sleep',
      documents: [{ id: 'a', text: 'memory and sleep in the brain' }],
    });
    expect(Number.isFinite(scores[0])).toBe(true);
    await scorer.dispose();
  });

  it('refuses bad input with exit 2, a message naming the fix, and nothing written', () => {
    const out = join(work, 'refused');
    const missing = distill(
      ...['--teacher', join(work, 'no-teacher'), '--corpus', beir],
      ...['--split', 'train', '--out', out],
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('does not exist');

    const test = distill(
      ...['--teacher', teacher, '--corpus', beir, '--split', 'test', '--out', out],
    );
    expect(test.status).toBe(2);
    expect(test.stderr).toContain('--split test refused');
    expect(test.stderr).toContain('leak');

    const noCorpus = distill(
      ...['--teacher', teacher, '--corpus', join(work, 'nowhere'), '--split', 'train'],
      ...['--out', out],
    );
    expect(noCorpus.status).toBe(2);
    expect(noCorpus.stderr).toContain('does not exist');

    const noQueries = distill('--teacher', teacher, '--corpus', beir, '--out', out);
    expect(noQueries.status).toBe(2);
    expect(noQueries.stderr).toContain('no queries');

    const taken = join(work, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'keep.txt'), 'mine');
    const exists = distill(
      ...['--teacher', teacher, '--corpus', beir, '--split', 'train', '--out', taken],
    );
    expect(exists.status).toBe(2);
    expect(exists.stderr).toContain('--force');
    expect(readdirSync(taken)).toEqual(['keep.txt']);
    expect(existsSync(out)).toBe(false);
  });
});
