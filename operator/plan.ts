// The pure heart of the operator: from a VideoIngestion and the Jobs it owns, decide what to create,
// what to stop, the next status, the Events to record and the database rows. No I/O, no clock.

import type {
  ErrorCategory,
  Phase,
  StageStatus,
  VideoIngestion,
  VideoIngestionStatus,
} from '../core/crd/videoingestion.js';
import {
  progressOf,
  propagateSkips,
  readyStages,
  STAGE_NAMES,
  type StageName,
  type StageResource,
  type StageState,
  type StageStates,
  stage as stageOf,
  validateStageSubset,
} from '../core/dag.js';
import { CONDITION, type ConditionInput, REASON, setCondition } from './conditions.js';
import { categoryOfExitCode } from './errors.js';
import { FINALIZER, stageJobName } from './names.js';
import type { JobObservation } from './observe.js';
import { type DbRows, dbRows, eventsBetween, type PlannedEvent, sameStatus } from './outcomes.js';

export interface Observed {
  ingestion: VideoIngestion;
  /** The Jobs owned by the ingestion, one per stage at most (deterministic names). */
  jobs: readonly JobObservation[];
}

export interface StageRequest {
  stage: StageName;
  resource: StageResource;
  job: string;
}

/** Admission: which of these ready stages may start now (see admission.ts). Pure as far as plan() cares. */
export type Admit = (requests: readonly StageRequest[]) => ReadonlySet<StageName>;
export const admitAll: Admit = (requests) => new Set(requests.map((r) => r.stage));

export type Plan =
  | { kind: 'cleanup' }
  | { kind: 'gone' }
  | { kind: 'addFinalizer' }
  | {
      kind: 'reconcile';
      create: StageName[];
      /** Jobs to stop: still running when the run already failed. */
      stop: string[];
      status: VideoIngestionStatus;
      statusChanged: boolean;
      events: PlannedEvent[];
      db: DbRows;
    };

const DONE_STATES: ReadonlySet<StageState> = new Set(['Succeeded', 'Skipped', 'Failed']);

const REASON_OF_CATEGORY: Record<ErrorCategory, ConditionInput['reason']> = {
  BadInput: REASON.BadInput,
  Transient: REASON.TransientFailure,
  Internal: REASON.InternalError,
};

