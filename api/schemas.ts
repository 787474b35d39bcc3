// Request and response shapes of the REST API (snake_case, the first design's JSON kept); they validate and document.
import { Type } from '@sinclair/typebox';
import { VIDEO_MIME_TYPES } from '../core/crd/videoingestion.js';
import { Language, PlainText } from './text.js';

const Uuid = Type.String({
  format: 'uuid',
  pattern: '^[0-9a-fA-F-]{36}$',
  errorMessage: 'must be a video id (a UUID)',
});
const VideoState = Type.Union(
  ['uploading', 'validating', 'processing', 'indexed', 'failed', 'deleted'].map((s) => Type.Literal(s)),
  { errorMessage: 'must be one of uploading, validating, processing, indexed, failed, deleted' },
);

export const UploadInitBody = Type.Object({
  filename: PlainText({
    minLength: 1,
    maxLength: 1024,
    errorMessage: 'filename is required (1–1024 characters)',
  }),
  mime_type: PlainText({
    minLength: 1,
    maxLength: 100,
    errorMessage: `must be one of ${VIDEO_MIME_TYPES.join(', ')}`,
  }),
  size_bytes: Type.Integer({ minimum: 1, errorMessage: 'must be the file size in bytes, at least 1' }),
  title: Type.Optional(PlainText({ maxLength: 500, errorMessage: 'at most 500 characters' })),
  description: Type.Optional(
    PlainText({ maxLength: 5000, multiline: true, errorMessage: 'at most 5000 characters' }),
  ),
  language: Type.Optional(Language('the spoken language')),
});

export const UploadInitResponse = Type.Object({
  video_id: Uuid,
  upload_url: Type.String(),
  upload_method: Type.Literal('PUT'),
  upload_headers: Type.Record(Type.String(), Type.String()),
  expires_in: Type.Integer({ description: 'seconds the upload URL stays valid' }),
});

export const MultipartInitBody = Type.Composite([
  UploadInitBody,
  Type.Object({
    part_size: Type.Optional(
      Type.Integer({
        minimum: 5 * 1024 * 1024,
        maximum: 512 * 1024 * 1024,
        errorMessage: 'between 5 MiB and 512 MiB',
      }),
    ),
  }),
]);

export const MultipartInitResponse = Type.Object({
  video_id: Uuid,
  part_size: Type.Integer({ description: 'bytes of every part but the last' }),
  part_count: Type.Integer(),
  last_part_size: Type.Integer({ description: 'bytes of the last part (the rest of the file)' }),
  expires_at: Type.String({ format: 'date-time', description: 'when an unfinished upload is abandoned' }),
});

export const PartsBody = Type.Object({
  part_numbers: Type.Array(Type.Integer({ minimum: 1, maximum: 10000 }), {
    minItems: 1,
    maxItems: 1000,
    errorMessage: 'a list of 1–1000 part numbers',
  }),
});

export const PartsResponse = Type.Object({
  video_id: Uuid,
  expires_in: Type.Integer(),
  parts: Type.Array(
    Type.Object({
      part_number: Type.Integer(),
      url: Type.String(),
      size_bytes: Type.Integer({ description: 'the exact size this URL takes: any other is refused' }),
    }),
  ),
  uploaded: Type.Array(Type.Integer(), { description: 'part numbers the store already has' }),
});

export const CompleteBody = Type.Object({ video_id: Uuid });

export const VideoIdParams = Type.Object({ id: Uuid });

export const VideoResponse = Type.Object({
  video_id: Uuid,
  title: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  filename: Type.Union([Type.String(), Type.Null()]),
  mime_type: Type.Union([Type.String(), Type.Null()]),
  size_bytes: Type.Union([Type.Integer(), Type.Null()]),
  duration_s: Type.Union([Type.Number(), Type.Null()]),
  state: VideoState,
  error: Type.Union([Type.Object({ category: Type.String(), message: Type.String() }), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

export const ListQuery = Type.Object({
  state: Type.Optional(VideoState),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20, errorMessage: 'between 1 and 100' }),
  cursor: Type.Optional(PlainText({ maxLength: 200 })),
});

export const ListResponse = Type.Object({
  items: Type.Array(VideoResponse),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const StatusResponse = Type.Object({
  video_id: Uuid,
  state: VideoState,
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  stages: Type.Array(
    Type.Object({
      name: Type.String(),
      state: Type.String(),
      progress: Type.Number(),
      attempts: Type.Integer(),
      started_at: Type.Union([Type.String(), Type.Null()]),
      finished_at: Type.Union([Type.String(), Type.Null()]),
      message: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  error: Type.Union([Type.Object({ category: Type.String(), message: Type.String() }), Type.Null()]),
  /** The spoken language speech recognition used (detected, or the one the upload named); null before asr. */
  language: Type.Union([Type.String(), Type.Null()]),
  /** The speech model's probability of that language (0–1); null when it was not measured. */
  language_probability: Type.Union([Type.Number(), Type.Null()]),
  /**
   * The last re-index round: after a model change (only the embed stages and index run again) or after the stage
   * DAG gained stages since the video was indexed (`added`: those run, then index); search answers with the old
   * scenes and vectors until the video switches; null when there was none.
   */
  reembed: Type.Union([
    Type.Object({
      state: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
      progress: Type.Integer({ minimum: 0, maximum: 100 }),
      text: Type.Union([Type.Object({ from: Type.String(), to: Type.String() }), Type.Null()]),
      vision: Type.Union([Type.Object({ from: Type.String(), to: Type.String() }), Type.Null()]),
      added: Type.Array(Type.String()),
      started_at: Type.String(),
      finished_at: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
});
