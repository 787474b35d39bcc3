// Re-embedding after a model change, and indexing again after the DAG gained a stage, decided once for both
// executors (plan.ts calls it): when the models the
// stage Jobs would use now differ from the models a succeeded ingestion's vectors are of, only the embed stages of
// each changed kind (the text model's: embed-text and embed-screen) and index run again, from the artifacts already in storage (transcript, shots, keyframes); probe,
// audio, asr, shots, keyframes and ocr keep their results. The video stays searchable with its old vectors meanwhile:
// index replaces them with the new model's in one transaction (pipeline-image/src/db/scenes.ts), so a video
// switches whole, and its vectors are never a mix of two models.
import type { StageStatus, VideoIngestionSpec, VideoIngestionStatus } from '../crd/videoingestion.js';
import type { StageName } from '../dag.js';

/** The text and vision models a stage Job would embed with now. */
export interface WantedModels {
  text: string;
  vision: string;
}

/** spec.models first, then the executor's configured defaults (the TEXT_MODEL / VISION_MODEL stage Jobs get). */
export function wantedModels(spec: VideoIngestionSpec, defaults: WantedModels): WantedModels {
  return {
    text: spec.models?.textEmbedding ?? defaults.text,
    vision: spec.models?.visionEmbedding ?? defaults.vision,
  };
}

/** The stages that embed with each kind's model: the text model embeds transcripts and what is on screen. */
const EMBED_STAGES: Record<keyof WantedModels, readonly StageName[]> = {
  text: ['embed-text', 'embed-screen'],
  vision: ['embed-vision'],
};

/**
 * The status with a re-index round started, or undefined when nothing is to be done. Only a run that succeeded with
 * index can have one. Two things start it:
 * - a model change: a kind is re-embedded only when the video has vectors of it (no transcript: no text vectors,
 *   nothing to redo). An ingestion indexed before the models were recorded is taken to be of the wanted models (as
 *   search takes its unlabelled vectors), and gets them recorded;
 * - stages the DAG gained since the video was indexed (an upgrade that adds, say, the objects stage): they run, and
 *   index again so their results reach the scenes; before, they ran and their results stayed in storage.
 */
export function startReembed(
  status: VideoIngestionStatus | undefined,
  run: readonly StageName[],
  want: WantedModels | undefined,
  nowIso: string,
): VideoIngestionStatus | undefined {
  if (status?.phase !== 'Succeeded') return undefined;
  const index = status.stages?.find((s) => s.name === 'index');
  if (index?.state !== 'Succeeded') return undefined;
  const recorded = want && !status.vectorModels ? { ...status, vectorModels: { ...want } } : status;
  const have = status.vectorModels;
  // A round that ended with the vectors still not of the model it ran for: the stages embed with another model
  // than the executor wants (a stage setting naming another). Another round would end the same way, and the next.
  const last = status.reembed;
  const stuck = (k: keyof WantedModels) => Boolean(last?.finishedAt && last[k]?.to === want?.[k]);
  const changed =
    want && have
      ? (['text', 'vision'] as const).filter(
          (k) =>
            have[k] !== undefined &&
            have[k] !== want[k] &&
            EMBED_STAGES[k].some((n) => run.includes(n)) &&
            !stuck(k),
        )
      : [];
  const known = new Set((status.stages ?? []).map((s) => s.name));
  const added = run.filter((n) => !known.has(n));
  if (changed.length === 0 && added.length === 0) return recorded === status ? undefined : recorded;
  const round = (status.reembed?.round ?? 0) + 1;
  // A stage of these the status has no entry for (the DAG gained it since) comes in as added below.
  const again = new Set<StageName>([...changed.flatMap((k) => EMBED_STAGES[k]), 'index']);
  const stages = [
    ...(status.stages ?? []).map(
      (s): StageStatus => (again.has(s.name) ? { name: s.name, state: 'Pending', round } : s),
    ),
    ...added.map((name): StageStatus => ({ name, state: 'Pending', round })),
  ];
  const reembed: NonNullable<VideoIngestionStatus['reembed']> = {
    round,
    startedAt: nowIso,
    ...(added.length > 0 ? { added } : {}),
  };
  for (const k of changed) reembed[k] = { from: have![k]!, to: want![k] };
  // A kind still stuck stays on the record, so the round after this one does not take it for new.
  for (const k of ['text', 'vision'] as const)
    if (!reembed[k] && stuck(k) && have?.[k] !== want?.[k]) reembed[k] = last![k]!;
  return { ...recorded, stages, reembed };
}

/** The re-embed round is over once every stage of it is done: the time the video switched. */
export function finishReembed(status: VideoIngestionStatus, nowIso: string): VideoIngestionStatus {
  const r = status.reembed;
  if (!r || r.finishedAt || status.phase !== 'Succeeded') return status;
  return { ...status, reembed: { ...r, finishedAt: nowIso } };
}

/** Whether a re-embed round is under way (or ended in failure): the video keeps its state and old vectors. */
export const reembedding = (status: VideoIngestionStatus) =>
  Boolean(status.reembed && !status.reembed.finishedAt);

/** The stages of the current round, done out of all (for the status API). */
export function reembedProgress(status: VideoIngestionStatus): { done: number; of: number } | undefined {
  const r = status.reembed;
  if (!r) return undefined;
  const mine = (status.stages ?? []).filter((s) => s.round === r.round);
  return {
    done: mine.filter((s) => s.state === 'Succeeded' || s.state === 'Skipped').length,
    of: mine.length,
  };
}
