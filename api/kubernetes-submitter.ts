// The cluster's ingestion submitter (core/ingestion/submitter.ts): a VideoIngestion resource per video,
// which the operator reconciles.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  API_VERSION,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  type VideoIngestion,
} from '../core/crd/videoingestion.js';
import { type IngestionSubmitter, ingestionName, ingestionSpec } from '../core/ingestion/submitter.js';

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
        spec: ingestionSpec(req),
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
