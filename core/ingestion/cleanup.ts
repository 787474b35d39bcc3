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
