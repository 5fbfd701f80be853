import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

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
