// The one brain of ingestion: from an ingestion and the stage runs it owns, decide what to start, what to
// stop, the next status, the Events to record and the database rows. No I/O, no clock. The operator
// (Jobs) and the standalone runner (local processes) both execute what it returns.

import type {
  ErrorCategory,
  Phase,
  StageStatus,
  VideoIngestion,
  VideoIngestionStatus,
} from '../crd/videoingestion.js';
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
} from '../dag.js';
import { categoryOfExitCode } from '../stage-contract.js';
import { CONDITION, type ConditionInput, REASON, type Reason, setCondition } from './conditions.js';
import { deadlineMessage } from './deadline.js';
import { FINALIZER, stageJobName } from './names.js';
import type { StageObservation } from './observation.js';
import {
  type DbRows,
  dbRows,
  eventsBetween,
  type PlannedEvent,
  REMOVED_FROM_SPEC,
  sameStatus,
} from './outcomes.js';
import { finishReembed, reembedding, startReembed, type WantedModels } from './reembed.js';

export interface Observed {
  ingestion: VideoIngestion;
  /** The stage runs owned by the ingestion, one per stage at most (deterministic names). */
  jobs: readonly StageObservation[];
  /**
   * The name of the ingestion that owns this one's video id, when it is another (one owner per video: the
   * oldest live one; the executor that can see several tells).
   */
  duplicateOf?: string;
  /**
   * The models a stage Job would embed with now (wantedModels()): when they differ from those the indexed vectors
   * are of, the video is re-embedded (reembed.ts). Unset: no re-embedding.
   */
  models?: WantedModels;
  /** The executor found no row for the video (never uploaded, or deleted): there is nothing to ingest. */
  videoMissing?: true;
  /**
   * Live runs of a stage that no run the executor manages owns any more (a pod left behind by a Job
   * deleted with --cascade=orphan, or one still stopping): they may still write, so the stage waits for them.
   */
  strays?: readonly Stray[];
  /**
   * Stages whose run was deleted from outside (by hand) while it ran: the executor saw the deletion, or the
   * status calls the stage Running under a run that the executor has made sure is gone (it stops runs only
   * after the status says otherwise, Reconcile.stop), so a restart of the executor still tells.
   */
  interrupted?: readonly StageName[];
  /** Dependencies the executor waits for (their outage is not the video's failure); none when all are up. */
  waitingFor?: readonly string[];
}

export interface Stray {
  stage: StageName;
  /** The pod's (or process's) name, to stop it. */
  name: string;
  /** Already being stopped. */
  stopping: boolean;
}

/** What an operator sets: how long a stage that keeps failing transiently is run again. */
export interface PlanSettings {
  transientWindowMs?: number;
}

export interface StageRequest {
  stage: StageName;
  resource: StageResource;
  job: string;
}

/** Admission: which of these ready stages may start now (operator/admission.ts). Pure as far as plan() cares. */
export type Admit = (requests: readonly StageRequest[]) => ReadonlySet<StageName>;
export const admitAll: Admit = (requests) => new Set(requests.map((r) => r.stage));

export type Reconcile = {
  kind: 'reconcile';
  /** A refused duplicate: its executor writes its status only, never the video's rows, objects or source. */
  notOwner?: true;
  /** Look again then (a stage waits to run again after a transient failure), whatever else happens. */
  lookAgainAt?: string;
  create: StageName[];
  /**
   * Runs to stop: still running when the run already failed. An executor stops them after it has written the
   * status (which no longer calls their stages Running), so a run the status still calls Running that is gone
   * was never stopped by it: after a restart too, such a run was deleted from outside (Observed.interrupted).
   * The plan asks again while they live, so a stop lost to a crash after the status write is not lost.
   */
  stop: string[];
  /** Stray runs to stop (Observed.strays not yet stopping). */
  stopStrays: string[];
  /**
   * Set on the transition to Failed when the video's original is this run's to judge (FAILED_SOURCES):
   * `bad-input` when the video's own input is at fault (a stage said so), `failed` for any other failure
   * of its run. Unset for refusals that are not about the file (a duplicate, a missing video row).
   */
  releaseSource?: 'bad-input' | 'failed';
  status: VideoIngestionStatus;
  statusChanged: boolean;
  events: PlannedEvent[];
  db: DbRows;
};
/** `notOwner`: a refused duplicate goes without cleaning up the video, which belongs to another. */
export type Plan =
  | { kind: 'cleanup'; notOwner?: true }
  | { kind: 'gone' }
  | { kind: 'addFinalizer' }
  | Reconcile;

