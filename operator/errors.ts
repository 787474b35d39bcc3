// Errors as typed categories with one policy (controller-rs error_policy): what a failed reconcile or a
// failed stage means, whether retrying can help, and the label each category carries in metrics.
import { ApiException } from '@kubernetes/client-node';
import type { ErrorCategory } from '../core/crd/videoingestion.js';

/** An error whose category is known; anything else thrown in a reconcile is classified by `categorize`. */
export class OperatorError extends Error {
  constructor(
    readonly category: ErrorCategory,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OperatorError';
  }
}

/** HTTP status of a client-node error, if it is one. */
export function statusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown; statusCode?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (err: unknown) => statusCode(err) === 404;
export const isConflict = (err: unknown) => statusCode(err) === 409;

/**
 * Reconcile errors. The API server, Postgres and S3 being unreachable, slow, or a write losing a race
 * (409) are transient. A 4xx other than those means we sent something the server will never accept:
 * retrying is still right (an operator upgrade or RBAC fix may cure it) but it is counted as Internal.
 */
export function categorize(err: unknown): ErrorCategory {
  if (err instanceof OperatorError) return err.category;
  const code = statusCode(err);
  if (code === undefined || code >= 500 || code === 409 || code === 429 || code === 408) return 'Transient';
  if (code === 401 || code === 403 || code === 422 || code === 400) return 'Internal';
  return 'Transient';
}

/** Requeue delay for the n-th consecutive failure of one key: exponential with jitter, capped. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  // Up to 20% jitter, so many keys failing together (API server restart) do not return together.
  return Math.min(maxMs, Math.round(exp * (1 + 0.2 * random())));
}
