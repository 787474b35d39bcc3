// The REST API as the app calls it: the same routes and JSON as /openapi.json, the bearer token attached,
// RFC 9457 problems turned into errors that carry the API's own sentence.
import { signal } from '@preact/signals';

export const token = signal<string | null>(null);

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(detail);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(token.value ? { authorization: `Bearer ${token.value}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiProblem(0, 'offline', 'offline');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const p = (json ?? {}) as { code?: string; detail?: string; title?: string };
    if (res.status === 401) token.value = null;
    throw new ApiProblem(res.status, p.code ?? 'http', p.detail ?? p.title ?? `HTTP ${res.status}`);
  }
  return json as T;
}

export type VideoState = 'uploading' | 'validating' | 'processing' | 'indexed' | 'failed' | 'deleted';

export interface Video {
  video_id: string;
  title: string;
  filename: string | null;
  mime_type: string | null;
  size_bytes: number | null;
  duration_s: number | null;
  state: VideoState;
  error: { category: string; message: string } | null;
  created_at: string;
}

export interface Status {
  video_id: string;
  state: VideoState;
  progress: number;
  stages: { name: string; state: string; progress: number; message: string | null }[];
  error: { category: string; message: string } | null;
}

export interface Hit {
  scene_id: string;
  video_id: string;
  video_title: string;
  start_s: number;
  end_s: number;
  snippet: string;
  thumbnail_url: string | null;
  /** Calibrated 0–1, comparable across queries (see the API's schema); strength is the same in words. */
  relevance: number;
  strength: 'strong' | 'good' | 'weak';
  /** The rank-fusion score: orders one response, means nothing across queries. */
  score: number;
  scores: { lexical: number | null; text: number | null; vision: number | null };
}

export interface SearchResult {
  query: string;
  items: Hit[];
  next_cursor: string | null;
  /** "on", "on (…)" or "off: <why>" per signal. */
  signals: { lexical: string; text: string; vision: string };
  hint: string | null;
}

export interface Scene {
  scene_id: string;
  idx: number;
  start_s: number;
  end_s: number;
  transcript: string | null;
  thumbnail_url: string | null;
}

export interface Preview {
  scene_id: string;
  video_id: string;
  video_title: string;
  start_s: number;
  end_s: number;
  url: string;
  mime_type: string | null;
}

export interface WebConfig {
  sign_in: 'local' | 'oidc' | 'token';
  oidc: { issuer: string; client_id: string; scope: string } | null;
  upload: { max_bytes: number; max_seconds?: number; mime_types: string[] };
}