interface Failure {
  stage: StageName;
  category: ErrorCategory;
  message: string;
}

/** What the stages report beyond their state: facts for the status. */
interface Outputs {
  durationSeconds?: number;
  sceneCount?: number;
  /** From asr: the spoken language it used, and its probability when it was detected. */
  language?: string;
  languageProbability?: number;
  /** From index: the models the video's vectors are of now. */
  vectorModels?: VideoIngestionStatus['vectorModels'];
}

const DONE_STATES: ReadonlySet<StageState> = new Set(['Succeeded', 'Skipped', 'Failed']);
/**
 * A stage run that failed transiently (its retries used up on exit codes that are not 42/43: storage or the
 * database away, a node lost) is the infrastructure's failure, not the video's: the stage runs again, after
 * a growing pause, for as long as the window lasts, and only then fails the video (as Transient).
 */
export const TRANSIENT_WINDOW_MS = 30 * 60_000; // the default of STAGE_RERUN_WINDOW_SECONDS
const RERUN_BASE_MS = 5_000;
const RERUN_MAX_MS = 60_000;
export const rerunDelayMs = (reruns: number) => Math.min(RERUN_MAX_MS, RERUN_BASE_MS * 2 ** reruns);
const MAX_MESSAGE = 32768;
const WAITS_FOR = 'waiting out an outage of ';
/** A stage waiting to run again: after a transient failure (until retryAt) or an outage (until it ends). */
const waitsToRunAgain = (s: StageStatus) =>
  s.state === 'Pending' && Boolean(s.retryAt || s.message?.startsWith(WAITS_FOR));

const REASON_OF_CATEGORY: Record<ErrorCategory, ConditionInput['reason']> = {
  BadInput: REASON.BadInput,
  Transient: REASON.TransientFailure,
  Internal: REASON.InternalError,
};

