// What a status change means outside the resource, derived purely: the Kubernetes Events to record and
// the `videos`/`jobs` rows to write. plan() calls these; the executors apply what they return.
import type { ErrorCategory, VideoIngestion, VideoIngestionStatus } from '../crd/videoingestion.js';
import type { StageName, StageState } from '../dag.js';

export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Identifies the occurrence, so recording it twice is harmless. */
  key: string;
}

/** null: leave the video's state as it is (a run that succeeded without the index stage). */
export type VideoState = 'processing' | 'indexed' | 'failed' | null;
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
    if (was?.state === s.state) continue;
    const key = `${uid}/${s.name}/${s.state}/${s.attempts ?? 0}${s.reruns ? `/r${s.reruns}` : ''}`;
    if (s.state === 'Pending' && s.retryAt) {
      events.push({
        type: 'Warning',
        reason: 'StageWillRetry',
        message: `stage ${s.name} runs again at ${s.retryAt}: ${s.message ?? ''}`,
        key: `${uid}/${s.name}/rerun/${s.reruns ?? 0}`,
      });
    } else if (s.state === 'Running') {
      events.push({
        type: 'Normal',
        reason: 'StageStarted',
        message: `stage ${s.name} started (Job ${s.job})`,
        key,
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

const ROW_STATE: Record<StageState, JobRowState> = {
  Pending: 'pending',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
};

export function dbRows(status: VideoIngestionStatus): DbRows {
  // Indexed means searchable: only when index itself ran. A run of stages without it (spec.stages) that
  // succeeds changes nothing about the video's state.
  const indexed = status.stages?.some((s) => s.name === 'index' && s.state === 'Succeeded');
  const state: VideoState =
    status.phase === 'Succeeded'
      ? indexed
        ? 'indexed'
        : null
      : status.phase === 'Failed'
        ? 'failed'
        : 'processing';
  // The owner reads videos.error_text (the API's humanError): the failing stage's own words, written for
  // them, rather than the summary that names our stage; the jobs rows keep which stage it was.
  const cause = status.stages?.find((s) => s.state === 'Failed' && s.category);
  return {
    video: {
      state,
      errorText: status.phase === 'Failed' ? (cause?.message ?? status.message ?? 'ingestion failed') : null,
      errorCategory: status.phase === 'Failed' ? (status.errorCategory ?? 'Internal') : null,
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
