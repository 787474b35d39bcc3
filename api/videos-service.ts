// What the video endpoints decide: how a video and its processing status are shown, and deletion.
import type pg from 'pg';
import type { VideoIngestionStatus } from '../core/crd/videoingestion.js';
import { reembedProgress } from '../core/ingestion/reembed.js';
import type { IngestionSubmitter } from '../core/ingestion/submitter.js';
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../core/storage/store.js';
import { ApiError } from './errors.js';
import * as videos from './repositories/videos.js';
import { processingMessage } from './upload-messages.js';

export interface VideoSettings {
  uploadsBucket: string;
  maxVideoBytes: number;
  /** Longest accepted video: refused at complete when the container header says so. */
  maxVideoSeconds: number;
  /** Seconds a presigned upload URL stays valid (15 minutes by default). */
  uploadUrlSeconds: number;
  /** Seconds after which an upload that never completed is abandoned and cleaned up. */
  uploadTtlSeconds: number;
  defaultLanguage: string;
}

export interface VideoDeps {
  db: pg.Pool;
  store: ObjectStore;
  submitter: IngestionSubmitter;
  settings: VideoSettings;
  log: Logger;
}

export function presentVideo(v: videos.VideoRow) {
  return {
    video_id: v.video_id,
    title: v.title,
    description: v.description,
    filename: v.filename,
    mime_type: v.mime_type,
    size_bytes: v.size_bytes === null ? null : Number(v.size_bytes),
    duration_s: v.duration_s,
    state: v.state,
    error: v.state === 'failed' ? { category: v.error_category ?? 'Internal', message: humanError(v) } : null,
    created_at: v.created_at.toISOString(),
    updated_at: v.updated_at.toISOString(),
  };
}

/** What a person reads when processing failed: what happened and what to do (api/upload-messages.ts). */
export function humanError(v: Pick<videos.VideoRow, 'error_category' | 'error_text'>): string {
  return processingMessage(v.error_category, v.error_text);
}

/**
 * A video's processing status from the one status shape both executors keep (a VideoIngestion's status,
 * or the standalone runner's copy of it): the stages as the plan last recorded them.
 */
export async function videoStatus(deps: VideoDeps, userId: string, videoId: string) {
  const video = await videos.findVideo(deps.db, userId, videoId);
  if (!video) throw notFound();
  const ingestion =
    video.state === 'uploading' || video.state === 'deleted'
      ? undefined
      : await deps.submitter.status(videoId).catch((err: unknown) => {
          deps.log.warn({ err, videoId }, 'the ingestion status could not be read');
          return undefined;
        });
  const stages = (ingestion?.stages ?? []).map((s) => ({
    name: s.name,
    state: s.state.toLowerCase(),
    progress: s.state === 'Succeeded' || s.state === 'Skipped' ? 100 : 0,
    attempts: s.attempts ?? 0,
    started_at: s.startedAt ?? null,
    finished_at: s.finishedAt ?? null,
    message: s.message ?? null,
  }));
  return {
    video_id: videoId,
    state: video.state,
    progress: video.state === 'indexed' ? 100 : (ingestion?.progress ?? 0),
    stages,
    error:
      video.state === 'failed'
        ? { category: video.error_category ?? 'Internal', message: humanError(video) }
        : null,
    language: ingestion?.language ?? null,
    language_probability: ingestion?.languageProbability ?? null,
    reembed: ingestion ? reembedStatus(ingestion) : null,
  };
}

/** The re-embed's state and its stages done, for the owner. */
function reembedStatus(status: VideoIngestionStatus) {
  const r = status.reembed;
  const p = reembedProgress(status);
  if (!r || !p) return null;
  return {
    state: r.finishedAt
      ? ('done' as const)
      : status.phase === 'Failed'
        ? ('failed' as const)
        : ('running' as const),
    progress: r.finishedAt ? 100 : Math.floor((100 * p.done) / Math.max(1, p.of)),
    text: r.text ?? null,
    vision: r.vision ?? null,
    added: r.added ?? [],
    started_at: r.startedAt,
    finished_at: r.finishedAt ?? null,
  };
}

export async function deleteVideo(deps: VideoDeps, userId: string, videoId: string): Promise<void> {
  const video = await videos.findVideo(deps.db, userId, videoId);
  if (!video) throw notFound();
  if (video.state === 'deleted') return;
  const upload = await videos.findUpload(deps.db, videoId);
  await videos.transition(deps.db, userId, videoId, [video.state], 'deleted');
  if (upload?.multipart_id)
    await deps.store.abortMultipart(deps.settings.uploadsBucket, video.storage_key, upload.multipart_id);
  await videos.deleteUpload(deps.db, videoId);
  if (
    video.state === 'uploading' ||
    (video.state === 'failed' && !(await deps.submitter.status(videoId).catch(() => undefined)))
  ) {
    // Never handed to ingestion: nobody else will remove the original.
    await deps.store.delete(deps.settings.uploadsBucket, video.storage_key);
  }
  // The runner's cleanup (the operator's finalizer) removes artifacts, scenes and the original.
  await deps.submitter.remove(videoId);
}

/** Abandons uploads whose TTL passed: aborts multipart uploads, deletes partial objects, marks the videos failed. */
export const notFound = () => new ApiError('not_found', 'No such video.');