export function plan(
  observed: Observed,
  now: Date,
  admit: Admit = admitAll,
  settings: PlanSettings = {},
): Plan {
  const vi = observed.ingestion;
  const lifecycle = lifecycleStep(vi);
  if (lifecycle) return lifecycle;
  if (observed.duplicateOf || isRefusedDuplicate(vi)) {
    // Once refused it stays refused, in the same words, even after its owner has gone.
    const before = vi.status?.conditions?.find((c) => c.type === CONDITION.Failed)?.message;
    const message = observed.duplicateOf
      ? `refused: video ${vi.spec.videoId} is already ingested by VideoIngestion ${observed.duplicateOf}`
      : (before ?? `refused: video ${vi.spec.videoId} is ingested by another VideoIngestion`);
    const p = refuse(vi, REASON.Duplicate, message, now, false);
    // Anything it started (before this rule, or in a race) stops; the owner's Jobs have other names.
    const stop = observed.jobs.filter((j) => !j.deleting && j.phase !== 'Complete' && j.phase !== 'Failed');
    return { ...p, notOwner: true, stop: stop.map((j) => j.name) };
  }
  if (observed.videoMissing || isRefused(vi, REASON.VideoMissing)) {
    const message = `refused: video ${vi.spec.videoId} is not in the database (it was deleted, or never uploaded), so there is nothing to ingest`;
    const p = refuse(vi, REASON.VideoMissing, message, now, false);
    const stop = observed.jobs.filter((j) => !j.deleting && j.phase !== 'Complete' && j.phase !== 'Failed');
    return { ...p, stop: stop.map((j) => j.name) };
  }
  const subset = validateStageSubset(vi.spec.stages ?? STAGE_NAMES);
  if (!subset.ok)
    return refuse(vi, REASON.InvalidSpec, `invalid spec: ${subset.problems.join('; ')}`, now, true);

  const nowIso = now.toISOString();
  const before = vi.status ?? {};
  const old = startReembed(vi.status, subset.stages, observed.models, nowIso) ?? before;
  // A stage run again by a re-embed has a Job of its round; the earlier round's finished Job is history.
  const ofItsRound = (j: StageObservation) => {
    const round = old.stages?.find((s) => s.name === j.stage)?.round;
    return !round || j.name === stageJobName(vi.metadata.name!, vi.metadata.uid!, j.stage, round);
  };
  // A run being deleted is gone, unless it had completed: its outcome stands (a Job deleted by hand just then).
  const runs = new Map(
    observed.jobs
      .filter((j) => (!j.deleting || j.phase === 'Complete') && ofItsRound(j))
      .map((j) => [j.stage, j]),
  );
  const waitingFor = observed.waitingFor ?? [];
  const { stages, outputs } = observeStages(subset.stages, old, runs, new Set(observed.interrupted), nowIso);
  const removed = stopRemovedStages(subset.stages, old, runs, observed.strays ?? [], outputs, nowIso);
  const window = settings.transientWindowMs ?? TRANSIENT_WINDOW_MS;
  const rerun = rerunTransientFailures(stages, runs, now, window, waitingFor);
  skipWhatLostItsInput(stages, nowIso);
  const failures = failuresOf(stages);
  const strays = observed.strays ?? [];
  const { create, stop } =
    failures.length > 0
      ? stopTheRest(stages, failures[0]!, nowIso)
      : startWhatIsReady(vi, stages, runs, admit, nowIso, now, {
          strays,
          waitingFor,
          leaving: new Set(
            observed.jobs.filter((j) => j.deleting && j.phase !== 'Complete').map((j) => j.name),
          ),
        });
  if (failures.length === 0) stop.push(...rerun.stop);
  // The run failed: nothing of it goes on, whatever its stage's status says (a stop asked for after an
  // earlier status write, and lost, is asked for again).
  else for (const j of runs.values()) if (j.phase === 'Active' || j.phase === 'Suspended') stop.push(j.name);
  stop.push(...removed.stop);
  for (const r of removed.stages) stages.set(r.name, r);
  const listed = STAGE_NAMES.filter((n) => stages.has(n));
  const next = nextStatus(vi, listed, stages, failures, outputs, now, waitingFor);
  const status = finishReembed(old.reembed ? { ...next, reembed: old.reembed } : next, nowIso);
  const lookAgainAt = failures.length === 0 ? rerun.lookAgainAt : undefined;
  const cause = failures[0];
  // A failed re-embed leaves an indexed video (and its original) as it was.
  const failsNow = status.phase === 'Failed' && old.phase !== 'Failed' && !reembedding(status);
  return {
    kind: 'reconcile',
    ...(lookAgainAt ? { lookAgainAt } : {}),
    ...(failsNow ? { releaseSource: cause?.category === 'BadInput' ? 'bad-input' : 'failed' } : {}),
    create,
    stop: [...new Set(stop)],
    // Whatever the plan, nothing of an earlier run may go on writing beside a new one.
    stopStrays: strays.filter((s) => !s.stopping).map((s) => s.name),
    status,
    statusChanged: !sameStatus(before, status),
    events: eventsBetween(vi, before, status),
    db: dbRows(status),
  };
}

/** Deletion runs the cleanup (our finalizer) or is none of our business; a new ingestion gets the finalizer first. */
function lifecycleStep(vi: VideoIngestion): Plan | undefined {
  const finalizers = vi.metadata.finalizers ?? [];
  if (vi.metadata.deletionTimestamp) {
    if (!finalizers.includes(FINALIZER)) return { kind: 'gone' };
    return isRefusedDuplicate(vi) ? { kind: 'cleanup', notOwner: true } : { kind: 'cleanup' };
  }
  if (!finalizers.includes(FINALIZER)) return { kind: 'addFinalizer' };
  return undefined;
}

const REMOVED = REMOVED_FROM_SPEC;
const STOPPING_REMOVED = 'removed from spec.stages: stopping its run, which may still finish';
const FINISHED_REMOVED = 'removed from spec.stages, but its run had finished its work before it stopped';

/**
 * Stages taken out of spec.stages while unfinished: their runs stop, and they stay listed as Skipped (so
 * their rows end too, and nothing waits on them). Stages that had finished before they were removed drop
 * out of the status; their rows keep their outcome. A run being stopped may still finish its work (the index
 * stage past its commit does, pipeline-image/src/stop.ts): until it has gone, the stage stays as it was, saying
 * it is stopping, and then what the run did is its outcome — Succeeded if it succeeded, else Skipped. Called
 * Skipped while it still ran, a run that then committed left the video indexed under a status saying it was not.
 */
