export {
  type CrossEncoder,
  type CrossEncoderPairsOptions,
  type CrossEncoderSettings,
  createCrossEncoder,
  crossEncoderSettingsSchema,
} from './create-cross-encoder.js';
