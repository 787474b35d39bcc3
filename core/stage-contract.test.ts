import { describe, expect, it } from 'vitest';
import { decodeResult, encodeResult, MAX_RESULT_BYTES } from './stage-contract.js';

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