export function plan(observed: Observed, now: Date, admit: Admit = admitAll): Plan {
  const vi = observed.ingestion;
  const finalizers = vi.metadata.finalizers ?? [];
  if (vi.metadata.deletionTimestamp)
    return finalizers.includes(FINALIZER) ? { kind: 'cleanup' } : { kind: 'gone' };
  if (!finalizers.includes(FINALIZER)) return { kind: 'addFinalizer' };

  const old = vi.status ?? {};
  const nowIso = now.toISOString();
  const generation = vi.metadata.generation;
  const subset = validateStageSubset(vi.spec.stages ?? STAGE_NAMES);
  if (!subset.ok) return invalid(vi, subset.problems.join('; '), now);

  const byStage = new Map(observed.jobs.filter((j) => !j.deleting).map((j) => [j.stage, j]));
  const oldStages = new Map((old.stages ?? []).map((s) => [s.name, s]));
  const run = subset.stages;
  const next = new Map<StageName, StageStatus>();
  let durationSeconds = old.durationSeconds;
  let sceneCount = old.sceneCount;
  const failures: { stage: StageName; category: ErrorCategory; message: string }[] = [];

  for (const name of run) {
    const prev: StageStatus = oldStages.get(name) ?? { name, state: 'Pending' };
    const job = byStage.get(name);
    if (DONE_STATES.has(prev.state)) {
      next.set(name, prev); // finished stages are history: their Jobs may be gone (TTL)
      continue;
    }
    if (!job) {
      // Not started, or its Job vanished (deleted by someone): it starts (again) when ready.
      next.set(name, { ...prev, state: 'Pending' });
      continue;
    }
    const base: StageStatus = {
      name,
      state: 'Running',
      job: job.name,
      attempts: Math.max(job.attempts, prev.attempts ?? 0, 1),
      ...((prev.startedAt ?? job.startedAt) ? { startedAt: prev.startedAt ?? job.startedAt } : {}),
    };
    if (job.phase === 'Suspended') {
      next.set(name, {
        ...base,
        state: 'Pending',
        attempts: prev.attempts ?? 0,
        message: 'queued: waiting for Kueue to admit the Job',
      });
      continue;
    }
    if (job.phase === 'Active') {
      next.set(name, base);
      continue;
    }
    const finishedAt = job.finishedAt ?? nowIso;
    const result = job.result;
    if (job.phase === 'Complete' && result?.outcome !== 'Failed') {
      const outputs = result?.outputs ?? {};
      if (name === 'probe' && typeof outputs.durationSeconds === 'number')
        durationSeconds = outputs.durationSeconds;
      if (typeof outputs.sceneCount === 'number') sceneCount = outputs.sceneCount;
      const skipped = result?.outcome === 'Skipped';
      next.set(name, {
        ...base,
        state: skipped ? 'Skipped' : 'Succeeded',
        finishedAt,
        ...(result?.message
          ? { message: result.message }
          : skipped
            ? { message: 'skipped by the stage' }
            : {}),
      });
      continue;
    }
    const { category, message } = failureOf(job);
    failures.push({ stage: name, category, message });
    next.set(name, {
      ...base,
      state: 'Failed',
      finishedAt,
      message: `${category}: ${message}`.slice(0, 32768),
    });
  }

  // Past failures (sticky) count as well: the run stays failed.
  for (const s of next.values()) {
    if (s.state === 'Failed' && !failures.some((f) => f.stage === s.name)) {
      failures.push({
        stage: s.name,
        category: categoryOfMessage(s.message),
        message: stripCategory(s.message),
      });
    }
  }

  // Skips are contagious along the DAG (core/dag.ts explains why).
  const states = propagateSkips(statesOf(next));
  for (const [name, state] of Object.entries(states) as [StageName, StageState][]) {
    const s = next.get(name)!;
    if (state === 'Skipped' && s.state !== 'Skipped') {
      const cause = stageOf(name).needs.find((n) => states[n] === 'Skipped');
      next.set(name, {
        ...s,
        state: 'Skipped',
        finishedAt: nowIso,
        message: `skipped: ${cause} was skipped`,
      });
    }
  }

  const create: StageName[] = [];
  const stop: string[] = [];
  const failed = failures.length > 0;
  if (failed) {
    const first = failures[0]!;
    for (const s of next.values()) {
      if (s.state !== 'Running') continue;
      if (s.job) stop.push(s.job);
      next.set(s.name, {
        ...s,
        state: 'Failed',
        finishedAt: nowIso,
        message: `stopped: stage ${first.stage} failed`,
      });
    }
  } else {
    // A suspended Job (Kueue) is Pending but already exists: nothing to create for it.
    const ready = readyStages(statesOf(next)).filter((s) => !byStage.has(s));
    const requests = ready.map((stage) => ({
      stage,
      resource: stageOf(stage).resource,
      job: stageJobName(vi.metadata.name!, vi.metadata.uid!, stage),
    }));
    const granted = requests.length > 0 ? admit(requests) : new Set<StageName>();
    for (const r of requests) {
      const prev = next.get(r.stage)!;
      if (granted.has(r.stage)) {
        create.push(r.stage);
        const { message: _m, ...rest } = prev;
        next.set(r.stage, {
          ...rest,
          state: 'Running',
          job: r.job,
          attempts: Math.max(prev.attempts ?? 0, 1),
          // A Job created before but not seen yet keeps its start: re-planning it changes nothing.
          startedAt: prev.job === r.job && prev.startedAt ? prev.startedAt : nowIso,
        });
      } else {
        next.set(r.stage, {
          ...prev,
          state: 'Pending',
          message: `waiting for a free ${r.resource.toUpperCase()} slot`,
        });
      }
    }
  }

  const stages = run.map((n) => next.get(n)!);
  const finalStates = statesOf(next);
  const allDone = stages.every((s) => s.state === 'Succeeded' || s.state === 'Skipped');
  const phase: Phase = failed
    ? 'Failed'
    : allDone
      ? 'Succeeded'
      : stages.some((s) => s.state !== 'Pending')
        ? 'Running'
        : 'Pending';
  const waiting = stages.some((s) => s.state === 'Pending' && s.message?.startsWith('waiting'));
  const current = stages.find((s) => s.state === 'Running' || s.state === 'Pending')?.name;
  const firstFailure = failures[0];
  const message = firstFailure
    ? `stage ${firstFailure.stage} failed: ${firstFailure.message}`
    : phase === 'Succeeded'
      ? 'the video is indexed'
      : waiting && !stages.some((s) => s.state === 'Running')
        ? 'waiting for capacity'
        : current
          ? `running ${
              stages
                .filter((s) => s.state === 'Running')
                .map((s) => s.name)
                .join(', ') || current
            }`
          : '';

  let conditions = old.conditions;
  const set = (c: ConditionInput) => {
    conditions = setCondition(conditions, c, generation, now);
  };
  if (phase === 'Succeeded') {
    set({ type: CONDITION.Ready, status: 'True', reason: REASON.Succeeded, message: 'the video is indexed' });
    set({
      type: CONDITION.Progressing,
      status: 'False',
      reason: REASON.Succeeded,
      message: 'every stage is done',
    });
    set({ type: CONDITION.Failed, status: 'False', reason: REASON.NoFailure, message: '' });
  } else if (firstFailure) {
    const reason = REASON_OF_CATEGORY[firstFailure.category];
    set({ type: CONDITION.Ready, status: 'False', reason, message });
    set({ type: CONDITION.Progressing, status: 'False', reason, message });
    set({ type: CONDITION.Failed, status: 'True', reason, message });
  } else {
    const reason =
      phase === 'Pending' ? (waiting ? REASON.WaitingForCapacity : REASON.Pending) : REASON.StagesRunning;
    set({ type: CONDITION.Ready, status: 'False', reason, message });
    set({ type: CONDITION.Progressing, status: 'True', reason, message });
    set({ type: CONDITION.Failed, status: 'False', reason: REASON.NoFailure, message: '' });
  }

  const status: VideoIngestionStatus = {
    phase,
    stages,
    ...(current && phase !== 'Succeeded' && phase !== 'Failed' ? { currentStage: current } : {}),
    progress: progressOf(finalStates),
    ...(durationSeconds !== undefined ? { durationSeconds } : {}),
    ...(sceneCount !== undefined ? { sceneCount } : {}),
    conditions: conditions ?? [],
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    ...(firstFailure ? { errorCategory: firstFailure.category } : {}),
    message,
  };
  return {
    kind: 'reconcile',
    create,
    stop,
    status,
    statusChanged: !sameStatus(old, status),
    events: eventsBetween(vi, old, status),
    db: dbRows(status),
  };
}

