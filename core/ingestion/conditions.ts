// Kubernetes-convention conditions for VideoIngestion: a closed set of types and reasons, and one setter
// that moves lastTransitionTime only when the status flips and stamps observedGeneration.
import type { Condition, ConditionStatus } from '../crd/videoingestion.js';

export const CONDITION = {
  /** True once the video is indexed and searchable. */
  Ready: 'Ready',
  /** True while stages run or wait for capacity; False once the run has ended either way. */
  Progressing: 'Progressing',
  /** True when the run ended in failure (the reason names the error category). */
  Failed: 'Failed',
} as const;
export type ConditionType = (typeof CONDITION)[keyof typeof CONDITION];

export const REASON = {
  Pending: 'Pending',
  WaitingForCapacity: 'WaitingForCapacity',
  /** A dependency (PostgreSQL, object storage) is away: nothing starts until it is back. */
  WaitingForDependency: 'WaitingForDependency',
  StagesRunning: 'StagesRunning',
  Succeeded: 'Succeeded',
  BadInput: 'BadInput',
  TransientFailure: 'TransientFailure',
  InternalError: 'InternalError',
  InvalidSpec: 'InvalidSpec',
  /** Another VideoIngestion owns the video id: this one is refused and never touches the video. */
  Duplicate: 'Duplicate',
  /** The video the ingestion names has no database row (deleted, or never uploaded). */
  VideoMissing: 'VideoMissing',
  NoFailure: 'NoFailure',
} as const;
export type Reason = (typeof REASON)[keyof typeof REASON];

export interface ConditionInput {
  type: ConditionType;
  status: ConditionStatus;
  reason: Reason;
  message: string;
}

/**
 * Returns the list with `c` set: a new entry, or the existing one updated. lastTransitionTime changes
 * only when status changes, so re-asserting the same condition never makes a new status to write.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  c: ConditionInput,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message.slice(0, 32768),
    lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now.toISOString(),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: ConditionType) {
  return conditions?.find((c) => c.type === type);
}
