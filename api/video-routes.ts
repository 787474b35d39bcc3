// The video endpoints, declared once: schemas, docs and handlers together.
import { Type } from '@sinclair/typebox';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ApiError } from './errors.js';
import { findVideo, listVideos } from './repositories/videos.js';
import { type AnyRoute, defineRoute, ProblemSchema } from './route-definition.js';
import * as s from './schemas.js';
import * as uploads from './uploads-service.js';
import * as svc from './videos-service.js';

const problem = (description: string) => ({ description, schema: ProblemSchema });

export function videoRoutes(deps: svc.VideoDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/videos/upload/init',
      summary: 'Start an upload: returns a presigned PUT URL for the file (15 minutes)',
      tags: ['uploads'],
      auth: true,
      body: s.UploadInitBody,
      responses: {
        201: { description: 'upload URL issued', schema: s.UploadInitResponse },
        400: problem('invalid request'),
        413: problem('file too large'),
        415: problem('not a supported video type'),
      },
      handler: async ({ body, userId }) => ({
        status: 201,
        body: await uploads.initUpload(deps, userId, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/videos/upload/multipart/init',
      summary: 'Start a resumable upload in parts (large files, flaky networks)',
      tags: ['uploads'],
      auth: true,
      body: s.MultipartInitBody,
      responses: {
        201: { description: 'resumable upload started', schema: s.MultipartInitResponse },
        413: problem('file too large'),
        415: problem('not a supported video type'),
      },
      handler: async ({ body, userId }) => ({
        status: 201,
        body: await uploads.initMultipart(deps, userId, body),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/videos/:id/upload/parts',
      summary: 'Presigned URLs for parts of a resumable upload (ask again when they expire)',
      tags: ['uploads'],
      auth: true,
      params: s.VideoIdParams,
      body: s.PartsBody,
      responses: {
        200: { description: 'part URLs', schema: s.PartsResponse },
        404: problem('no such video'),
        409: problem('no upload in progress'),
      },
      handler: async ({ params, body, userId }) => ({
        body: await uploads.partUrls(deps, userId, params.id, body.part_numbers),
      }),
    }),
    defineRoute({
      method: 'delete',
      path: '/videos/:id/upload',
      summary: 'Abort a resumable upload',
      tags: ['uploads'],
      auth: true,
      params: s.VideoIdParams,
      responses: {
        204: { description: 'aborted' },
        404: problem('no such video'),
        409: problem('no upload in progress'),
      },
      handler: async ({ params, userId }) => {
        await uploads.abortUpload(deps, userId, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/videos/upload/complete',
      summary: 'Finish an upload: checks the file and starts processing (idempotent)',
      tags: ['uploads'],
      auth: true,
      body: s.CompleteBody,
      responses: {
        200: {
          description: 'processing started (or already started)',
          schema: Type.Object({ video_id: Type.String(), state: Type.String() }),
        },
        404: problem('no such video'),
        409: problem('upload not finished, or video failed/deleted'),
        422: problem('the file is not what was announced'),
        503: problem('processing could not be started; call again'),
      },
      handler: async ({ body, userId }) => ({
        body: await uploads.completeUpload(deps, userId, body.video_id),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/videos',
      summary: 'Your videos, newest first (cursor pagination, optional state filter)',
      tags: ['videos'],
      auth: true,
      query: s.ListQuery,
      responses: {
        200: { description: 'a page of videos', schema: s.ListResponse },
        400: problem('invalid query'),
      },
      handler: async ({ query, userId }) => {
        const after = query.cursor ? decodeCursor(query.cursor) : undefined;
        if (query.cursor && !after)
          throw new ApiError('validation_failed', 'query.cursor: not a cursor this API issued');
        const rows = await listVideos(deps.db, userId, {
          state: query.state as never,
          limit: query.limit + 1,
          after,
        });
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return {
          body: {
            items: page.map(svc.presentVideo),
            next_cursor:
              rows.length > query.limit && last
                ? encodeCursor({ createdAt: last.created_at.toISOString(), id: last.video_id })
                : null,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/videos/:id',
      summary: 'One of your videos',
      tags: ['videos'],
      auth: true,
      params: s.VideoIdParams,
      responses: {
        200: { description: 'the video', schema: s.VideoResponse },
        404: problem('no such video'),
      },
      handler: async ({ params, userId }) => {
        const v = await findVideo(deps.db, userId, params.id);
        if (!v) throw new ApiError('not_found', 'No such video.');
        return { body: svc.presentVideo(v) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/videos/:id/status',
      summary: 'Processing state, per-stage progress and any error in words',
      tags: ['videos'],
      auth: true,
      params: s.VideoIdParams,
      responses: { 200: { description: 'status', schema: s.StatusResponse }, 404: problem('no such video') },
      handler: async ({ params, userId }) => ({ body: await svc.videoStatus(deps, userId, params.id) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/videos/:id',
      summary: 'Delete a video and everything derived from it (idempotent)',
      tags: ['videos'],
      auth: true,
      params: s.VideoIdParams,
      responses: { 204: { description: 'deleted' }, 404: problem('no such video') },
      handler: async ({ params, userId }) => {
        await svc.deleteVideo(deps, userId, params.id);
        return { status: 204 };
      },
    }),
  ];
}