function invalid(vi: VideoIngestion, problem: string, now: Date): Plan {
  const old = vi.status ?? {};
  const message = `invalid spec: ${problem}`;
  let conditions = old.conditions;
  for (const [type, status] of [
    [CONDITION.Ready, 'False'],
    [CONDITION.Progressing, 'False'],
    [CONDITION.Failed, 'True'],
  ] as const) {
    conditions = setCondition(
      conditions,
      { type, status, reason: REASON.InvalidSpec, message },
      vi.metadata.generation,
      now,
    );
  }
  const status: VideoIngestionStatus = {
    ...old,
    phase: 'Failed',
    conditions: conditions ?? [],
    errorCategory: 'BadInput',
    message,
    ...(vi.metadata.generation !== undefined ? { observedGeneration: vi.metadata.generation } : {}),
  };
  return {
    kind: 'reconcile',
    create: [],
    stop: [],
    status,
    statusChanged: !sameStatus(old, status),
    events: eventsBetween(vi, old, status),
    db: { ...dbRows(status), jobs: [] },
  };
}

function failureOf(job: JobObservation): { category: ErrorCategory; message: string } {
  const r = job.result;
  if (r?.outcome === 'Failed') {
    return {
      category: r.category ?? categoryOfExitCode(job.exitCode),
      message: r.message ?? 'the stage failed',
    };
  }
  if (job.failureReason === 'DeadlineExceeded') {
    return { category: 'Transient', message: 'the stage ran past its deadline' };
  }
  const category = job.failureReason === 'PodFailurePolicy' ? categoryOfExitCode(job.exitCode) : 'Transient';
  const tries = job.attempts > 1 ? ` after ${job.attempts} attempts` : '';
  const code = job.exitCode !== undefined ? ` (exit code ${job.exitCode})` : '';
  return { category, message: r?.message ?? `the stage failed${tries}${code}` };
}

const CATEGORY_PREFIX = /^(BadInput|Transient|Internal): /;
function categoryOfMessage(message: string | undefined): ErrorCategory {
  return (message?.match(CATEGORY_PREFIX)?.[1] as ErrorCategory | undefined) ?? 'Internal';
}
const stripCategory = (message: string | undefined) => (message ?? '').replace(CATEGORY_PREFIX, '');

function statesOf(stages: Map<StageName, StageStatus>): StageStates {
  const states: StageStates = {};
  for (const [name, s] of stages) states[name] = s.state;
  return states;
}
