import type { V1ObjectMeta } from '@kubernetes/client-node';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  API_VERSION,
  KIND,
  type ObjectMeta,
  type VideoIngestion,
  VideoIngestionSchema,
  type VideoIngestionSpec,
  VideoIngestionSpecSchema,
  VideoIngestionStatusSchema,
} from './videoingestion.js';

const spec = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  videoId: '0b6f7a4e-3c1d-4b8e-9f2a-5d6c7e8f9a0b',
  userId: 'c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f',
  source: {
    bucket: 'heimdex-uploads',
    key: 'uploads/c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f/0b6f7a4e-3c1d-4b8e-9f2a-5d6c7e8f9a0b/source',
    sizeBytes: 1_048_576,
    mimeType: 'video/mp4',
  },
  ...overrides,
});

const checks = (value: unknown) => Value.Check(VideoIngestionSpecSchema, value);

describe('the VideoIngestion spec', () => {
  it('accepts a complete spec for an uploaded mp4', () => {
    expect([...Value.Errors(VideoIngestionSpecSchema, spec())]).toEqual([]);
  });

  it('fills in detection (auto) as the language when none is given', () => {
    const filled = Value.Default(VideoIngestionSpecSchema, spec()) as VideoIngestionSpec;
    expect(filled.language).toBe('auto');
  });

  it('accepts auto-detection, an explicit language, a stage subset and model overrides', () => {
    expect(checks(spec({ language: 'auto' }))).toBe(true);
    expect(
      checks(spec({ language: 'en', stages: ['probe', 'shots'], models: { asr: 'whisper-small' } })),
    ).toBe(true);
  });

  it('rejects a video id that is not a uuid', () => {
    expect(checks(spec({ videoId: 'video-1' }))).toBe(false);
    expect(checks(spec({ userId: '0b6f7a4e3c1d4b8e9f2a5d6c7e8f9a0b-' }))).toBe(false);
  });

  it('rejects a MIME type that is not one of the accepted video containers', () => {
    const source = { ...(spec().source as object), mimeType: 'image/gif' };
    expect(checks(spec({ source }))).toBe(false);
  });

  it('rejects a spec without a source', () => {
    const { source: _, ...noSource } = spec();
    expect(checks(noSource)).toBe(false);
  });

  it('rejects an empty upload and a language that is not a language code', () => {
    expect(checks(spec({ source: { ...(spec().source as object), sizeBytes: 0 } }))).toBe(false);
    expect(checks(spec({ language: 'korean' }))).toBe(false);
  });

  it('rejects a stage the pipeline does not have', () => {
    expect(checks(spec({ stages: ['probe', 'faces'] }))).toBe(false);
  });
});

describe('the VideoIngestion status', () => {
  it('accepts a running ingestion with per-stage states and a condition', () => {
    const status = {
      phase: 'Running',
      currentStage: 'asr',
      progress: 37,
      stages: [
        { name: 'probe', state: 'Succeeded', job: 'vi-0b6f7a4e-probe', attempts: 1 },
        { name: 'audio', state: 'Skipped', message: 'no audio stream', finishedAt: '2025-11-24T13:20:30Z' },
        { name: 'shots', state: 'Running', attempts: 2, startedAt: '2025-11-24T13:20:31.5+09:00' },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'StagesRunning',
          message: 'shots is running',
          lastTransitionTime: '2025-11-24T13:20:30Z',
          observedGeneration: 1,
        },
      ],
      observedGeneration: 1,
    };
    expect([...Value.Errors(VideoIngestionStatusSchema, status)]).toEqual([]);
  });

  it('rejects an unknown phase, progress above 100 and a timestamp that is not RFC 3339', () => {
    expect(Value.Check(VideoIngestionStatusSchema, { phase: 'Done' })).toBe(false);
    expect(Value.Check(VideoIngestionStatusSchema, { progress: 101 })).toBe(false);
    expect(
      Value.Check(VideoIngestionStatusSchema, {
        stages: [{ name: 'probe', state: 'Running', startedAt: 'now' }],
      }),
    ).toBe(false);
  });

  it('rejects a condition without a reason, as the apiserver would', () => {
    const condition = {
      type: 'Ready',
      status: 'True',
      message: '',
      lastTransitionTime: '2025-11-24T13:20:30Z',
    };
    expect(Value.Check(VideoIngestionStatusSchema, { conditions: [condition] })).toBe(false);
  });
});

describe('the VideoIngestion object type', () => {
  it('describes a whole resource as the operator reads it', () => {
    const vi: VideoIngestion = {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name: 'vi-0b6f7a4e', namespace: 'heimdex', finalizers: ['heimdex.io/cleanup'] },
      spec: spec() as VideoIngestionSpec,
    };
    expect(Value.Check(VideoIngestionSchema, vi)).toBe(true);
    expect(vi.apiVersion).toBe('heimdex.io/v1alpha1');
  });

  it('takes metadata straight from @kubernetes/client-node', () => {
    expectTypeOf<V1ObjectMeta>().toExtend<ObjectMeta>();
  });
});
