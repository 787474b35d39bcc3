// Small builders for unit tests of the plan and its executors: an ingestion and stage observations.

import type { VideoIngestion, VideoIngestionStatus } from '../crd/videoingestion.js';
import type { StageName } from '../dag.js';
import { FINALIZER, stageJobName } from './names.js';
import type { StageObservation } from './observation.js';

export const VIDEO_ID = '0b7f2c1e-8a4d-4c1b-9e55-2f6c3d1a9b70';
export const USER_ID = '6a1d2e3f-4b5c-4d7e-8f90-1a2b3c4d5e6f';
export const UID = '11111111-2222-3333-4444-555555555555';
export const NOW = new Date('2030-01-02T03:04:05.000Z');

export function anIngestion(
  over: {
    status?: VideoIngestionStatus;
    stages?: StageName[];
    finalizers?: string[];
    deleting?: boolean;
  } = {},
): VideoIngestion {
  return {
    apiVersion: 'heimdex.io/v1alpha1',
    kind: 'VideoIngestion',
    metadata: {
      name: 'video-1',
      namespace: 'heimdex',
      uid: UID,
      generation: 1,
      creationTimestamp: '2030-01-01T00:00:00Z',
      finalizers: over.finalizers ?? [FINALIZER],
      ...(over.deleting ? { deletionTimestamp: '2030-01-02T00:00:00Z' } : {}),
    },
    spec: {
      videoId: VIDEO_ID,
      userId: USER_ID,
      source: {
        bucket: 'heimdex-uploads',
        key: `uploads/${USER_ID}/${VIDEO_ID}/source`,
        sizeBytes: 1000,
        mimeType: 'video/mp4',
      },
      language: 'ko',
      ...(over.stages ? { stages: over.stages } : {}),
    },
    ...(over.status ? { status: over.status } : {}),
  };
}

export function aJob(stage: StageName, over: Partial<StageObservation> = {}): StageObservation {
  return {
    stage,
    name: stageJobName('video-1', UID, stage),
    phase: 'Active',
    attempts: 1,
    startedAt: '2030-01-02T03:00:00.000Z',
    deleting: false,
    ...over,
  };
}
