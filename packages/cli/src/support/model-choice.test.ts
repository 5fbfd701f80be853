import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseModels, type ModelRole, resolveModelOption } from './model-choice.js';

const typedFrom = mkdtempSync(join(tmpdir(), 'sieve-model-choice-'));
mkdirSync(join(typedFrom, 'minilm'));
mkdirSync(join(typedFrom, 'Xenova', 'local'), { recursive: true });
writeFileSync(join(typedFrom, 'model.onnx'), '');

describe('resolveModelOption', () => {
  it.each([
    ['Xenova/ms-marco-MiniLM-L-6-v2', 'Xenova/ms-marco-MiniLM-L-6-v2'],
    ['cross-encoder/ms-marco-TinyBERT-L-2-v2', 'cross-encoder/ms-marco-TinyBERT-L-2-v2'],
    ['bert-base-uncased', 'bert-base-uncased'],
    // Folders: relative to where the command was typed, made absolute.
    ['minilm', join(typedFrom, 'minilm')],
    ['./minilm', join(typedFrom, 'minilm')],
    [join(typedFrom, 'minilm'), join(typedFrom, 'minilm')],
    // An owner/name that exists on disk is the folder.
    ['Xenova/local', join(typedFrom, 'Xenova', 'local')],
  ])('reads %s as %s', (value, expected) => {
    expect(resolveModelOption(value, { flag: 'reranker', typedFrom })).toBe(expected);
  });

  it.each([
    ['./missing', `--reranker ./missing: ${join(typedFrom, 'missing')} does not exist`],
    ['/nonexistent/minilm', '--reranker /nonexistent/minilm: /nonexistent/minilm does not exist'],
    ['models/a/b', `--reranker models/a/b: ${join(typedFrom, 'models/a/b')} does not exist`],
    ['~/no-such-sieve-model', `${join(homedir(), 'no-such-sieve-model')} does not exist`],
    ['model.onnx', `${join(typedFrom, 'model.onnx')} is not a folder`],
    ['  ', '--reranker is empty'],
  ])('refuses %s naming the flag and the path', (value, message) => {
    expect(() => resolveModelOption(value, { flag: 'reranker', typedFrom })).toThrow(message);
  });
});

describe('chooseModels', () => {
  const role = (overrides: Partial<ModelRole> = {}): ModelRole => ({
    flag: 'reranker',
    name: 'minilm',
    hubId: 'Xenova/minilm',
    needed: true,
    ...overrides,
  });

  it('takes the flag, then --models DIR, then the default folder when preferred, then the hub', () => {
    const given = { modelsDir: typedFrom, modelsGiven: true };
    const fallback = { modelsDir: typedFrom, modelsGiven: false };
    const choose = (context: typeof given, reranker: ModelRole, preferLocal = true) =>
      chooseModels(context, { reranker }, { preferLocal, typedFrom }).reranker;
    expect(choose(given, role({ value: 'Xenova/other' }))).toBe('Xenova/other');
    expect(choose(given, role())).toBe(join(typedFrom, 'minilm'));
    expect(choose(fallback, role())).toBe(join(typedFrom, 'minilm'));
    expect(choose(fallback, role(), false)).toBe('Xenova/minilm');
    expect(choose(fallback, role({ name: 'absent' }))).toBe('Xenova/minilm');
    // Unneeded: not chosen, yet a named folder is still checked.
    expect(choose(given, role({ needed: false, name: 'absent' }))).toBeNull();
    expect(() => choose(given, role({ needed: false, value: './missing' }))).toThrow(/--reranker/);
  });

  it('names the --models folder and what it lacks', () => {
    const context = { modelsDir: typedFrom, modelsGiven: true };
    expect(() =>
      chooseModels(
        context,
        {
          prefilter: role({ flag: 'prefilter', name: 'tiny' }),
          reranker: role({ name: 'absent' }),
        },
        { preferLocal: true, typedFrom },
      ),
    ).toThrow(
      `--models ${typedFrom} has no tiny, absent folder; put them there, or name them with --prefilter, --reranker DIR|ID`,
    );
    expect(() =>
      chooseModels(
        { modelsDir: join(typedFrom, 'nope'), modelsGiven: true },
        { reranker: role({ value: 'Xenova/x' }) },
        { preferLocal: true, typedFrom },
      ),
    ).toThrow(`--models ${join(typedFrom, 'nope')} does not exist`);
  });
});
