// What an ingestion leaves behind when it goes away (the operator's finalizer, the standalone runner's
// remove): its outputs, unless the video is indexed and still there, and the original once the video is
// deleted. Called only after no stage can still write.
import { keys, type ObjectStore } from '../storage/store.js';
import type { IngestionRows } from './rows.js';

export interface CleanupDeps {
  rows?: IngestionRows;
  store?: ObjectStore;
  buckets: { uploads: string; artifacts: string };
}

/** FAILED_SOURCES (core/config.ts): what becomes of a failed video's original when it fails. */
export type FailedSources = 'delete-bad-input' | 'keep' | 'delete';

/**
 * What plan() says of a run that just failed (Reconcile.releaseSource): `bad-input` when the video's own
 * input is at fault, `failed` for any other failure of its run. A refusal that is not about the file (another
 * ingestion owns the video, the video has no row) gives neither, and the original is never touched.
 */
export type FailedRun = 'bad-input' | 'failed';

/** Whether a video whose run failed so loses its original now, rather than when it is deleted. */
export function dropsFailedSource(policy: FailedSources, verdict: FailedRun | undefined): boolean {
  if (!verdict) return false;
  if (policy === 'delete') return true;
  // A file at fault cannot be processed again; after a transient or internal failure it can.
  return policy === 'delete-bad-input' && verdict === 'bad-input';
}

/**
 * Applies FAILED_SOURCES once an ingestion has failed: called by both executors on the transition to
 * Failed. Only the original goes (stages read it, none writes it); outputs go with the ingestion.
 */
export async function releaseFailedSource(
  d: Pick<CleanupDeps, 'store' | 'buckets'>,
  video: { videoId: string; userId: string },
  verdict: FailedRun | undefined,
  policy: FailedSources,
): Promise<boolean> {
  if (!d.store || !dropsFailedSource(policy, verdict)) return false;
  await d.store.deletePrefix(d.buckets.uploads, keys.uploadsPrefix(video.userId, video.videoId));
  return true;
}

export async function cleanupIngestion(
  d: CleanupDeps,
  video: { videoId: string; userId: string },
): Promise<{ videoDeleted: boolean; keepOutputs: boolean }> {
  const { videoId, userId } = video;
  const state = d.rows ? await d.rows.videoState(videoId) : undefined;
  const videoDeleted = d.rows ? state === undefined || state === 'deleted' : false;
  // An indexed video that still exists keeps its scenes, thumbnails and sidecars: search needs them.
  const keepOutputs = state === 'indexed';
  if (d.store && !keepOutputs) {
    await d.store.deletePrefix(d.buckets.artifacts, keys.artifactsPrefix(userId, videoId));
    await d.store.deletePrefix(d.buckets.artifacts, keys.sidecarsPrefix(userId, videoId));
  }
  if (d.store && videoDeleted) {
    await d.store.deletePrefix(d.buckets.uploads, keys.uploadsPrefix(userId, videoId));
  }
  if (d.rows && !keepOutputs) await d.rows.cleanup(videoId, videoDeleted);
  return { videoDeleted, keepOutputs };
}
