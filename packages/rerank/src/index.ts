export { type BatchLimits, planBatches } from './batching/plan-batches.js';
export {
  type CrossEncoder,
  type CrossEncoderPairsOptions,
  createCrossEncoder,
} from './create-cross-encoder.js';
export {
  createOnnxEmbedder,
  type OnnxEmbedder,
  type OnnxEmbedderSettings,
  onnxEmbedderSettingsSchema,
} from './create-onnx-embedder.js';
export { type CrossEncoderSettings, crossEncoderSettingsSchema } from './cross-encoder-settings.js';
export {
  type DownloadProgress,
  downloadFromHub,
  type HubOptions,
  hubCacheDir,
} from './model/hub-cache.js';
export {
  type Dtype,
  dtypeFiles,
  type ModelConfig,
  type ResolvedModel,
  resolveModel,
} from './model/resolve-model.js';
export {
  assertDevice,
  type Device,
  deviceExecutionProviders,
  loadOnnxRuntime,
  type OnnxRuntime,
} from './onnx/onnx-runtime.js';
export {
  type LoadedTokenizer,
  loadTokenizer,
  type TokenizerSource,
} from './tokenizer/load-tokenizer.js';
export {
  createTokenCache,
  sharedTokenCache,
  type TokenCache,
  type TokenCacheSettings,
  type TokenCacheStats,
} from './tokenizer/token-cache.js';
export {
  createWordPieceTokenizer,
  type EncodedPair,
  truncatedLengths,
  type WordPieceTokenizer,
  type WordPieceTokenizerSettings,
} from './tokenizer/word-piece-tokenizer.js';
