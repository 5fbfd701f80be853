export {
  type CrossEncoder,
  type CrossEncoderPairsOptions,
  type CrossEncoderSettings,
  createCrossEncoder,
  crossEncoderSettingsSchema,
} from './create-cross-encoder.js';
export {
  createRemoteScorer,
  type RemoteScorer,
  type RemoteScorerSettings,
  remoteScorerSettingsSchema,
} from './create-remote-scorer.js';
