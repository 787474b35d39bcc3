// How long one stage run may take, for both executors: a Job's activeDeadlineSeconds in a cluster, a kill in
// standalone mode. A base plus a share per second of the video, weighted by how heavy the stage is, so a
// runaway decoder or a tool that hangs fails its video (as Internal, with the budget in the message) instead of
// holding a slot forever. Before probe has measured the video, the longest accepted video is assumed.
import type { StageName } from '../dag.js';

export interface DeadlineSettings {
  /** Seconds every run gets (STAGE_DEADLINE_BASE_SECONDS, default 600). */
  baseSeconds: number;
  /** Seconds per second of video, before the stage's weight (STAGE_DEADLINE_PER_VIDEO_SECOND, default 3). */
  perVideoSecond: number;
  /** The longest video accepted (MAX_VIDEO_SECONDS): the duration assumed before probe has measured it. */
  maxVideoSeconds: number;
}

export const DEFAULT_DEADLINE_BASE_SECONDS = 600;
export const DEFAULT_DEADLINE_PER_VIDEO_SECOND = 3;

/**
 * How many times the per-second share each stage gets. Speech recognition decodes every window, on CPU in
 * standalone mode at several times real time (Whisper base with beam search, docs/benchmarks.md); the rest
 * read the media once or embed a few texts and pictures.
 */
export const STAGE_WEIGHT: Record<StageName, number> = {
  probe: 0,
  audio: 1,
  asr: 4,
  shots: 1,
  keyframes: 1,
  'embed-vision': 1,
  'embed-text': 1,
  // About one frame read per 4 s of video, each a detector run and a Tesseract pass over up to 40 lines three
  // times: ~2–7 s a frame on a busy 2-core machine (docs/benchmarks.md), so up to ~2 s per second of video.
  ocr: 2,
  // One detector run per frame read (~0.1–0.3 s on a busy machine, docs/benchmarks.md): well inside the base share.
  objects: 1,
  // A few short texts per scene through the text model.
  'embed-screen': 1,
  index: 1,
};

export function stageDeadlineSeconds(
  stage: StageName,
  durationSeconds: number | undefined,
  s: DeadlineSettings,
): number {
  const seconds = durationSeconds ?? s.maxVideoSeconds;
  return Math.ceil(s.baseSeconds + seconds * s.perVideoSecond * STAGE_WEIGHT[stage]);
}

/** The message of a run stopped at its deadline: what happened, the budget, and where to look. */
export function deadlineMessage(stage: StageName, deadlineSeconds: number | undefined): string {
  const budget = deadlineSeconds !== undefined ? ` of ${deadlineSeconds} s` : '';
  return (
    `the ${stage} stage ran past its time budget${budget} and was stopped (a runaway decoder or a tool that hung; ` +
    `its log says where it was); STAGE_DEADLINE_BASE_SECONDS and STAGE_DEADLINE_PER_VIDEO_SECOND set the budget`
  );
}