function stopRemovedStages(
  run: readonly StageName[],
  old: VideoIngestionStatus,
  runs: ReadonlyMap<StageName, StageObservation>,
  strays: readonly Stray[],
  outputs: Outputs,
  nowIso: string,
): { stages: StageStatus[]; stop: string[] } {
  const stages: StageStatus[] = [];
  const stop: string[] = [];
  for (const s of old.stages ?? []) {
    if (run.includes(s.name)) continue;
    const job = runs.get(s.name);
    const live = job && (job.phase === 'Active' || job.phase === 'Suspended');
    if (s.state === 'Skipped' && s.message === REMOVED) {
      // Removed before: its run is stopped still if a stop was lost (asked for after the status write).
      if (live) stop.push(job.name);
      stages.push(s);
      continue;
    }
    if (DONE_STATES.has(s.state)) continue;
    if (live) stop.push(job.name);
    if (live || strays.some((x) => x.stage === s.name)) {
      stages.push({ ...s, message: STOPPING_REMOVED });
      continue;
    }
    if (job?.phase === 'Complete' && job.result?.outcome !== 'Failed') {
      const done = stageFromRun({ ...s, state: 'Running' }, job, outputs, nowIso);
      stages.push({ ...done, message: FINISHED_REMOVED });
      continue;
    }
    const { retryAt: _r, ...rest } = s;
    stages.push({ ...rest, state: 'Skipped', finishedAt: nowIso, message: REMOVED });
  }
  return { stages, stop };
}

/** Each stage's status from its last status and what its run shows now. */
function observeStages(
  run: readonly StageName[],
  old: VideoIngestionStatus,
  runs: ReadonlyMap<StageName, StageObservation>,
  interrupted: ReadonlySet<StageName>,
  nowIso: string,
): { stages: Map<StageName, StageStatus>; outputs: Outputs } {
  const oldStages = new Map((old.stages ?? []).map((s) => [s.name, s]));
  const stages = new Map<StageName, StageStatus>();
  const outputs: Outputs = {
    ...(old.durationSeconds !== undefined ? { durationSeconds: old.durationSeconds } : {}),
    ...(old.sceneCount !== undefined ? { sceneCount: old.sceneCount } : {}),
    ...(old.language !== undefined ? { language: old.language } : {}),
    ...(old.languageProbability !== undefined ? { languageProbability: old.languageProbability } : {}),
    ...(old.vectorModels !== undefined ? { vectorModels: old.vectorModels } : {}),
  };
  for (const name of run) {
    const prev: StageStatus = oldStages.get(name) ?? { name, state: 'Pending' };
    stages.set(name, stageFromRun(prev, runs.get(name), outputs, nowIso, interrupted.has(name)));
  }
  return { stages, outputs };
}

