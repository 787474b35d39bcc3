import { describe, expect, it } from 'vitest';
import { MAX_PARTS, partBytes, planParts } from './upload-plan.js';

const MiB = 1024 * 1024;

describe('the part plan of a resumable upload', () => {
  it('gives every part the part size and the last one the rest, adding up to the announced size', () => {
    const plan = planParts(11 * MiB, 5 * MiB);
    expect(plan).toEqual({ sizeBytes: 11 * MiB, partSize: 5 * MiB, partCount: 3, lastPartSize: MiB });
    expect([1, 2, 3].map((n) => partBytes(plan, n))).toEqual([5 * MiB, 5 * MiB, MiB]);
  });

  it('makes a file that divides evenly end on a full part', () => {
    const plan = planParts(10 * MiB, 5 * MiB);
    expect(plan).toMatchObject({ partCount: 2, lastPartSize: 5 * MiB });
  });

  it('grows the part size so no upload needs more parts than S3 allows', () => {
    const plan = planParts(1024 ** 4, 5 * MiB);
    expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS);
    const sum = (plan.partCount - 1) * plan.partSize + plan.lastPartSize;
    expect(sum).toBe(1024 ** 4);
  });

  it('has no size for a part outside the plan', () => {
    const plan = planParts(11 * MiB, 5 * MiB);
    expect(() => partBytes(plan, 0)).toThrow(RangeError);
    expect(() => partBytes(plan, 4)).toThrow(RangeError);
  });
});
