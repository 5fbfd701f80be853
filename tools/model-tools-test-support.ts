// What the tests of the Python model tools (`npm run models -- convert|distill`) share.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root. */
export const root = new URL('../', import.meta.url).pathname;
/** The tools venv's Python (`npm run models` makes it). */
export const python = join(root, 'tools/.venv/bin/python');
/** The committed tiny cross-encoder whose config and vocabulary the test checkpoints take. */
export const fixture = join(root, 'packages/onnx/src/__fixtures__/tiny-bert-cross-encoder');
/** Whether the tool tests run: the venv exists, or CI requires them (SIEVE_REQUIRE_TRAINED=1). */
export const modelToolsRun = existsSync(python) || process.env.SIEVE_REQUIRE_TRAINED === '1';

/** Runs `npm run models -- COMMAND ARGS...` as a user typing it in the repository root would. */
export function runModelsTool(command: string, ...args: string[]) {
  return spawnSync('bash', [join(root, 'tools/export-models.sh'), command, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: root },
  });
}

/**
 * Writes a Hugging Face cross-encoder checkpoint (safetensors, seeded random weights) with the
 * config and vocabulary of a committed fixture into `folder`, using the tools venv's Python: the
 * input the model tools (`convert`, `distill`) take. Throws with Python's stderr when it fails.
 */
export function makeTinyCheckpoint(python: string, fixture: string, folder: string): void {
  mkdirSync(folder, { recursive: true });
  const made = spawnSync(
    python,
    [
      '-c',
      [
        'import sys, torch',
        'from transformers import BertConfig, BertForSequenceClassification',
        'torch.manual_seed(0)',
        'config = BertConfig.from_pretrained(sys.argv[1])',
        'BertForSequenceClassification(config).save_pretrained(sys.argv[2])',
      ].join('\n'),
      fixture,
      folder,
    ],
    { encoding: 'utf8' },
  );
  if (made.status !== 0) throw new Error(`could not make a tiny checkpoint: ${made.stderr}`);
  cpSync(join(fixture, 'vocab.txt'), join(folder, 'vocab.txt'));
}