function stageFromRun(
  prev: StageStatus,
  job: StageObservation | undefined,
  outputs: Outputs,
  nowIso: string,
  interrupted = false,
): StageStatus {
  // Finished stages are history: their runs may be gone (a Job's TTL).
  if (DONE_STATES.has(prev.state)) return prev;
  // Its run was deleted by hand while it ran: the attempt it was on is not the video's, so it does not
  // count, and the stage starts again when ready.
  if (!job && interrupted && prev.state === 'Running') {
    const { startedAt: _s, ...rest } = prev;
    return {
      ...rest,
      state: 'Pending',
      attempts: Math.max(0, (prev.attempts ?? 1) - 1),
      interruptions: (prev.interruptions ?? 0) + 1,
      message: `its run ${prev.job ?? ''} was deleted while it ran; it starts again, and that attempt does not count`,
    };
  }
  // Not started, or its run vanished (deleted by someone): it starts (again) when ready.
  if (!job) return { ...prev, state: 'Pending' };
  // Waiting to run again after a transient failure: the failed run, until its removal lands, is that past.
  if (waitsToRunAgain(prev) && job.phase === 'Failed') return prev;
  const startedAt = prev.startedAt ?? job.startedAt;
  const base: StageStatus = {
    name: prev.name,
    state: 'Running',
    job: job.name,
    attempts: Math.max(job.attempts, prev.attempts ?? 0, 1),
    ...(startedAt ? { startedAt } : {}),
    ...(prev.reruns ? { reruns: prev.reruns } : {}),
    ...(prev.interruptions ? { interruptions: prev.interruptions } : {}),
    ...(prev.transientSince ? { transientSince: prev.transientSince } : {}),
    ...(prev.round ? { round: prev.round } : {}),
  };
  if (job.phase === 'Suspended') {
    return {
      ...base,
      state: 'Pending',
      attempts: prev.attempts ?? 0,
      message: 'queued: waiting for Kueue to admit the Job',
    };
  }
  if (job.phase === 'Active') return base;
  const finishedAt = job.finishedAt ?? nowIso;
  const result = job.result;
  if (job.phase === 'Complete' && result?.outcome !== 'Failed') {
    const out = result?.outputs ?? {};
    if (prev.name === 'probe' && typeof out.durationSeconds === 'number')
      outputs.durationSeconds = out.durationSeconds;
    if (typeof out.sceneCount === 'number') outputs.sceneCount = out.sceneCount;
    if (prev.name === 'asr' && typeof out.language === 'string') outputs.language = out.language;
    if (prev.name === 'asr' && typeof out.languageProbability === 'number')
      outputs.languageProbability = out.languageProbability;
    if (prev.name === 'index' && typeof out.visionModel === 'string')
      outputs.vectorModels = {
        vision: out.visionModel,
        ...(typeof out.textModel === 'string' ? { text: out.textModel } : {}),
      };
    const skipped = result?.outcome === 'Skipped';
    const message = result?.message ?? (skipped ? 'skipped by the stage' : undefined);
    return { ...base, state: skipped ? 'Skipped' : 'Succeeded', finishedAt, ...(message ? { message } : {}) };
  }
  const { category, message } = failureOf(job);
  return { ...base, state: 'Failed', finishedAt, category, message: message.slice(0, MAX_MESSAGE) };
}

/** What a failed run means: the stage's own word when it wrote a result, else the Job controller's. */
function failureOf(job: StageObservation): { category: ErrorCategory; message: string } {
  // First: an earlier attempt's result says how that attempt ended, not why the run was stopped. Retrying the
  // same input with the same budget ends the same way: a bug or a runaway, not an outage.
  if (job.failureReason === 'DeadlineExceeded')
    return { category: 'Internal', message: deadlineMessage(job.stage, job.deadlineSeconds) };
  const r = job.result;
  if (r?.outcome === 'Failed') {
    return {
      category: r.category ?? categoryOfExitCode(job.exitCode),
      message: r.message ?? 'the stage failed',
    };
  }
  const category = job.failureReason === 'PodFailurePolicy' ? categoryOfExitCode(job.exitCode) : 'Transient';
  const tries = job.attempts > 1 ? ` after ${job.attempts} attempts` : '';
  const code = job.exitCode !== undefined ? ` (exit code ${job.exitCode})` : '';
  return { category, message: r?.message ?? `the stage failed${tries}${code}` };
}

/**
 * Stages whose run just failed transiently wait and run again (TRANSIENT_WINDOW_MS says why): the failed
 * run is removed, the stage is Pending until `retryAt`. Past the window the failure stands.
 */
