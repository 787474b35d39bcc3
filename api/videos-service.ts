// What the video endpoints decide: how a video and its processing status are shown, and deletion.
import type pg from 'pg';
import { progressOf, STAGE_NAMES, type StageName, type StageState } from '../core/dag.js';
import type { Logger } from '../core/log.js';
import type { ObjectStore } from '../core/storage/store.js';
import { ApiError } from './errors.js';
import type { IngestionSubmitter } from './ingestion.js';
import * as videos from './repositories/videos.js';

export interface VideoSettings {
  uploadsBucket: string;
  maxVideoBytes: number;
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

/** What a person reads when processing failed: what happened and what to do. */
export function humanError(v: Pick<videos.VideoRow, 'error_category' | 'error_text'>): string {
  const why = v.error_text ?? 'no reason was recorded';
  switch (v.error_category) {
    case 'BadInput':
      return `This file could not be processed: ${why}. Check the file and upload it again.`;
    case 'Transient':
      return `Processing failed after several attempts because a service was unavailable (${why}). Upload the video again later.`;
    default:
      return `Processing failed because of a problem on our side (${why}). It has been logged; try again later.`;
  }
}

export async function videoStatus(deps: VideoDeps, userId: string, videoId: string) {
  const video = await videos.findVideo(deps.db, userId, videoId);
  if (!video) throw notFound();
  const jobs = await videos.jobsOf(deps.db, videoId);
  const byStage = new Map(jobs.map((j) => [j.stage, j]));
  const ingestion =
    video.state === 'validating' || video.state === 'processing'
      ? await deps.submitter.status(videoId).catch(() => undefined)
      : undefined;
  const fromCr = new Map((ingestion?.stages ?? []).map((s) => [s.name, s]));
  const stages = STAGE_NAMES.filter((n) => byStage.has(n) || fromCr.has(n)).map((name) => {
    const j = byStage.get(name);
    const s = fromCr.get(name);
    const state = j?.state ?? s?.state?.toLowerCase() ?? 'pending';
    return {
      name,
      state,
      progress: j?.progress ?? (state === 'succeeded' || state === 'skipped' ? 100 : 0),
      attempts: j?.attempts ?? s?.attempts ?? 0,
      started_at: j?.started_at?.toISOString() ?? s?.startedAt ?? null,
      finished_at: j?.finished_at?.toISOString() ?? s?.finishedAt ?? null,
      message: j?.error_text ?? s?.message ?? null,
    };
  });
  const cap = (s: string) => (s.charAt(0).toUpperCase() + s.slice(1)) as StageState;
  const progress =
    video.state === 'indexed'
      ? 100
      : (ingestion?.progress ??
        (stages.length
          ? progressOf(Object.fromEntries(stages.map((s) => [s.name as StageName, cap(s.state)])))
          : 0));
  return {
    video_id: videoId,
    state: video.state,
    progress,
    stages,
    error:
      video.state === 'failed'
        ? { category: video.error_category ?? 'Internal', message: humanError(video) }
        : null,
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
