// What the operator sees of one stage Job and its pods, reduced to the observation plan() reads
// (core/ingestion/observation.ts). Pure: takes the objects as a watch or a list delivers them.
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { isStageName, type StageName } from '../core/dag.js';
import type { StageObservation } from '../core/ingestion/observation.js';
import { decodeResult } from '../core/stage-contract.js';
import { CONTAINER } from './job-builder.js';
import { LABELS } from './names.js';

export const iso = (t: Date | string | undefined | null): string | undefined =>
  t === undefined || t === null ? undefined : t instanceof Date ? t.toISOString() : new Date(t).toISOString();

const ms = (t: Date | string | undefined | null) => (t ? new Date(t).getTime() : 0);

function condition(job: V1Job, ...types: string[]) {
  return job.status?.conditions?.find((c) => types.includes(c.type) && c.status === 'True');
}

/** The last terminated stage container among the Job's pods: its exit code and termination message. */
export function lastTermination(pods: readonly V1Pod[]): { exitCode: number; message?: string } | undefined {
  let best: { exitCode: number; message?: string; at: number } | undefined;
  for (const pod of pods) {
    const status = pod.status?.containerStatuses?.find((c) => c.name === CONTAINER);
    const t = status?.state?.terminated;
    if (!t) continue;
    const at = ms(t.finishedAt);
    if (!best || at >= best.at)
      best = { exitCode: t.exitCode, ...(t.message ? { message: t.message } : {}), at };
  }
  return best && { exitCode: best.exitCode, ...(best.message ? { message: best.message } : {}) };
}

/** The exit code the Job controller names in a pod failure policy message ("...failed with exit code 42..."). */
function exitCodeInMessage(message: string | undefined): number | undefined {
  const m = message?.match(/exit code (\d+)/);
  return m ? Number(m[1]) : undefined;
}

/**
 * A run whose Job was deleted (by hand) after its pod had already succeeded, before the Job said Complete:
 * the pod of `jobName` that Succeeded and left a result that is not a failure is the run's outcome, so the
 * stage is not run a second time. Undefined when there is no such pod.
 */
export function adoptFinishedPod(
  pods: readonly V1Pod[],
  jobName: string,
  stage: StageName,
): StageObservation | undefined {
  for (const pod of pods) {
    if (pod.metadata?.labels?.['job-name'] !== jobName || pod.status?.phase !== 'Succeeded') continue;
    const t = pod.status.containerStatuses?.find((c) => c.name === CONTAINER)?.state?.terminated;
    const result = decodeResult(t?.message);
    if (!t || (result?.outcome !== 'Succeeded' && result?.outcome !== 'Skipped')) continue;
    if (t.exitCode !== 0) continue;
    const startedAt = iso(t.startedAt);
    const finishedAt = iso(t.finishedAt);
    return {
      stage,
      name: jobName,
      phase: 'Complete',
      attempts: 1,
      ...(startedAt ? { startedAt } : {}),
      ...(finishedAt ? { finishedAt } : {}),
      result,
      exitCode: 0,
      deleting: false,
    };
  }
  return undefined;
}

export function observeJob(job: V1Job, pods: readonly V1Pod[]): StageObservation | undefined {
  const stage = job.metadata?.labels?.[LABELS.stage];
  if (!stage || !isStageName(stage) || !job.metadata?.name) return undefined;
  const complete = condition(job, 'Complete', 'SuccessCriteriaMet');
  // FailureTarget comes first, while the pods are still being stopped; the outcome is already decided.
  const failed = condition(job, 'Failed', 'FailureTarget');
  const s = job.status ?? {};
  const attempts = (s.failed ?? 0) + (s.succeeded ?? 0) + (s.active ?? 0);
  const term = lastTermination(pods);
  const result = decodeResult(term?.message);
  const phase = complete ? 'Complete' : failed ? 'Failed' : job.spec?.suspend ? 'Suspended' : 'Active';
  const startedAt = iso(s.startTime);
  const finishedAt = iso(s.completionTime ?? complete?.lastTransitionTime ?? failed?.lastTransitionTime);
  const exitCode = term?.exitCode ?? (failed ? exitCodeInMessage(failed.message) : undefined);
  return {
    stage,
    name: job.metadata.name,
    phase,
    attempts,
    ...(startedAt ? { startedAt } : {}),
    ...(phase === 'Complete' || phase === 'Failed' ? (finishedAt ? { finishedAt } : {}) : {}),
    ...(failed?.reason ? { failureReason: failed.reason } : {}),
    ...(failed?.message ? { failureMessage: failed.message } : {}),
    ...(job.spec?.activeDeadlineSeconds ? { deadlineSeconds: job.spec.activeDeadlineSeconds } : {}),
    ...(result ? { result } : {}),
    ...(exitCode !== undefined ? { exitCode } : {}),
    deleting: Boolean(job.metadata.deletionTimestamp),
  };
}