function rerunTransientFailures(
  stages: Map<StageName, StageStatus>,
  runs: ReadonlyMap<StageName, StageObservation>,
  now: Date,
  windowMs: number,
  waitingFor: readonly string[],
): { stop: string[]; lookAgainAt?: string } {
  const stop: string[] = [];
  let next: number | undefined;
  for (const s of stages.values()) {
    const job = runs.get(s.name);
    if (waitsToRunAgain(s)) {
      // Waiting already: its failed run may still be there until the removal lands.
      if (job && job.name === s.job && job.phase === 'Failed') stop.push(job.name);
      const at = s.retryAt ? Date.parse(s.retryAt) : Number.NaN;
      if (at > now.getTime()) next = Math.min(next ?? at, at);
      continue;
    }
    if (s.state !== 'Failed' || s.category !== 'Transient' || !job || job.name !== s.job) continue;
    if (job.phase !== 'Failed' || job.failureReason === 'DeadlineExceeded') continue;
    if (waitingFor.length > 0) {
      // The executor knows what is away (storage, the database): the failure is the outage's. The stage waits
      // for it, spending neither a re-run nor the window, and starts as soon as it is back.
      const { retryAt: _r, finishedAt: _f, category: _c, startedAt: _s, ...rest } = s;
      stages.set(s.name, {
        ...rest,
        state: 'Pending',
        message: `${WAITS_FOR}${waitingFor.join(' and ')}: ${s.message ?? 'the stage failed'}`.slice(
          0,
          MAX_MESSAGE,
        ),
      });
      stop.push(job.name);
      continue;
    }
    const since = s.transientSince ?? s.finishedAt ?? now.toISOString();
    if (now.getTime() - Date.parse(since) >= windowMs) continue;
    const reruns = s.reruns ?? 0;
    const at = now.getTime() + rerunDelayMs(reruns);
    stages.set(s.name, {
      name: s.name,
      state: 'Pending',
      ...(s.job ? { job: s.job } : {}),
      ...(s.attempts !== undefined ? { attempts: s.attempts } : {}),
      reruns: reruns + 1,
      transientSince: since,
      retryAt: new Date(at).toISOString(),
      ...(s.round ? { round: s.round } : {}),
      message: `waiting to run again after a transient failure: ${s.message ?? 'the stage failed'}`.slice(
        0,
        MAX_MESSAGE,
      ),
    });
    stop.push(job.name);
    next = Math.min(next ?? at, at);
  }
  return { stop, ...(next !== undefined ? { lookAgainAt: new Date(next).toISOString() } : {}) };
}

/** Skips are contagious along the DAG (core/dag.ts explains why). */
function skipWhatLostItsInput(stages: Map<StageName, StageStatus>, nowIso: string): void {
  const states = propagateSkips(statesOf(stages));
  for (const [name, state] of Object.entries(states) as [StageName, StageState][]) {
    const s = stages.get(name)!;
    if (state === 'Skipped' && s.state !== 'Skipped') {
      const cause = stageOf(name).needs.find((n) => states[n] === 'Skipped');
      stages.set(name, {
        ...s,
        state: 'Skipped',
        finishedAt: nowIso,
        message: `skipped: ${cause} was skipped`,
      });
    }
  }
}

/**
 * The stages that failed on their own, in DAG order; the first is the run's cause. Stages stopped because
 * of another's failure carry no category and never take its place. (A Failed stage without a category
 * and nothing else failed comes from an older operator: it counts as Internal.)
 */
function failuresOf(stages: ReadonlyMap<StageName, StageStatus>): Failure[] {
  const failed = [...stages.values()].filter((s) => s.state === 'Failed');
  const own = failed.filter((s) => s.category);
  return (own.length > 0 ? own : failed.slice(0, 1)).map((s) => ({
    stage: s.name,
    category: s.category ?? 'Internal',
    message: s.message ?? 'the stage failed',
  }));
}

/** The run failed: whatever still runs is stopped, and nothing new starts. */
function stopTheRest(
  stages: Map<StageName, StageStatus>,
  cause: Failure,
  nowIso: string,
): { create: StageName[]; stop: string[] } {
  const stop: string[] = [];
  for (const s of stages.values()) {
    if (s.state !== 'Running') continue;
    if (s.job) stop.push(s.job);
    stages.set(s.name, {
      ...s,
      state: 'Failed',
      finishedAt: nowIso,
      message: `stopped: stage ${cause.stage} failed`,
    });
  }
  return { create: [], stop };
}

