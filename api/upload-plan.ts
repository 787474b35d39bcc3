// How a resumable upload is cut into parts: fixed at init, so every part URL can be signed for its exact
// size (all parts part_size bytes, the last one the remainder) and no part can carry more.

export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;
/** S3's limit on parts per upload. */
export const MAX_PARTS = 10_000;

export interface PartPlan {
  sizeBytes: number;
  partSize: number;
  partCount: number;
  lastPartSize: number;
}

export function planParts(sizeBytes: number, requestedPartSize = DEFAULT_PART_BYTES): PartPlan {
  const partSize = Math.max(requestedPartSize, Math.ceil(sizeBytes / MAX_PARTS));
  const partCount = Math.ceil(sizeBytes / partSize);
  return { sizeBytes, partSize, partCount, lastPartSize: sizeBytes - (partCount - 1) * partSize };
}

/** Bytes part n (1-based) must have; RangeError for a part the plan does not have. */
export function partBytes(plan: Pick<PartPlan, 'sizeBytes' | 'partSize' | 'partCount'>, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > plan.partCount)
    throw new RangeError(`part ${n} is not in a plan of ${plan.partCount} parts`);
  return n < plan.partCount ? plan.partSize : plan.sizeBytes - (plan.partCount - 1) * plan.partSize;
}
