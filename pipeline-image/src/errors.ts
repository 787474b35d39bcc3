// Failure categories a stage can end with, and how each maps onto the stage contract's exit codes.
import type { StageResult } from '../../core/stage-contract.js';

/** The video itself is at fault (not playable, too long…): retrying cannot help. */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

/** A bug or a misconfiguration (a model missing, a setting wrong): retrying cannot help either. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
}

export type FailureCategory = NonNullable<StageResult['category']>;

/**
 * Anything not marked as bad input or internal is transient (storage or database unreachable, a tool killed by
 * a signal, e.g. for memory): the Job retries it. Programming errors (TypeError…) are internal, and so is a tool
 * that exited with an error or could not start (ffmpeg on the same input with the same arguments fails the same
 * way again): a retry would only fail the same way. A full disk is the exception: ffmpeg or a write that ran out of
 * space (ENOSPC, EDQUOT) says nothing about the video and succeeds once space is freed, so it is transient.
 */
export function categorize(err: unknown): FailureCategory {
  if (err instanceof BadInputError) return 'BadInput';
  if (err instanceof InternalError) return 'Internal';
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return 'Internal';
  const e = err as { name?: string; signal?: unknown; code?: unknown; stderr?: unknown } | undefined;
  if (isDiskFull(e)) return 'Transient';
  if (e?.name === 'ConfigError' || e?.name === 'ModelMissingError') return 'Internal';
  if (e?.name === 'FfmpegError' && !e.signal) return 'Internal';
  return 'Transient';
}

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
/** ffmpeg says it with strerror's words; Node with an errno code. */
const DISK_FULL_TEXT = /No space left on device|Disk quota exceeded/;

function isDiskFull(e: { code?: unknown; stderr?: unknown } | undefined): boolean {
  if (typeof e?.code === 'string' && DISK_FULL_CODES.has(e.code)) return true;
  return typeof e?.stderr === 'string' && DISK_FULL_TEXT.test(e.stderr);
}

/** One line for the `jobs` row: the first line of the message, never a stack. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').slice(0, 500) || 'unknown error';
}
