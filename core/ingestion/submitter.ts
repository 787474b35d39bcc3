// The port between the API and whatever runs the pipeline: hand over a validated upload, stop and clean up,
// read the status. Implementations: a VideoIngestion resource for the operator (api/kubernetes-submitter.ts)
// and the standalone runner (standalone/runner.ts). Both describe the work with the same spec.
import type { VideoIngestionSpec, VideoIngestionStatus, VideoMimeType } from '../crd/videoingestion.js';

export interface IngestionRequest {
  videoId: string;
  userId: string;
  bucket: string;
  key: string;
  sizeBytes: number;
  mimeType: string;
  language: string;
}

export interface IngestionSubmitter {
  /** Starts processing; calling it again for the same video is a no-op. Returns the ingestion's name. */
  submit(req: IngestionRequest): Promise<string>;
  /** Stops processing and lets the runner clean up; idempotent. */
  remove(videoId: string): Promise<void>;
  /** The runner's view of progress, or undefined when it has none (yet). */
  status(videoId: string): Promise<VideoIngestionStatus | undefined>;
  ping(): Promise<void>;
}

/** Deterministic, so a retried complete finds the ingestion its first attempt made. */
export const ingestionName = (videoId: string) => `video-${videoId}`;

/** What to ingest and how, as a VideoIngestion's spec: the same for a resource and a local run. */
export function ingestionSpec(req: IngestionRequest): VideoIngestionSpec {
  return {
    videoId: req.videoId,
    userId: req.userId,
    source: {
      bucket: req.bucket,
      key: req.key,
      sizeBytes: req.sizeBytes,
      mimeType: req.mimeType as VideoMimeType,
    },
    language: req.language,
  };
}
