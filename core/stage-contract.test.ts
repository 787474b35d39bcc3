import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../pipeline-image/src/config.js';
import { ERROR_CATEGORIES, type VideoIngestionSpec } from './crd/videoingestion.js';
import {
  categoryOfExitCode,
  decodeResult,
  encodeResult,
  exitCodeOf,
  MAX_RESULT_BYTES,
  STAGE_ENV,
  stageEnvironment,
} from './stage-contract.js';

const spec: VideoIngestionSpec = {
  videoId: '0b7f2c1e-8a4d-4c1b-9e55-2f6c3d1a9b70',
  userId: '6a1d2e3f-4b5c-4d7e-8f90-1a2b3c4d5e6f',
  source: { bucket: 'heimdex-uploads', key: 'uploads/u/v/source', sizeBytes: 10, mimeType: 'video/mp4' },
};

describe('the stage contract', () => {
  it('maps every category to an exit code and back to the same category', () => {
    for (const category of ERROR_CATEGORIES) expect(categoryOfExitCode(exitCodeOf(category))).toBe(category);
    expect([42, 43, 1, 7, undefined].map(categoryOfExitCode)).toEqual([
      'BadInput',
      'Internal',
      'Transient',
      'Transient',
      'Transient',
    ]);
  });

  it('tells the stage its video, result file, scratch dir and the default language', () => {
    expect(stageEnvironment(spec, { resultFile: '/s/result.json', scratchDir: '/s' })).toEqual({
      [STAGE_ENV.videoId]: spec.videoId,
      [STAGE_ENV.userId]: spec.userId,
      [STAGE_ENV.sourceBucket]: 'heimdex-uploads',
      [STAGE_ENV.sourceKey]: 'uploads/u/v/source',
      [STAGE_ENV.mimeType]: 'video/mp4',
      [STAGE_ENV.language]: 'auto',
      [STAGE_ENV.resultFile]: '/s/result.json',
      [STAGE_ENV.scratchDir]: '/s',
    });
  });

  it('hands per-video model overrides to the stage program under the names its configuration reads', () => {
    const models = { asr: 'whisper-small', textEmbedding: 'bge-x', visionEmbedding: 'siglip-y' };
    const env = stageEnvironment({ ...spec, models }, { resultFile: '/r', scratchDir: '/s' });
    const pipeline = parsePipelineConfig({ ASR_MODEL: 'default-asr', ...env });
    expect(pipeline).toMatchObject({
      ASR_MODEL: 'whisper-small',
      TEXT_MODEL: 'bge-x',
      VISION_MODEL: 'siglip-y',
    });
  });
});

describe('the stage result document', () => {
  it('round-trips a result with outputs', () => {
    const r = { outcome: 'Succeeded' as const, outputs: { durationSeconds: 12.5, hasAudio: true } };
    expect(decodeResult(encodeResult(r))).toEqual(r);
  });

  it('is ignored when the termination message is log text instead', () => {
    expect(decodeResult('panic: something broke')).toBeUndefined();
    expect(decodeResult('{"outcome":"Exploded"}')).toBeUndefined();
    expect(decodeResult(undefined)).toBeUndefined();
  });

  it('stays within the 4096 bytes Kubernetes keeps of a termination message', () => {
    const long = encodeResult({
      outcome: 'Failed',
      category: 'BadInput',
      message: 'x'.repeat(1024),
      outputs: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'v'.repeat(10)])),
    });
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_RESULT_BYTES);
    expect(decodeResult(long)).toMatchObject({ outcome: 'Failed', category: 'BadInput' });
    expect(Buffer.byteLength(encodeResult({ outcome: 'Skipped', message: 'no audio stream' }))).toBeLessThan(
      MAX_RESULT_BYTES,
    );
  });
});
