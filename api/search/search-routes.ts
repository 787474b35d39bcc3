// The search and preview endpoints.
import { Type } from '@sinclair/typebox';
import { ApiError } from '../errors.js';
import { findVideo } from '../repositories/videos.js';
import { type AnyRoute, defineRoute, ProblemSchema } from '../route-definition.js';
import { VideoIdParams } from '../schemas.js';
import { PlainText } from '../text.js';
import * as svc from './service.js';

const Uuid = Type.String({ pattern: '^[0-9a-fA-F-]{36}$', errorMessage: 'must be a UUID' });
const problem = (description: string) => ({ description, schema: ProblemSchema });
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) =>
  Type.Union([t, Type.Null()], t.description ? { description: t.description } : {});

const DateOrTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$',
  errorMessage: 'a date such as 2026-01-31 (or a time such as 2026-01-31T09:00:00Z)',
});

const SearchQuery = Type.Object({
  q: PlainText({ description: 'what to look for, in Korean or English (1–500 characters)' }),
  video_ids: Type.Optional(
    PlainText({ description: 'comma-separated video ids to search within', maxLength: 3800 }),
  ),
  uploaded_from: Type.Optional(DateOrTime),
  uploaded_to: Type.Optional(DateOrTime),
  min_duration_s: Type.Optional(Type.Number({ minimum: 0, errorMessage: 'seconds, at least 0' })),
  limit: Type.Integer({ minimum: 1, maximum: 50, default: 10, errorMessage: 'between 1 and 50' }),
  cursor: Type.Optional(PlainText({ maxLength: 200 })),
});

const Relevance = (description: string) =>
  Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description });

const SearchHit = Type.Object({
  scene_id: Uuid,
  video_id: Uuid,
  video_title: Type.String(),
  start_s: Type.Number(),
  end_s: Type.Number(),
  snippet: Type.String({
    description:
      'HTML-escaped excerpt with matches in <mark>: of the transcript, (starting "On screen: ") of the text shown, or (starting "Seen: ") of the objects in view, e.g. "Seen: <mark>cup</mark> (컵)"',
  }),
  snippet_source: Type.Union([Type.Literal('transcript'), Type.Literal('screen'), Type.Literal('objects')], {
    description:
      'where the snippet comes from: what was said (transcript), what was shown written (screen) or the objects seen (objects)',
  }),
  thumbnail_url: Type.Union([Type.String(), Type.Null()]),
  relevance: Type.Number({
    minimum: 0,
    maximum: 1,
    description:
      'How likely this scene is a right answer, 0–1, comparable across queries: each signal’s score mapped through ' +
      'its calibration (models/calibration.ts, fitted on the evaluation set: the share of scenes with that score ' +
      'that were right answers), combined as 1 − Π(1 − r) over the signals that found the scene. It does not depend ' +
      'on the other results, so 0.9 means the same for every query; the order is still the fused rank (score).',
  }),
  strength: Type.Union([Type.Literal('strong'), Type.Literal('good'), Type.Literal('weak')], {
    description: 'relevance in words: strong ≥ 0.8, good ≥ 0.5, weak below',
  }),
  score: Type.Number({
    description:
      'the reciprocal-rank-fusion score that orders the results (Σ weight / (60 + rank) over the signals): ' +
      'meaningful only within one response, never across queries',
  }),
  scores: Type.Object(
    {
      lexical: Nullable(
        Type.Number({
          description: 'share of the query’s words found in the transcript (1: all, or the whole phrase)',
        }),
      ),
      text: Nullable(
        Type.Number({
          description:
            'cosine similarity of the query and the scene text the text signal matched (text_source: the transcript, or what is on screen) (its evidence is read on text_standout when floor_criteria.text is "standout")',
        }),
      ),
      vision: Nullable(Type.Number({ description: 'cosine similarity of query and picture embeddings' })),
    },
    {
      description:
        'each signal’s own score; null where the signal found no evidence (below its floor) or is off',
    },
  ),
  text_standout: Nullable(
    Type.Number({
      description:
        'how far the transcript similarity stands above the background (z-scores against fixed neutral passages, ' +
        'query side and scene side, per language: api/search/relevance.ts); the text signal kept the scene because ' +
        'this reached floors.text (same language) or floors.text_cross_language (floors.screen and ' +
        'floors.screen_cross_language where text_source is screen or objects); null when the text signal did ' +
        'not find the scene or reads raw cosines',
    }),
  ),
  text_source: Type.Union(
    [Type.Literal('transcript'), Type.Literal('screen'), Type.Literal('objects'), Type.Null()],
    {
      description:
        'which text of the scene the text signal matched by meaning: what was said (transcript), the text shown on ' +
        'screen (screen) or the names of the objects seen (objects), whichever was the stronger evidence; null ' +
        'when the text signal did not find the scene',
    },
  ),
  relevances: Type.Object(
    {
      lexical: Relevance('the lexical score’s calibrated relevance'),
      text: Relevance('the text similarity’s calibrated relevance (of text_source)'),
      vision: Relevance('the picture similarity’s calibrated relevance'),
    },
    { description: 'each signal’s calibrated relevance; null where it found no evidence' },
  ),
});

