// The one schema of the VideoIngestion custom resource: the CRD YAML and the TypeScript types both come from here.
import { FormatRegistry, type Static, Type } from '@sinclair/typebox';
import { STAGE_NAMES, STAGE_STATES, STAGES } from '../dag.js';

export const GROUP = 'heimdex.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'VideoIngestion';
export const LIST_KIND = `${KIND}List`;
export const PLURAL = 'videoingestions';
export const SINGULAR = 'videoingestion';
export const SHORT_NAMES = ['vi'];
export const CATEGORIES = ['heimdex'];
export const CRD_NAME = `${PLURAL}.${GROUP}`;

export const VIDEO_MIME_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/x-msvideo',
  'video/x-matroska',
  'video/webm',
] as const;
export type VideoMimeType = (typeof VIDEO_MIME_TYPES)[number];

/**
 * A video's spoken language when none is named: detected (among the pipeline's ASR_LANGUAGES, ko and en by
 * default). A forced code is only right when every upload is in that language: Whisper decodes any speech as
 * the language it is told.
 */
export const DEFAULT_LANGUAGE = 'auto';
export const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type Phase = (typeof PHASES)[number];
export const ERROR_CATEGORIES = ['BadInput', 'Transient', 'Internal'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

// TypeBox ships no format checkers; these are the formats the schema uses, with Kubernetes' meaning.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID.test(v));
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
}

/** A string enum: a union of literals in TypeBox, rewritten to `type: string, enum: [...]` for the CRD. */
export const StringEnum = <T extends string>(values: readonly T[], options: Record<string, unknown> = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

const Time = (description: string) => Type.String({ format: 'date-time', description });
const Uuid = (description: string, options: Record<string, unknown> = {}) =>
  Type.String({ format: 'uuid', maxLength: 36, description, ...options });
const immutable = (what: string) => ({
  'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${what} is immutable` }],
});
// A list of objects merged by key on server-side apply, so the operator and a person never clobber each other.
const listMap = (key: string) => ({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });

const StageNameSchema = (description: string) => StringEnum(STAGE_NAMES, { maxLength: 32, description });

// The apiserver rejects a stage list that is not closed under `needs`, with the same rule as the DAG.
const closedUnderNeeds = STAGES.filter((s) => s.needs.length > 0).map((s) => ({
  rule: `!('${s.name}' in self) || (${s.needs.map((n) => `'${n}' in self`).join(' && ')})`,
  message: `stage ${s.name} needs ${s.needs.join(' and ')}`,
}));

export const VideoSourceSchema = Type.Object(
  {
    bucket: Type.String({ minLength: 3, maxLength: 63, description: 'bucket holding the original upload' }),
    key: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'object key, uploads/<user>/<video>/source',
    }),
    sizeBytes: Type.Integer({ minimum: 1, format: 'int64', description: 'size of the uploaded object' }),
    mimeType: StringEnum(VIDEO_MIME_TYPES, { description: 'MIME type the upload was declared with' }),
  },
  { description: 'where the original video is; fixed at creation', ...immutable('source') },
);

export const ModelOverridesSchema = Type.Object(
  {
    asr: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'speech recognition model' }),
    ),
    textEmbedding: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'transcript embedding model' }),
    ),
    visionEmbedding: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'image embedding model' }),
    ),
  },
  { description: 'model names from the model manifest, instead of the configured defaults' },
);

export const VideoIngestionSpecSchema = Type.Object(
  {
    videoId: Uuid('the video (videos.video_id)', immutable('videoId')),
    userId: Uuid('the owner (users.user_id)', immutable('userId')),
    source: VideoSourceSchema,
    language: Type.Optional(
      Type.String({
        default: DEFAULT_LANGUAGE,
        pattern: '^([a-z]{2,3}|auto)$',
        maxLength: 4,
        description: 'spoken language as an ISO 639 code (ko, en, ...), or auto to detect it',
      }),
    ),
    stages: Type.Optional(
      Type.Array(StageNameSchema('a stage to run'), {
        minItems: 1,
        maxItems: STAGE_NAMES.length,
        description: 'run only these stages (each with everything it needs); all stages when unset',
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-validations': closedUnderNeeds,
      }),
    ),
    models: Type.Optional(ModelOverridesSchema),
  },
  { description: 'what to ingest and how' },
);