/** Starts the stages whose needs are done, as far as admission grants; the rest wait with a reason. */
function startWhatIsReady(
  vi: VideoIngestion,
  stages: Map<StageName, StageStatus>,
  runs: ReadonlyMap<StageName, StageObservation>,
  admit: Admit,
  nowIso: string,
  now: Date,
  around: { strays: readonly Stray[]; waitingFor: readonly string[]; leaving: ReadonlySet<string> },
): { create: StageName[]; stop: string[] } {
  // A suspended Job (Kueue) is Pending but already exists: nothing to create for it. A stage waiting out a
  // transient failure starts at its retryAt.
  const waitsToRerun = (s: StageName) => {
    const at = stages.get(s)?.retryAt;
    return at !== undefined && Date.parse(at) > now.getTime();
  };
  const unmanaged = new Map(around.strays.map((s) => [s.stage, s.name]));
  const ready: StageName[] = [];
  for (const s of readyStages(statesOf(stages))) {
    if (runs.has(s) || waitsToRerun(s)) continue;
    const prev = stages.get(s)!;
    const stray = unmanaged.get(s);
    const job = stageJobName(vi.metadata.name!, vi.metadata.uid!, s, prev.round);
    // One run of a stage at a time: an earlier run that is still alive (its Job deleted without its pods)
    // could write beside a new one. It is stopped; the stage starts once it is gone.
    if (stray)
      stages.set(s, {
        ...prev,
        state: 'Pending',
        message: `waiting for ${stray}, a run of this stage left behind by a deleted Job, to stop`,
      });
    // Its earlier run's Job (deleted by hand, or stopped for a re-run) is still going, under the name the new
    // run needs: creating it now would only be refused, and a status calling the stage Running under a Job
    // that then goes would read as a deletion from outside.
    else if (around.leaving.has(job))
      stages.set(s, { ...prev, state: 'Pending', message: `waiting for its earlier Job ${job} to go` });
    // Nothing starts while a dependency is away: it would only fail, on the video's account.
    else if (around.waitingFor.length > 0) {
      if (!prev.message?.startsWith(WAITS_FOR))
        stages.set(s, {
          ...prev,
          state: 'Pending',
          message: `waiting for ${around.waitingFor.join(' and ')} to come back`,
        });
    } else ready.push(s);
  }
  const requests = ready.map((stage) => ({
    stage,
    resource: stageOf(stage).resource,
    job: stageJobName(vi.metadata.name!, vi.metadata.uid!, stage, stages.get(stage)?.round),
  }));
  const granted = requests.length > 0 ? admit(requests) : new Set<StageName>();
  const create: StageName[] = [];
  for (const r of requests) {
    const prev = stages.get(r.stage)!;
    if (!granted.has(r.stage)) {
      stages.set(r.stage, {
        ...prev,
        state: 'Pending',
        message: `waiting for a free ${r.resource.toUpperCase()} slot`,
      });
      continue;
    }
    create.push(r.stage);
    const { message: _m, retryAt: _r, ...rest } = prev;
    stages.set(r.stage, {
      ...rest,
      state: 'Running',
      job: r.job,
      attempts: Math.max(prev.attempts ?? 0, 1),
      // A run created before but not seen yet keeps its start: re-planning it changes nothing.
      startedAt: prev.job === r.job && prev.startedAt ? prev.startedAt : nowIso,
    });
  }
  return { create, stop: [] };
}

/** The status: phase, the summary message, conditions and the facts the stages reported. */
function nextStatus(
  vi: VideoIngestion,
  run: readonly StageName[],
  byName: ReadonlyMap<StageName, StageStatus>,
  failures: readonly Failure[],
  outputs: Outputs,
  now: Date,
  waitingFor: readonly string[],
): VideoIngestionStatus {
  const stages = run.map((n) => byName.get(n)!);
  const cause = failures[0];
  const phase = phaseOf(stages, cause !== undefined);
  const current = stages.find((s) => s.state === 'Running' || s.state === 'Pending')?.name;
  const waiting = stages.some((s) => s.state === 'Pending' && s.message?.startsWith('waiting'));
  const outage = !cause && phase !== 'Succeeded' && waitingFor.length > 0;
  const message = outage
    ? `waiting for ${waitingFor.join(' and ')} to come back`
    : summary(stages, phase, cause, waiting, current);
  const generation = vi.metadata.generation;
  return {
    phase,
    stages,
    ...(current && phase !== 'Succeeded' && phase !== 'Failed' ? { currentStage: current } : {}),
    progress: progressOf(statesOf(byName)),
    ...outputs,
    conditions: conditionsOf(vi.status?.conditions, phase, cause, waiting, message, generation, now, outage),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    ...(cause ? { errorCategory: cause.category } : {}),
    message,
  };
}

