// Settings only standalone mode reads (shared ones are in core/config.ts, the API's in api/config.ts),
// parsed once with the same schema rules, so a typo fails at start naming the variable.
import { type Static, Type } from '@sinclair/typebox';
import { parseWith } from '../core/config.js';
import {
  DEFAULT_DEADLINE_BASE_SECONDS,
  DEFAULT_DEADLINE_PER_VIDEO_SECOND,
} from '../core/ingestion/deadline.js';

const Optional = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));

export const StandaloneConfigSchema = Type.Object({
  HEIMDEX_DATA_DIR: Type.String({
    minLength: 1,
    default: '.heimdex',
    description:
      'where standalone keeps its database, stored objects, secrets, local token and scratch files',
  }),
  HEIMDEX_PUBLIC_URL: Type.Optional(
    Type.String({
      format: 'uri',
      description:
        'the URL browsers reach this server at, for signed storage links (default: http://HOST:PORT)',
    }),
  ),
  HEIMDEX_MAX_PARALLEL_STAGES: Type.Integer({
    minimum: 1,
    maximum: 64,
    default: 2,
    description: 'stage processes run at once on this machine',
  }),
  // The operator's names and defaults: a stage run's time budget is the same in both executors.
  STAGE_DEADLINE_BASE_SECONDS: Type.Integer({
    minimum: 1,
    default: DEFAULT_DEADLINE_BASE_SECONDS,
    description:
      'seconds any stage run may take before scaling with the video (then it is stopped and fails)',
  }),
  STAGE_DEADLINE_PER_VIDEO_SECOND: Type.Number({
    minimum: 0,
    default: DEFAULT_DEADLINE_PER_VIDEO_SECOND,
    description: 'extra seconds per second of video, times the stage’s weight (asr 4, probe 0, others 1)',
  }),
  HEIMDEX_SAMPLE: Type.Union([Type.Literal('on'), Type.Literal('off')], {
    default: 'on',
    description: 'ingest the bundled sample video on the first start of a fresh install',
  }),
  HEIMDEX_PROFILE: Optional(
    'model profile: small (default here, CPU) or large (GPU); PROFILES in models/manifest.ts',
  ),
  VISION_MODEL: Optional('picture model from models/manifest, instead of the profile’s'),
  TEXT_MODEL: Optional('text model from models/manifest, instead of the profile’s'),
  ASR_MODEL: Optional('speech model from models/manifest, instead of the profile’s, or "none"'),
  HEIMDEX_MODELS_FETCH: Type.Union([Type.Literal('auto'), Type.Literal('never')], {
    default: 'auto',
    description: 'auto: fetch missing hub models on first start when the hub answers; never: do not try',
  }),
  HF_ENDPOINT: Type.Optional(Type.String({ format: 'uri', description: 'a Hugging Face mirror' })),
  MODELSCOPE_ENDPOINT: Type.Optional(
    Type.String({
      format: 'uri',
      description: 'a ModelScope mirror (the large profile’s Korean line recogniser)',
    }),
  ),
});

export type StandaloneConfig = Static<typeof StandaloneConfigSchema>;

export const parseStandaloneConfig = (
  env: Record<string, string | undefined> = process.env,
): StandaloneConfig => parseWith(StandaloneConfigSchema, env);
