import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ModelLoadError } from '@sieve/core';
import { downloadFromHub, type HubOptions } from './hub-cache.js';

/**
 * Weight precisions, the keys of {@link dtypeFiles}. `int8` is dynamic quantization (activation
 * scales per batch, the usual hub file); `int8-static` is calibrated (QDQ, fixed scales: a pair
 * scores the same in any batch), written by `npm run models -- convert`.
 */
export const dtypes = ['fp32', 'int8', 'int8-static', 'fp16'] as const;

/** Weight precision of the ONNX file. */
export type Dtype = (typeof dtypes)[number];

/** ONNX file of each dtype, in the Xenova layout (`onnx/` folder). */
export const dtypeFiles: Readonly<Record<Dtype, string>> = {
  fp32: 'model.onnx',
  int8: 'model_quantized.onnx',
  'int8-static': 'model_static_quantized.onnx',
  fp16: 'model_fp16.onnx',
};

/** The subset of a Hugging Face `config.json` Sieve reads. */
export interface ModelConfig {
  model_type?: string;
  architectures?: string[];
  vocab_size?: number;
  max_position_embeddings?: number;
  hidden_size?: number;
  num_labels?: number;
  id2label?: Record<string, string>;
}

/** A model folder on disk with everything needed to load it. */
export interface ResolvedModel {
  modelId: string;
  folder: string;
  onnxPath: string;
  config: ModelConfig;
}

const looksLikePath = (model: string): boolean =>
  isAbsolute(model) || model.startsWith('.') || model.startsWith('~') || model.includes('\\');

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds a model: a local folder, or a hub id fetched into the Hugging Face cache. Checks that
 * `config.json`, a tokenizer file and the ONNX file of `dtype` exist.
 */
export async function resolveModel(
  model: string,
  dtype: Dtype,
  hub: HubOptions = {},
  extraFiles: readonly string[] = [],
): Promise<ResolvedModel> {
  const onnxFile = `onnx/${dtypeFiles[dtype]}`;
  let folder: string;
  if (looksLikePath(model) || (await isDirectory(model))) {
    folder = resolve(model.startsWith('~') ? model.replace(/^~/, process.env.HOME ?? '~') : model);
    if (!(await isDirectory(folder))) {
      throw new ModelLoadError({
        component: 'onnx',
        modelId: model,
        path: folder,
        message: `model folder ${folder} does not exist; pass a folder with config.json and onnx/${dtypeFiles[dtype]}, or a hub id such as 'Xenova/ms-marco-MiniLM-L-6-v2'`,
      });
    }
  } else {
    const downloaded = await downloadFromHub(
      model,
      [
        { path: 'config.json' },
        { path: 'tokenizer.json', optional: true },
        { path: 'vocab.txt', optional: true },
        { path: 'tokenizer_config.json', optional: true },
        { path: 'special_tokens_map.json', optional: true },
        { path: onnxFile },
        ...extraFiles.map((path) => ({ path, optional: true })),
      ],
      hub,
    );
    folder = downloaded.folder;
  }
  const configPath = join(folder, 'config.json');
  let config: ModelConfig;
  try {
    config = JSON.parse(await readFile(configPath, 'utf8')) as ModelConfig;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ModelLoadError({
      component: 'onnx',
      modelId: model,
      path: configPath,
      message: missing
        ? `${configPath} is missing; a model folder needs config.json`
        : `${configPath} is not valid JSON; re-download or re-export the model`,
      cause: error,
    });
  }
  let onnxPath = join(folder, onnxFile);
  if (!(await isFile(onnxPath)) && (await isFile(join(folder, dtypeFiles[dtype])))) {
    onnxPath = join(folder, dtypeFiles[dtype]);
  }
  if (!(await isFile(onnxPath))) {
    throw new ModelLoadError({
      component: 'onnx',
      modelId: model,
      path: onnxPath,
      message: `no ${dtype} ONNX file at ${onnxPath}; pick another dtype (${dtypes.map((name) => `${name} is ${dtypeFiles[name]}`).join(', ')}) or convert the checkpoint with npm run models -- convert (it writes int8-static too)`,
    });
  }
  return { modelId: model, folder, onnxPath, config };
}