const SignalState = (what: string) =>
  Type.String({
    description: `${what}: "on", "on (…)" with a caveat (a provisional floor), or "off: <why>" (weight 0, model missing, a random-weight stand-in, no calibrated floor)`,
  });

const SearchResponse = Type.Object({
  query: Type.String(),
  items: Type.Array(SearchHit, {
    description: 'only scenes with evidence from at least one signal; empty when nothing matches',
  }),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  signals: Type.Object({
    lexical: SignalState('words in the transcript'),
    text: SignalState(
      'the meaning of what is said and shown (text embedding of transcripts, screen text, object names)',
    ),
    vision: SignalState('what the picture shows (image-text embedding)'),
  }),
  floors: Type.Object(
    {
      text: Nullable(Type.Number({ description: 'for a scene in the query’s language' })),
      text_cross_language: Nullable(
        Type.Number({
          description: 'for a scene in the other language (Korean query, English transcript, or the reverse)',
        }),
      ),
      screen: Nullable(
        Type.Number({
          description:
            'the text signal’s floor for what is on screen (screen text, object names) in the query’s language',
        }),
      ),
      screen_cross_language: Nullable(
        Type.Number({ description: 'the same for what is on screen in the other language' }),
      ),
      vision: Nullable(Type.Number()),
    },
    {
      description:
        'what each vector signal needs before a scene counts as evidence, on its criterion (floor_criteria); null where the signal is off or has no separate floor',
    },
  ),
  floor_criteria: Type.Object(
    {
      text: Type.Union([Type.Literal('cosine'), Type.Literal('standout'), Type.Null()]),
      vision: Type.Union([Type.Literal('cosine'), Type.Literal('standout'), Type.Null()]),
    },
    {
      description:
        'what each floor is read on: the raw cosine similarity, or the standout above the background (text_standout); null where the signal is off',
    },
  ),
  hint: Type.Union([Type.String(), Type.Null()], {
    description: 'when nothing matched: what to try next, for a person',
  }),
});

const SceneParams = Type.Object({ id: Uuid });

function parseDate(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new ApiError('validation_failed', `query.${field}: not a date`);
  return d;
}

export function searchRoutes(deps: svc.SearchDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/search',
      summary: 'Find scenes in your indexed videos by what is said or shown (hybrid lexical + vector search)',
      tags: ['search'],
      auth: true,
      query: SearchQuery,
      responses: {
        200: { description: 'ranked scenes', schema: SearchResponse },
        400: problem('empty, too long or invalid query'),
      },
      handler: async ({ query, userId }) => {
        const videoIds = query.video_ids
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (videoIds?.some((id) => !/^[0-9a-f-]{36}$/i.test(id))) {
          throw new ApiError('validation_failed', 'query.video_ids: a comma-separated list of video ids');
        }
        return {
          body: await svc.search(deps, userId, {
            q: query.q,
            limit: query.limit,
            cursor: query.cursor,
            filters: {
              videoIds,
              uploadedFrom: parseDate(query.uploaded_from, 'uploaded_from'),
              uploadedTo: parseDate(query.uploaded_to, 'uploaded_to'),
              minDurationS: query.min_duration_s,
            },
          }),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/scenes/:id/preview',
      summary: 'A short-lived playable URL for a scene, with its time range and a media-fragment URL',
      tags: ['search'],
      auth: true,
      params: SceneParams,
      responses: { 200: { description: 'preview' }, 404: problem('no such scene') },
      handler: async ({ params, userId }) => ({ body: await svc.preview(deps, userId, params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/videos/:id/scenes',
      summary: 'The scenes of one video in order, for a timeline',
      tags: ['search'],
      auth: true,
      params: VideoIdParams,
      responses: { 200: { description: 'scenes' }, 404: problem('no such video') },
      handler: async ({ params, userId }) => {
        if (!(await findVideo(deps.db, userId, params.id))) throw new ApiError('not_found', 'No such video.');
        return { body: { video_id: params.id, scenes: await svc.videoScenes(deps, userId, params.id) } };
      },
    }),
  ];
}
