// What a status change means outside the resource, derived purely: the Kubernetes Events to record and
// the `videos`/`jobs` rows to write. plan() calls these; the executors apply what they return.
import type {
  ErrorCategory,
  StageStatus,
  VideoIngestion,
  VideoIngestionStatus,
} from '../crd/videoingestion.js';
import type { StageName, StageState } from '../dag.js';
import { reembedding } from './reembed.js';

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Identifies the occurrence, so recording it twice is harmless. */
  key: string;
}

/**
 * null: leave the video's state as it is (a run of stages without `index`, while it runs). `settle`: such a
 * run has ended; a video it leaves unsearchable and unfinished (validating, processing) becomes failed, saying
 * why, and any other state (indexed, failed, deleted) stays.
 */
export type VideoState = 'processing' | 'indexed' | 'failed' | 'settle' | null;
export type JobRowState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

export interface DbRows {
  video: {
    state: VideoState;
    errorText: string | null;
    errorCategory: ErrorCategory | null;
    durationSeconds: number | null;
  };
  jobs: {
    stage: StageName;
    state: JobRowState;
    attempts: number;
    progress: number;
    startedAt: string | null;
    finishedAt: string | null;
    errorText: string | null;
  }[];
}

/** Deep equality of plain JSON, with key order ignored. */
export function sameStatus(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x)
            .filter(([, y]) => y !== undefined)
            .sort(([p], [q]) => (p < q ? -1 : 1)),
        )
      : x,
  );
}

export function eventsBetween(
  vi: VideoIngestion,
  old: VideoIngestionStatus,
  next: VideoIngestionStatus,
): PlannedEvent[] {
  const uid = vi.metadata.uid ?? vi.metadata.name!;
  const events: PlannedEvent[] = [];
  const before = new Map((old.stages ?? []).map((s) => [s.name, s]));
  for (const s of next.stages ?? []) {
    const was = before.get(s.name);
    const round = (x: StageStatus) => (x.round ? `/round${x.round}` : '');
    const key = `${uid}/${s.name}/${s.state}/${s.attempts ?? 0}${s.reruns ? `/r${s.reruns}` : ''}${round(s)}`;
    // One start per run (a re-run, or a run started again after its Job was deleted, is another), whatever
    // its attempts: the same name whether the run is seen starting or only once it has ended.
    const startedKey = (x: StageStatus) =>
      `${uid}/${x.name}/started${x.reruns ? `/r${x.reruns}` : ''}${x.interruptions ? `/i${x.interruptions}` : ''}${round(x)}`;
    const started: PlannedEvent = {
      type: 'Normal',
      reason: 'StageStarted',
      message: `stage ${s.name} started (Job ${s.job})`,
      key: startedKey(s),
    };
    if ((s.interruptions ?? 0) > (was?.interruptions ?? 0)) {
      events.push({
        type: 'Warning',
        reason: 'StageInterrupted',
        message: `stage ${s.name}: its Job was deleted while it ran; it runs again, and that attempt does not count`,
        key: `${uid}/${s.name}/interrupted/${s.interruptions}`,
      });
    }
    if (s.state === 'Running') {
      if (was?.state !== 'Running' || startedKey(was) !== started.key) events.push(started);
      continue;
    }
    if (was?.state === s.state) continue;
    // A run that ended before the status ever said Running (the operator was down, or died between creating
    // the Job and writing the status) still started: the transition is implied by what is observed.
    const ownEnd =
      s.state === 'Succeeded' ||
      (s.state === 'Failed' && s.category !== undefined) ||
      (s.state === 'Skipped' && !s.message?.startsWith('skipped:'));
    if (ownEnd && s.job !== undefined && s.startedAt !== undefined && was?.state !== 'Running')
      events.push(started);
    if (s.state === 'Pending' && s.retryAt) {
      events.push({
        type: 'Warning',
        reason: 'StageWillRetry',
        message: `stage ${s.name} runs again at ${s.retryAt}: ${s.message ?? ''}`,
        key: `${uid}/${s.name}/rerun/${s.reruns ?? 0}`,
      });
    } else if (s.state === 'Succeeded') {
      events.push({ type: 'Normal', reason: 'StageSucceeded', message: `stage ${s.name} succeeded`, key });
    } else if (s.state === 'Skipped') {
      events.push({
        type: 'Normal',
        reason: 'StageSkipped',
        message: `stage ${s.name} ${s.message ?? 'skipped'}`,
        key,
      });
    } else if (s.state === 'Failed') {
      events.push({
        type: 'Warning',
        reason: 'StageFailed',
        message: `stage ${s.name} failed: ${s.message ?? ''}`,
        key,
      });
    }
  }
  if (old.phase !== next.phase && next.phase === 'Succeeded') {
    events.push({
      type: 'Normal',
      reason: 'Succeeded',
      message: next.message ?? 'the video is indexed',
      key: `${uid}/Succeeded`,
    });
  } else if (old.phase !== next.phase && next.phase === 'Failed') {
    events.push({
      type: 'Warning',
      reason: 'Failed',
      message: `${next.errorCategory ?? 'Internal'}: ${next.message ?? ''}`,
      key: `${uid}/Failed`,
    });
  }
  return events;
}