export const StageStatusSchema = Type.Object({
  name: StageNameSchema('the stage'),
  state: StringEnum(STAGE_STATES, { description: 'Pending, Running, Succeeded, Failed or Skipped' }),
  job: Type.Optional(Type.String({ maxLength: 63, description: 'name of the Job running the stage' })),
  attempts: Type.Optional(Type.Integer({ minimum: 0, format: 'int32', description: 'Jobs started so far' })),
  startedAt: Type.Optional(Time('when the current attempt started')),
  finishedAt: Type.Optional(Time('when the stage reached Succeeded, Failed or Skipped')),
  category: Type.Optional(
    StringEnum(ERROR_CATEGORIES, { description: 'for a stage that failed: BadInput, Transient or Internal' }),
  ),
  message: Type.Optional(Type.String({ maxLength: 32768, description: 'why, for a person' })),
  reruns: Type.Optional(
    Type.Integer({
      minimum: 0,
      format: 'int32',
      description:
        'runs started again after transient failures (an outage), which spend none of the video’s attempts',
    }),
  ),
  transientSince: Type.Optional(
    Time('when the stage first failed transiently; past the window it fails for good'),
  ),
  retryAt: Type.Optional(Time('when a stage waiting out a transient failure runs again')),
  interruptions: Type.Optional(
    Type.Integer({
      minimum: 0,
      format: 'int32',
      description:
        'runs deleted from outside (by hand) while they ran, started again without counting an attempt',
    }),
  ),
  round: Type.Optional(
    Type.Integer({
      minimum: 1,
      format: 'int32',
      description:
        'the re-embed round that runs the stage again (its Job is named for it); unset for the first run',
    }),
  ),
});

const ModelChangeSchema = (what: string) =>
  Type.Object(
    {
      from: Type.String({ maxLength: 128, description: `the ${what} model the vectors were of` }),
      to: Type.String({ maxLength: 128, description: `the ${what} model they are re-embedded with` }),
    },
    { description: `the ${what} model change` },
  );

export const VectorModelsSchema = Type.Object(
  {
    text: Type.Optional(Type.String({ maxLength: 128, description: 'the model of the transcript vectors' })),
    vision: Type.Optional(Type.String({ maxLength: 128, description: 'the model of the picture vectors' })),
  },
  { description: 'the models the indexed vectors are of (from the index stage)' },
);

export const ReembedSchema = Type.Object(
  {
    round: Type.Integer({ minimum: 1, format: 'int32', description: 'counts the re-embeds of this video' }),
    text: Type.Optional(ModelChangeSchema('text')),
    vision: Type.Optional(ModelChangeSchema('vision')),
    added: Type.Optional(
      Type.Array(StageNameSchema('a stage the DAG gained'), {
        maxItems: STAGE_NAMES.length,
        description:
          'stages the DAG gained since the video was indexed, run in this round before index runs again',
      }),
    ),
    startedAt: Time('when the re-embed started'),
    finishedAt: Type.Optional(Time('when the video switched to the new vectors')),
  },
  {
    description:
      'the last re-index round, after a model change (only the embed stages and index run again) or after the DAG gained stages (those and index run); search answers with the old scenes and vectors until index switches the video',
  },
);

/** metav1.Condition, field for field, with the apiserver's own limits. */
export const ConditionSchema = Type.Object({
  type: Type.String({
    maxLength: 316,
    pattern:
      '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    description: 'condition type in CamelCase, such as Ready',
  }),
  status: StringEnum(CONDITION_STATUSES, { description: 'True, False or Unknown' }),
  observedGeneration: Type.Optional(
    Type.Integer({
      minimum: 0,
      format: 'int64',
      description: 'metadata.generation the condition was set for',
    }),
  ),
  lastTransitionTime: Time('when status last changed'),
  reason: Type.String({
    minLength: 1,
    maxLength: 1024,
    pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    description: 'machine-readable CamelCase reason for the last transition',
  }),
  message: Type.String({ maxLength: 32768, description: 'human-readable details' }),
});

