// The contract between a runner (the operator's Jobs, the standalone runner's processes) and the stage
// program: argv, environment, exit codes and the result document. One definition for every side.
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ErrorCategory, ModelOverrides, VideoIngestionSpec } from './crd/videoingestion.js';
import { DEFAULT_LANGUAGE, ERROR_CATEGORIES, StringEnum } from './crd/videoingestion.js';
import type { StageName } from './dag.js';

/** `<entrypoint> <stage> <videoId>`: what every stage Job's container runs (as args). */
export function stageArgs(stage: StageName, videoId: string): string[] {
  return [stage, videoId];
}

/**
 * Exit codes. 0: the result file says Succeeded or Skipped. EXIT_BAD_INPUT: the video itself is at fault
 * (not playable, too long…); retrying cannot help, so Jobs fail at once through a pod failure policy.
 * EXIT_INTERNAL: a bug or a misconfiguration; retrying cannot help either. Anything else is transient
 * (storage or database unreachable, out of memory) and is retried up to the Job's backoffLimit.
 */
export const EXIT_BAD_INPUT = 42;
export const EXIT_INTERNAL = 43;
export const NON_RETRYABLE_EXIT_CODES = [EXIT_BAD_INPUT, EXIT_INTERNAL] as const;
/** The exit code a transient failure uses (any code but 0, 42 and 43 means the same). */
export const EXIT_TRANSIENT = 1;

/** The exit code a stage program ends with for a failure of this category. */
export function exitCodeOf(category: ErrorCategory): number {
  switch (category) {
    case 'BadInput':
      return EXIT_BAD_INPUT;
    case 'Internal':
      return EXIT_INTERNAL;
    case 'Transient':
      return EXIT_TRANSIENT;
  }
}

/** The category a stage program's exit code stands for; unknown or missing codes are transient. */
export function categoryOfExitCode(code: number | undefined): ErrorCategory {
  if (code === EXIT_BAD_INPUT) return 'BadInput';
  if (code === EXIT_INTERNAL) return 'Internal';
  return 'Transient';
}

/** Environment a runner gives the stage program about the video (besides the shared configuration). */
export const STAGE_ENV = {
  videoId: 'HEIMDEX_VIDEO_ID',
  userId: 'HEIMDEX_USER_ID',
  sourceBucket: 'HEIMDEX_SOURCE_BUCKET',
  sourceKey: 'HEIMDEX_SOURCE_KEY',
  mimeType: 'HEIMDEX_SOURCE_MIME_TYPE',
  language: 'HEIMDEX_LANGUAGE',
  /** Where the program writes its StageResult JSON; Jobs point the termination message path here. */
  resultFile: 'HEIMDEX_RESULT_FILE',
  /** A writable scratch directory (an emptyDir in Jobs). */
  scratchDir: 'HEIMDEX_SCRATCH_DIR',
} as const;

/**
 * The settings the stage program reads its models from (pipeline-image/src/config.ts uses these very
 * keys), by the name of the override in a VideoIngestion's `spec.models`.
 */
export const MODEL_ENV = {
  asr: 'ASR_MODEL',
  textEmbedding: 'TEXT_MODEL',
  visionEmbedding: 'VISION_MODEL',
} as const satisfies Record<keyof ModelOverrides, string>;

/**
 * Everything a stage process is told about its run, as environment variables: the video, where to write
 * its result and scratch files, and the per-video model overrides. Both executors (Jobs and local
 * processes) call this; what they add on top is only the shared configuration (database, storage).
 */
export function stageEnvironment(
  spec: VideoIngestionSpec,
  where: { resultFile: string; scratchDir: string },
): Record<string, string> {
  const env: Record<string, string> = {
    [STAGE_ENV.videoId]: spec.videoId,
    [STAGE_ENV.userId]: spec.userId,
    [STAGE_ENV.sourceBucket]: spec.source.bucket,
    [STAGE_ENV.sourceKey]: spec.source.key,
    [STAGE_ENV.mimeType]: spec.source.mimeType,
    [STAGE_ENV.language]: spec.language ?? DEFAULT_LANGUAGE,
    [STAGE_ENV.resultFile]: where.resultFile,
    [STAGE_ENV.scratchDir]: where.scratchDir,
  };
  for (const [override, name] of Object.entries(MODEL_ENV) as [keyof ModelOverrides, string][]) {
    const model = spec.models?.[override];
    if (model) env[name] = model;
  }
  return env;
}

/** The result document a stage writes before it exits (kept small: it travels as a termination message). */
export const StageResultSchema = Type.Object({
  outcome: Type.Union([Type.Literal('Succeeded'), Type.Literal('Skipped'), Type.Literal('Failed')]),
  /** For people: why it was skipped or failed. */
  message: Type.Optional(Type.String({ maxLength: 1024 })),
  /** For failures: BadInput, Transient or Internal (mirrors the exit code). */
  category: Type.Optional(StringEnum(ERROR_CATEGORIES)),
  /** Facts later stages and the status want: durationSeconds from probe, sceneCount from index… */
  outputs: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()])),
  ),
});
export type StageResult = Static<typeof StageResultSchema>;

/** Kubernetes keeps at most 4096 bytes of a termination message. */
export const MAX_RESULT_BYTES = 4096;

export function encodeResult(result: StageResult): string {
  const text = JSON.stringify(result);
  if (Buffer.byteLength(text) <= MAX_RESULT_BYTES) return text;
  const shorter = JSON.stringify({ ...result, message: result.message?.slice(0, 200) });
  if (Buffer.byteLength(shorter) <= MAX_RESULT_BYTES) return shorter;
  // Outputs that do not fit are lost rather than the outcome: the outcome decides what happens next.
  return JSON.stringify({
    outcome: result.outcome,
    category: result.category,
    message: result.message?.slice(0, 200),
  });
}

/** Parses a termination message or result file; undefined when absent or not a result (e.g. log text). */
export function decodeResult(text: string | undefined): StageResult | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return Value.Check(StageResultSchema, value) ? value : undefined;
  } catch {
    return undefined;
  }
}
