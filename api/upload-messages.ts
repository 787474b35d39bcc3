// Every sentence a person reads about an upload, in one place: what happened, then what to do. The
// wording table test (api/upload-messages.test.ts) walks this module, so a new message cannot skip the
// rules: a capital, one full stop, an action, no server path, no temporary directory, no internal id.
import { formatDuration } from '../core/media/format-duration.js';

const gib = (n: number) => (n / 1024 ** 3).toFixed(2).replace(/\.?0+$/, '');
const containers = 'MP4, MOV, AVI, MKV or WebM';

/** One sentence from a reason: first letter capitalised, trailing punctuation replaced by one full stop. */
export function sentence(text: string): string {
  const t = text.trim().replace(/[\s.;:,]+$/u, '');
  return t ? `${t[0]!.toUpperCase()}${t.slice(1)}.` : '';
}

export const uploadMessages = {
  unsupportedType: (given: string, accepted: readonly string[]) =>
    `${given} is not a supported video type; upload ${containers} (${accepted.join(', ')}).`,
  tooLarge: (size: number, max: number) =>
    `The file is ${size} bytes; the limit is ${max} bytes (${gib(max)} GiB). Trim or compress it and upload it again.`,
  noUsableName: () => 'The file name has no usable characters; rename the file and upload it again.',
  partsMissing: (missing: number, count: number, first: number) =>
    `${missing} of ${count} parts have not arrived yet (first missing: part ${first}); upload them and call complete again.`,
  partOutsidePlan: (count: number, part: number) =>
    `This upload has ${count} parts; part ${part} does not exist. Ask only for parts 1 to ${count}.`,
  noResumable: (state: string) =>
    `This video has no resumable upload in progress (it is ${state}); start a new upload.`,
  ended: (state: string, reason?: string | null) =>
    state === 'deleted'
      ? 'This video was deleted; start a new upload.'
      : reason
        ? `This video already ${state === 'failed' ? 'failed' : `is ${state}`}. ${sentence(reason)}`
        : `This video is ${state}; start a new upload.`,
  noFile: () => 'No file arrived at the upload URL before complete was called; start the upload again.',
  sizeMismatch: (got: number, announced: number) =>
    `The uploaded file has ${got} bytes but ${announced} were announced; upload it again.`,
  notAVideo: () =>
    `The uploaded file does not start like a video container (${containers}); upload a video file.`,
  truncated: (size: number, expected: number) =>
    `The upload looks incomplete — the file ends after ${size} bytes, but its container says it holds at least ${expected}. Upload the whole file again.`,
  tooLong: (seconds: number, max: number) =>
    `The video is ${formatDuration(seconds)} long; the longest accepted is ${formatDuration(max)}. Trim it and upload it again.`,
  abandoned: () => 'The upload was not completed in time and was abandoned; upload the video again.',
  notStarted: () => 'The upload is safe but processing could not be started; call complete again shortly.',
  // Standalone's storage URLs (api/local-storage.ts).
  bodyTooLarge: (expected: number) =>
    `This URL takes exactly ${expected} bytes, the size the upload announced; the body is larger, and nothing was stored. Start a new upload with the file's real size.`,
  bodyTooShort: (expected: number, received: number) =>
    `This URL takes exactly ${expected} bytes, the size the upload announced; the body had ${received}, and nothing was stored. Send the whole file.`,
  urlUnsized: () => 'This upload URL carries no size; ask the API for a new one.',
  urlForged: () => 'The signature of this storage URL does not match; ask the API for a new one.',
  urlExpired: () => 'This storage URL has expired; ask the API for a new one.',
  urlContentType: (ct: string) => `This URL was signed for Content-Type ${ct}; send the file with that type.`,
  diskFull: () => 'The disk holding heimdex data is full; free some space and upload again.',
} satisfies Record<string, (...args: never[]) => string>;

/** The one rule for what a processing failure reads as, by category (ARCHITECTURE.md: bad input, transient, internal). */
export function processingMessage(category: string | null, reason: string | null): string {
  switch (category) {
    case 'BadInput':
      // Bad-input reasons are written for the owner and carry their own action (the wording table checks).
      return reason ? sentence(reason) : 'This file could not be processed; check it and upload it again.';
    case 'Transient':
      // What failed is for the logs: its words are a service's, often with hosts and paths.
      return 'Processing stopped after several attempts because a service heimdex needs was unavailable; upload the video again later.';
    default:
      return 'Processing failed because of a problem on our side, which has been logged; upload the video again later, and tell whoever runs heimdex if it fails again.';
  }
}