export const VideoIngestionStatusSchema = Type.Object(
  {
    phase: Type.Optional(StringEnum(PHASES, { description: 'Pending, Running, Succeeded or Failed' })),
    stages: Type.Optional(
      Type.Array(StageStatusSchema, {
        maxItems: STAGE_NAMES.length,
        description: 'one entry per stage of the run',
        ...listMap('name'),
      }),
    ),
    currentStage: Type.Optional(StageNameSchema('the earliest stage still running or pending')),
    progress: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, description: 'percent done' })),
    durationSeconds: Type.Optional(Type.Number({ minimum: 0, description: 'length of the video' })),
    sceneCount: Type.Optional(Type.Integer({ minimum: 0, format: 'int32', description: 'scenes indexed' })),
    language: Type.Optional(
      Type.String({
        maxLength: 4,
        description: 'the spoken language speech recognition used (detected or given)',
      }),
    ),
    languageProbability: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: 'how likely the speech is in that language, by the speech model (0–1)',
      }),
    ),
    vectorModels: Type.Optional(VectorModelsSchema),
    reembed: Type.Optional(ReembedSchema),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, { maxItems: 16, description: 'Kubernetes conditions', ...listMap('type') }),
    ),
    observedGeneration: Type.Optional(
      Type.Integer({ minimum: 0, format: 'int64', description: 'metadata.generation the status reflects' }),
    ),
    errorCategory: Type.Optional(
      StringEnum(ERROR_CATEGORIES, { description: 'for failures: BadInput, Transient or Internal' }),
    ),
    message: Type.Optional(Type.String({ maxLength: 32768, description: 'summary for a person' })),
  },
  { description: 'what the operator has observed and done' },
);

// Loose on purpose: the apiserver owns metadata, and @kubernetes/client-node's V1ObjectMeta (Date
// timestamps) must fit as well as raw JSON from a watch (string timestamps).
const Timestamp = Type.Union([Type.String(), Type.Date()]);
export const ObjectMetaSchema = Type.Object({
  name: Type.Optional(Type.String()),
  generateName: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  resourceVersion: Type.Optional(Type.String()),
  creationTimestamp: Type.Optional(Timestamp),
  deletionTimestamp: Type.Optional(Timestamp),
  deletionGracePeriodSeconds: Type.Optional(Type.Integer()),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  finalizers: Type.Optional(Type.Array(Type.String())),
  ownerReferences: Type.Optional(
    Type.Array(
      Type.Object({
        apiVersion: Type.String(),
        kind: Type.String(),
        name: Type.String(),
        uid: Type.String(),
        controller: Type.Optional(Type.Boolean()),
        blockOwnerDeletion: Type.Optional(Type.Boolean()),
      }),
    ),
  ),
  managedFields: Type.Optional(Type.Array(Type.Unknown())),
  selfLink: Type.Optional(Type.String()),
});

export const VideoIngestionSchema = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(KIND),
  metadata: ObjectMetaSchema,
  spec: VideoIngestionSpecSchema,
  status: Type.Optional(VideoIngestionStatusSchema),
});

export type VideoSource = Static<typeof VideoSourceSchema>;
export type ModelOverrides = Static<typeof ModelOverridesSchema>;
export type VideoIngestionSpec = Static<typeof VideoIngestionSpecSchema>;
export type StageStatus = Static<typeof StageStatusSchema>;
export type Condition = Static<typeof ConditionSchema>;
export type VideoIngestionStatus = Static<typeof VideoIngestionStatusSchema>;
export type ObjectMeta = Static<typeof ObjectMetaSchema>;
export type VideoIngestion = Static<typeof VideoIngestionSchema>;