/** The message of a stage taken out of spec.stages while unfinished (plan.ts). */
export const REMOVED_FROM_SPEC = 'skipped: removed from spec.stages';

const ROW_STATE: Record<StageState, JobRowState> = {
  Pending: 'pending',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
};

export const NOT_INDEXED =
  'the run ended without the index stage (spec.stages did not include it), so the video is not searchable';

export function dbRows(status: VideoIngestionStatus): DbRows {
  // Indexed means searchable: only when index itself ran. A run of stages without it (spec.stages: a re-run
  // of some stages of an indexed video, or index removed mid-run) does not own the video's state: an indexed
  // video stays indexed and searchable while it runs and after, whatever its outcome (the jobs rows and the
  // status carry that). Only a video it would leave unfinished for good is settled, as failed.
  const index = status.stages?.find((s) => s.name === 'index');
  const runsIndex =
    index !== undefined && !(index.state === 'Skipped' && index.message === REMOVED_FROM_SPEC);
  const final = status.phase === 'Succeeded' || status.phase === 'Failed';
  const indexed = index?.state === 'Succeeded';
  // A re-embed leaves the video as it is: searchable with its old vectors until index switches it, and still so
  // when the re-embed fails (the status says why).
  const reembed = reembedding(status);
  const state: VideoState = reembed
    ? null
    : !runsIndex
      ? final
        ? 'settle'
        : null
      : status.phase === 'Succeeded'
        ? indexed
          ? 'indexed'
          : 'settle'
        : status.phase === 'Failed'
          ? 'failed'
          : 'processing';
  // The owner reads videos.error_text (the API's humanError): the failing stage's own words, written for
  // them, rather than the summary that names our stage; the jobs rows keep which stage it was.
  const cause = status.stages?.find((s) => s.state === 'Failed' && s.category);
  const failed = status.phase === 'Failed';
  return {
    video: {
      state,
      errorText:
        failed && !reembed
          ? (cause?.message ?? status.message ?? 'ingestion failed')
          : state === 'settle'
            ? NOT_INDEXED
            : null,
      errorCategory:
        failed && !reembed ? (status.errorCategory ?? 'Internal') : state === 'settle' ? 'BadInput' : null,
      durationSeconds: status.durationSeconds ?? null,
    },
    jobs: (status.stages ?? []).map((s) => ({
      stage: s.name,
      state: ROW_STATE[s.state],
      attempts: s.attempts ?? 0,
      progress: s.state === 'Succeeded' || s.state === 'Skipped' ? 100 : 0,
      startedAt: s.startedAt ?? null,
      finishedAt: s.finishedAt ?? null,
      errorText: s.state === 'Failed' ? (s.message ?? null) : null,
    })),
  };
}
