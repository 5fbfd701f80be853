// `npm run models -- convert SRC DST` as a user runs it: a tiny checkpoint made from the committed
// fixture's config and vocabulary converts into a folder createCrossEncoder loads; bad input exits
// 2 with a message that names the problem, and writes nothing.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
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
  console.warn('[tools] skipping convert tests: tools/.venv is absent (npm run models makes it)');
}

const convert = (...args: string[]) => runModelsTool('convert', ...args);

/** Calibration pairs for the static int8 file: short and longer documents, as a user would pass. */
const calibrationPairs = [
  ['aspirin heart', 'aspirin lowers heart risk'],
  ['what is the capital of france', 'paris is the capital and most populous city of france'],
  [
    'does exercise help sleep',
    'regular exercise improves the quality of sleep in adults. '.repeat(6),
  ],
  ['x', 'a short passage'],
  [
    'heart risk in adults',
    'the risk of a first heart attack in adults at high cardiovascular risk',
  ],
  [
    'is coffee harmful',
    'moderate coffee intake is not associated with a higher risk of disease. '.repeat(4),
  ],
].map(([query, document]) => JSON.stringify({ query, document }));

describe.skipIf(!modelToolsRun)('npm run models -- convert', () => {
  let work = '';
  let checkpoint = '';
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'sieve-convert-'));
    checkpoint = join(work, 'checkpoint');
    makeTinyCheckpoint(python, fixture, checkpoint);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('converts a checkpoint into fp32, int8, static int8 and fp16 files that createCrossEncoder loads', async () => {
    const destination = join(work, 'converted');
    const calibration = join(work, 'calibration.jsonl');
    writeFileSync(calibration, `${calibrationPairs.join('\n')}\n`);
    const run = convert(checkpoint, destination, '--calibration', calibration);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      kind: string;
      fp32MaxAbsDiff: number;
      staticInt8MaxAbsDiff: number;
      staticInt8BatchInvariance: number;
      staticInt8Calibration: { source: string; pairs: number };
    };
    expect(report.kind).toBe('cross-encoder');
    expect(report.fp32MaxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(Number.isFinite(report.staticInt8MaxAbsDiff)).toBe(true);
    expect(report.staticInt8BatchInvariance).toBeLessThanOrEqual(1e-4);
    expect(report.staticInt8Calibration).toMatchObject({ source: calibration, pairs: 6 });
    // Readable by others as the umask allows (not the 0700 of a temporary folder).
    expect(statSync(destination).mode & 0o755).toBe(0o755 & ~process.umask());
    expect(readdirSync(join(destination, 'onnx')).sort()).toEqual([
      'model.onnx',
      'model_fp16.onnx',
      'model_quantized.onnx',
      'model_static_quantized.onnx',
    ]);
    for (const dtype of ['fp32', 'int8'] as const) {
      const scorer = await createCrossEncoder({ model: destination, dtype });
      const { scores } = await scorer.doScore({
        query: 'aspirin heart',
        documents: [{ id: 'a', text: 'aspirin lowers heart risk' }],
      });
      expect(Number.isFinite(scores[0])).toBe(true);
      await scorer.dispose();
    }

    // Sieve runs the static int8 file (dtype 'int8-static'), and it scores a pair the same alone
    // and batched.
    const scorer = await createCrossEncoder({ model: destination, dtype: 'int8-static' });
    const target = { id: 'a', text: 'aspirin lowers heart risk' };
    const alone = await scorer.doScore({ query: 'aspirin heart', documents: [target] });
    const batched = await scorer.doScore({
      query: 'aspirin heart',
      documents: [
        { id: 'b', text: 'paris is the capital and most populous city of france. '.repeat(3) },
        target,
        { id: 'c', text: 'x' },
      ],
    });
    await scorer.dispose();
    expect(Number.isFinite(alone.scores[0])).toBe(true);
    expect(Math.abs(batched.scores[1]! - alone.scores[0]!)).toBeLessThanOrEqual(1e-5);
  });

  it('refuses bad input with exit 2, a message naming the fix, and nothing written', () => {
    const missing = convert(join(work, 'nope'), join(work, 'out-missing'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('does not exist');

    const roberta = join(work, 'roberta');
    mkdirSync(roberta);
    writeFileSync(join(roberta, 'config.json'), JSON.stringify({ model_type: 'roberta' }));
    const notBert = convert(roberta, join(work, 'out-roberta'));
    expect(notBert.status).toBe(2);
    expect(notBert.stderr).toContain("'roberta' model");

    const noWeights = join(work, 'no-weights');
    mkdirSync(noWeights);
    cpSync(join(fixture, 'config.json'), join(noWeights, 'config.json'));
    const weightless = convert(noWeights, join(work, 'out-weightless'));
    expect(weightless.status).toBe(2);
    expect(weightless.stderr).toContain('no weights');

    const emptyCalibration = join(work, 'empty.jsonl');
    writeFileSync(emptyCalibration, '\n');
    const uncalibrated = convert(
      checkpoint,
      join(work, 'out-uncalibrated'),
      '--calibration',
      emptyCalibration,
    );
    expect(uncalibrated.status).toBe(2);
    expect(uncalibrated.stderr).toContain('no calibration pairs');
    const noDataset = convert(
      checkpoint,
      join(work, 'out-no-dataset'),
      '--calibration',
      join(work, 'nowhere'),
    );
    expect(noDataset.status).toBe(2);
    expect(noDataset.stderr).toContain('--no-static-int8');

    const taken = join(work, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'keep.txt'), 'mine');
    const exists = convert(checkpoint, taken);
    expect(exists.status).toBe(2);
    expect(exists.stderr).toContain('--force');
    expect(readdirSync(taken)).toEqual(['keep.txt']);
    for (const out of [
      'out-missing',
      'out-roberta',
      'out-weightless',
      'out-uncalibrated',
      'out-no-dataset',
    ])
      expect(existsSync(join(work, out))).toBe(false);
  });
});
