export {
  createOnnxEmbedder,
  type OnnxEmbedder,
  type OnnxEmbedderSettings,
  onnxEmbedderSettingsSchema,
} from './embedder/create-onnx-embedder.js';
export type { DownloadProgress, HubOptions } from './model/hub-cache.js';
export { hubCacheDir } from './model/hub-cache.js';
export {
  type Dtype,
  dtypeFiles,
  dtypes,
  type ModelConfig,
  type ResolvedModel,
} from './model/resolve-model.js';
export {
  createModelPipeline,
  type EncodedRow,
  type ModelPipeline,
  type ModelTaskDefinition,
  type RowsOutput,
  type RunRowsOptions,
} from './pipeline/create-model-pipeline.js';
export {
  checkModelSettings,
  type ModelSettings,
  modelSettingsSchema,
  type ResolvedModelSettings,
} from './pipeline/model-settings.js';
export type { EngineTask } from './runtime/inference-engine.js';
export {
  type Device,
  deviceExecutionProviders,
  devices,
  loadOnnxRuntime,
  type OnnxRuntime,
} from './runtime/onnx-runtime.js';
export {
  type LoadedTokenizer,
  loadTokenizer,
  type TokenizerSource,
} from './tokenizer/load-tokenizer.js';
export {
  createCachedEncoder,
  createTokenCache,
  sharedTokenCache,
  type TokenCache,
  type TokenCacheSettings,
  type TokenCacheStats,
} from './tokenizer/token-cache.js';
export type { EncodedPair, WordPieceTokenizer } from './tokenizer/word-piece-tokenizer.js';
