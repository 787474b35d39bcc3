// The API's closed set of error codes, their HTTP statuses, and the RFC 9457 problem document.

export const ERROR_CODES = {
  bad_request: 400,
  validation_failed: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  upload_incomplete: 409,
  upload_size_mismatch: 422,
  not_a_video: 422,
  video_too_long: 422,
  video_truncated: 422,
  invalid_state: 409,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  headers_too_large: 431,
  dependency_unavailable: 503,
  insufficient_storage: 507,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

const TITLES: Record<ErrorCode, string> = {
  bad_request: 'Bad request',
  validation_failed: 'The request is not valid',
  unsupported_media_type: 'This file type is not supported',
  payload_too_large: 'The file is too large',
  upload_incomplete: 'The upload is not finished',
  upload_size_mismatch: 'The uploaded file does not match what was announced',
  not_a_video: 'The uploaded file is not a video',
  video_too_long: 'The video is too long',
  video_truncated: 'The upload looks incomplete',
  invalid_state: 'The video is not in a state that allows this',
  unauthenticated: 'Authentication required',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  rate_limited: 'Too many requests',
  headers_too_large: 'The request headers are too large',
  dependency_unavailable: 'A service heimdex depends on is unavailable',
  insufficient_storage: 'The server is out of disk space',
  internal: 'Internal server error',
};

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    /** A sentence a person can act on; shown to API clients, so never internals. */
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = ERROR_CODES[code];
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
}

export function problemOf(error: ApiError, requestId?: string, instance?: string): Problem {
  return {
    type: `https://heimdex.io/problems/${error.code.replaceAll('_', '-')}`,
    title: TITLES[error.code],
    status: error.status,
    code: error.code,
    detail: error.detail,
    ...(instance ? { instance } : {}),
    ...(requestId ? { request_id: requestId } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}
