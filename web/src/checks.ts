// What is checked before a file is sent, with the same rules as the API (type, size) plus the length the
// browser's own media element reads, so a person learns at once rather than after the upload.
import type { Key } from './i18n.js';

const BY_EXTENSION: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
};

/** The type to announce: the browser's when it is one the API takes, else the one the extension names. */
export function mimeOf(file: { name: string; type: string }, accepted: readonly string[]): string {
  const given = file.type.toLowerCase();
  if (accepted.includes(given)) return given;
  const ext = file.name.toLowerCase().split('.').pop() ?? '';
  return BY_EXTENSION[ext] ?? (given || ext || 'unknown');
}

export interface Problem {
  key: Key;
  vars?: Record<string, string | number>;
}

/** Type and size, as the API checks them on init; null when both pass. */
export function checkBasics(
  file: { name: string; type: string; size: number },
  limits: { max_bytes: number; mime_types: readonly string[] },
  fmtBytes: (n: number) => string,
): Problem | null {
  const mime = mimeOf(file, limits.mime_types);
  if (!limits.mime_types.includes(mime)) return { key: 'check.type', vars: { type: file.type || file.name } };
  if (file.size === 0) return { key: 'check.empty' };
  if (file.size > limits.max_bytes)
    return { key: 'check.size', vars: { size: fmtBytes(file.size), max: fmtBytes(limits.max_bytes) } };
  return null;
}

/**
 * The length the browser reads from the file's header: a number of seconds, 'none' when it read a header
 * with no length (not a video), or 'unreadable' when this browser cannot parse the format at all (the
 * API checks it then).
 */
export function readDuration(
  file: File,
  mime: string,
  timeoutMs = 8000,
): Promise<number | 'none' | 'unreadable'> {
  return new Promise((resolve) => {
    const v = document.createElement('video');
    const url = URL.createObjectURL(file);
    const done = (r: number | 'none' | 'unreadable') => {
      clearTimeout(timer);
      v.removeAttribute('src');
      v.load();
      URL.revokeObjectURL(url);
      resolve(r);
    };
    const timer = setTimeout(() => done('unreadable'), timeoutMs);
    v.preload = 'metadata';
    v.muted = true;
    v.onloadedmetadata = () => done(Number.isFinite(v.duration) && v.duration > 0 ? v.duration : 'none');
    // A format the browser says it plays but cannot read is broken; one it does not play is for the API.
    v.onerror = () => done(v.canPlayType(mime) ? 'none' : 'unreadable');
    v.src = url;
  });
}
