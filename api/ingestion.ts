// Hands a validated upload to whatever runs the pipeline: one small interface, a Kubernetes implementation
// (a VideoIngestion resource), and later the standalone runner.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  API_VERSION,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  type VideoIngestion,
  type VideoIngestionStatus,
} from '../core/crd/videoingestion.js';

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

/** Deterministic, so a retried complete finds the resource its first attempt made. */
export const ingestionName = (videoId: string) => `video-${videoId}`;

export function kubernetesSubmitter(kc: KubeConfig, namespace: string): IngestionSubmitter {
  const api = kc.makeApiClient(CustomObjectsApi);
  const target = { group: GROUP, version: VERSION, namespace, plural: PLURAL };
  const code = (e: unknown) => (e as { code?: number }).code;
  return {
    async submit(req) {
      const name = ingestionName(req.videoId);
      const body: VideoIngestion = {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: {
          name,
          labels: {
            'app.kubernetes.io/name': 'heimdex',
            'app.kubernetes.io/component': 'ingestion',
            'app.kubernetes.io/managed-by': 'heimdex-api',
            'heimdex.io/video-id': req.videoId,
            'heimdex.io/user-id': req.userId,
          },
        },
        spec: {
          videoId: req.videoId,
          userId: req.userId,
          source: {
            bucket: req.bucket,
            key: req.key,
            sizeBytes: req.sizeBytes,
            mimeType: req.mimeType as never,
          },
          language: req.language,
        },
      };
      try {
        await api.createNamespacedCustomObject({ ...target, body });
      } catch (e) {
        if (code(e) !== 409) throw e;
      }
      return name;
    },
    async remove(videoId) {
      try {
        await api.deleteNamespacedCustomObject({ ...target, name: ingestionName(videoId) });
      } catch (e) {
        if (code(e) !== 404) throw e;
      }
    },
    async status(videoId) {
      try {
        const obj = (await api.getNamespacedCustomObject({
          ...target,
          name: ingestionName(videoId),
        })) as VideoIngestion;
        return obj.status;
      } catch (e) {
        if (code(e) === 404) return undefined;
        throw e;
      }
    },
    async ping() {
      await api.listNamespacedCustomObject({ ...target, limit: 1 });
    },
  };
}