function phaseOf(stages: readonly StageStatus[], failed: boolean): Phase {
  if (failed) return 'Failed';
  if (stages.every((s) => s.state === 'Succeeded' || s.state === 'Skipped')) return 'Succeeded';
  return stages.some((s) => s.state !== 'Pending') ? 'Running' : 'Pending';
}

function summary(
  stages: readonly StageStatus[],
  phase: Phase,
  cause: Failure | undefined,
  waiting: boolean,
  current: StageName | undefined,
): string {
  if (cause) return `stage ${cause.stage} failed: ${cause.message}`;
  if (phase === 'Succeeded')
    return stages.some((s) => s.name === 'index' && s.state === 'Succeeded')
      ? 'the video is indexed'
      : 'every stage asked for is done; index was not among them, so the video is not indexed';
  const running = stages.filter((s) => s.state === 'Running').map((s) => s.name);
  if (waiting && running.length === 0) return 'waiting for capacity';
  return current ? `running ${running.join(', ') || current}` : '';
}

function conditionsOf(
  old: VideoIngestionStatus['conditions'],
  phase: Phase,
  cause: Failure | undefined,
  waiting: boolean,
  message: string,
  generation: number | undefined,
  now: Date,
  outage = false,
) {
  let conditions = old;
  const set = (c: ConditionInput) => {
    conditions = setCondition(conditions, c, generation, now);
  };
  if (phase === 'Succeeded') {
    set({ type: CONDITION.Ready, status: 'True', reason: REASON.Succeeded, message });
    set({
      type: CONDITION.Progressing,
      status: 'False',
      reason: REASON.Succeeded,
      message: 'every stage is done',
    });
    set({ type: CONDITION.Failed, status: 'False', reason: REASON.NoFailure, message: '' });
  } else if (cause) {
    const reason = REASON_OF_CATEGORY[cause.category];
    set({ type: CONDITION.Ready, status: 'False', reason, message });
    set({ type: CONDITION.Progressing, status: 'False', reason, message });
    set({ type: CONDITION.Failed, status: 'True', reason, message });
  } else {
    const reason = outage
      ? REASON.WaitingForDependency
      : phase === 'Pending'
        ? waiting
          ? REASON.WaitingForCapacity
          : REASON.Pending
        : REASON.StagesRunning;
    set({ type: CONDITION.Ready, status: 'False', reason, message });
    set({ type: CONDITION.Progressing, status: 'True', reason, message });
    set({ type: CONDITION.Failed, status: 'False', reason: REASON.NoFailure, message: '' });
  }
  return conditions ?? [];
}

/** Refused for good, once and stably: the spec is wrong, or the video belongs to another ingestion. */
export function isRefusedDuplicate(vi: VideoIngestion): boolean {
  return isRefused(vi, REASON.Duplicate);
}

function isRefused(vi: VideoIngestion, reason: Reason): boolean {
  return (vi.status?.conditions ?? []).some(
    (c) => c.type === CONDITION.Failed && c.status === 'True' && c.reason === reason,
  );
}

/**
 * A spec the DAG cannot run, or a second ingestion of one video, fails at once, for good: the person who
 * wrote it has to fix it.
 */
function refuse(
  vi: VideoIngestion,
  reason: typeof REASON.InvalidSpec | typeof REASON.Duplicate | typeof REASON.VideoMissing,
  message: string,
  now: Date,
  /** The refusal is about this ingestion's own run (its spec), so FAILED_SOURCES applies to its video. */
  ownRun: boolean,
): Reconcile {
  const old = vi.status ?? {};
  let conditions = old.conditions;
  for (const [type, status] of [
    [CONDITION.Ready, 'False'],
    [CONDITION.Progressing, 'False'],
    [CONDITION.Failed, 'True'],
  ] as const) {
    conditions = setCondition(conditions, { type, status, reason, message }, vi.metadata.generation, now);
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
    ...(ownRun && old.phase !== 'Failed' ? { releaseSource: 'failed' as const } : {}),
    create: [],
    stop: [],
    stopStrays: [],
    status,
    statusChanged: !sameStatus(old, status),
    events: eventsBetween(vi, old, status),
    db: { ...dbRows(status), jobs: [] },
  };
}

function statesOf(stages: ReadonlyMap<StageName, StageStatus>): StageStates {
  const states: StageStates = {};
  for (const [name, s] of stages) states[name] = s.state;
  return states;
}
