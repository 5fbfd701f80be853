import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from '@sieve/core';
import { createWordPieceTokenizer, type WordPieceTokenizer } from './word-piece-tokenizer.js';

/** What the loader needs to know about the model folder. */
export interface TokenizerSource {
  /** The model id or folder, for error messages. */
  modelId: string;
  /** The folder holding `tokenizer.json` and/or `vocab.txt` (+ `tokenizer_config.json`). */
  folder: string;
}

/** A loaded tokenizer and the maximum length the tokenizer files declare. */
export interface LoadedTokenizer {
  tokenizer: WordPieceTokenizer;
  /** `model_max_length` of `tokenizer_config.json`, when sane. */
  modelMaxLength: number | undefined;
}

interface TokenizerJson {
  model?: {
    type?: string;
    vocab?: Record<string, number>;
    unk_token?: string;
    continuing_subword_prefix?: string;
    max_input_chars_per_word?: number;
  };
  normalizer?: {
    type?: string;
    lowercase?: boolean;
    strip_accents?: boolean | null;
    handle_chinese_chars?: boolean;
  } | null;
}

interface TokenizerConfigJson {
  do_lower_case?: boolean;
  strip_accents?: boolean | null;
  tokenize_chinese_chars?: boolean;
  unk_token?: string;
  cls_token?: string;
  sep_token?: string;
  pad_token?: string;
  model_max_length?: number;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Loads a BERT WordPiece tokenizer from `tokenizer.json` or, failing that, `vocab.txt` with
 * `tokenizer_config.json` (the TinyBERT cross-encoder ships only the latter).
 */
export async function loadTokenizer(source: TokenizerSource): Promise<LoadedTokenizer> {
  const fail = (path: string, message: string, cause?: unknown): never => {
    throw new ModelLoadError({
      component: 'onnx',
      modelId: source.modelId,
      path,
      message,
      cause,
    });
  };
  const configPath = join(source.folder, 'tokenizer_config.json');
  let config: TokenizerConfigJson = {};
  const configText = await readOptional(configPath);
  if (configText !== undefined) {
    try {
      config = JSON.parse(configText) as TokenizerConfigJson;
    } catch (error) {
      fail(
        configPath,
        `tokenizer_config.json of '${source.modelId}' is not valid JSON; re-download the model`,
        error,
      );
    }
  }
  const modelMaxLength =
    typeof config.model_max_length === 'number' &&
    config.model_max_length > 0 &&
    config.model_max_length < 1e6
      ? config.model_max_length
      : undefined;
  const specials = {
    unkToken: config.unk_token ?? '[UNK]',
    clsToken: config.cls_token ?? '[CLS]',
    sepToken: config.sep_token ?? '[SEP]',
    padToken: config.pad_token ?? '[PAD]',
  };

  const jsonPath = join(source.folder, 'tokenizer.json');
  const jsonText = await readOptional(jsonPath);
  if (jsonText !== undefined) {
    let parsed: TokenizerJson = {};
    try {
      parsed = JSON.parse(jsonText) as TokenizerJson;
    } catch (error) {
      fail(
        jsonPath,
        `tokenizer.json of '${source.modelId}' is not valid JSON (truncated download?); delete it and retry`,
        error,
      );
    }
    const model = parsed.model;
    if (model?.type !== 'WordPiece' || !model.vocab) {
      fail(
        jsonPath,
        `tokenizer.json of '${source.modelId}' is a ${model?.type ?? 'unknown'} tokenizer; only BERT WordPiece models are supported`,
      );
    }
    const normalizer = parsed.normalizer;
    if (normalizer && normalizer.type !== 'BertNormalizer') {
      fail(
        jsonPath,
        `tokenizer.json of '${source.modelId}' uses a ${normalizer.type} normalizer; only BertNormalizer is supported`,
      );
    }
    const lowercase = normalizer?.lowercase ?? true;
    return {
      modelMaxLength,
      tokenizer: build(source, jsonPath, new Map(Object.entries(model!.vocab!)), {
        ...specials,
        unkToken: model!.unk_token ?? specials.unkToken,
        lowercase,
        stripAccents: normalizer?.strip_accents ?? lowercase,
        handleChineseChars: normalizer?.handle_chinese_chars ?? true,
        continuingSubwordPrefix: model!.continuing_subword_prefix ?? '##',
        maxInputCharsPerWord: model!.max_input_chars_per_word ?? 100,
      }),
    };
  }

  const vocabPath = join(source.folder, 'vocab.txt');
  const vocabText = await readOptional(vocabPath);
  if (vocabText === undefined) {
    return fail(
      source.folder,
      `'${source.modelId}' has neither tokenizer.json nor vocab.txt; it is not a BERT tokenizer folder`,
    );
  }
  const vocab = new Map<string, number>();
  const lines = vocabText.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    const token = line.replace(/\r$/, '');
    if (!vocab.has(token)) vocab.set(token, index);
  }
  const lowercase = config.do_lower_case ?? true;
  return {
    modelMaxLength,
    tokenizer: build(source, vocabPath, vocab, {
      ...specials,
      lowercase,
      stripAccents: config.strip_accents ?? lowercase,
      handleChineseChars: config.tokenize_chinese_chars ?? true,
    }),
  };
}

function build(
  source: TokenizerSource,
  path: string,
  vocab: Map<string, number>,
  settings: Omit<Parameters<typeof createWordPieceTokenizer>[0], 'vocab'>,
): WordPieceTokenizer {
  try {
    return createWordPieceTokenizer({ vocab, ...settings });
  } catch (error) {
    throw new ModelLoadError({
      component: 'onnx',
      modelId: source.modelId,
      path,
      message: `the vocabulary of '${source.modelId}' is unusable: ${(error as Error).message}`,
      cause: error,
    });
  }
}
