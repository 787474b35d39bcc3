// The wording table: every message a person can see about an upload (the API's answers and stored
// reasons, standalone's storage URLs, the probe stage's reasons as the API shows them, the web app's
// checks) holds to the same rules. A message added to api/upload-messages.ts without a row fails here.
import type { FfprobeData } from 'fluent-ffmpeg';
import { describe, expect, it } from 'vitest';
import { judgeProbe, REASONS } from '../pipeline-image/src/media/probe.js';
import { type Key, translate } from '../web/src/i18n.js';
import { processingMessage, sentence, uploadMessages } from './upload-messages.js';
import { humanError } from './videos-service.js';

type Say = typeof uploadMessages;
/** One example per message, with the arguments a real upload would give it. */
const examples: { [K in keyof Say]: Parameters<Say[K]> } = {
  unsupportedType: ['application/pdf', ['video/mp4', 'video/webm']],
  tooLarge: [60 * 1024 ** 2, 50 * 1024 ** 2],
  noUsableName: [],
  partsMissing: [1, 3, 2],
  partOutsidePlan: [3, 9],
  noResumable: ['indexed'],
  ended: ['failed', 'The upload was not completed in time and was abandoned; upload the video again.'],
  noFile: [],
  sizeMismatch: [100, 110],
  notAVideo: [],
  truncated: [2000, 48_213],
  tooLong: [750, 600],
  abandoned: [],
  notStarted: [],
  bodyTooLarge: [10],
  bodyTooShort: [10, 5],
  urlUnsized: [],
  urlForged: [],
  urlExpired: [],
  urlContentType: ['video/mp4'],
  diskFull: [],
};

const video = (extra: Record<string, unknown> = {}) => ({
  codec_type: 'video',
  codec_name: 'h264',
  width: 1920,
  height: 1080,
  avg_frame_rate: '25/1',
  ...extra,
});
const probed = (streams: Record<string, unknown>[], duration: unknown = 12) =>
  ({ streams, format: { duration }, chapters: [] }) as unknown as FfprobeData;
const limits = { maxSeconds: 600, maxPixels: 7680 * 4320, sizeBytes: 1000 };
/** Every reason the probe stage can give (judgeProbe's and its own), as the API shows a BadInput failure. */
const probeReasons = [
  REASONS.missing,
  REASONS.empty,
  REASONS.incomplete,
  REASONS.unplayable('Invalid data found when processing input'),
  ...[
    judgeProbe(probed([video()]), { ...limits, sizeBytes: 0 }),
    judgeProbe(probed([{ codec_type: 'audio' }]), limits),
    judgeProbe(probed([]), limits),
    judgeProbe(probed([video()], 'N/A'), limits),
    judgeProbe(probed([video()], 720), limits),
    judgeProbe(probed([video({ width: 0 })]), limits),
    judgeProbe(probed([video({ width: 16384, height: 16384 })]), limits),
  ].map((v) => (v.ok ? 'accepted' : v.reason)),
];

const apiRows: [string, string][] = [
  ...Object.entries(examples).map(
    ([k, args]) =>
      [k, (uploadMessages[k as keyof Say] as (...a: unknown[]) => string)(...args)] as [string, string],
  ),
  ...probeReasons.map((r) => [`probe: ${r}`, processingMessage('BadInput', r)] as [string, string]),
  // What a stage's internal error says (a path, a temp directory, a video id) never reaches the owner.
  ...(['Transient', 'Internal', null] as const).map(
    (c) =>
      [
        `category ${c}`,
        processingMessage(
          c,
          "ENOENT: no such file or directory, open '/tmp/heimdex-3f2a/work/0b8e6c1e-7d5a-4a8e-9d8e-2f7a1c3b5d6e/probe/source'",
        ),
      ] as [string, string],
  ),
  ['BadInput without a reason', processingMessage('BadInput', null)],
];
const webKeys: Key[] = ['check.type', 'check.size', 'check.empty', 'check.duration', 'check.too-long'];
const webVars = { type: 'text/plain', size: '2.1 GB', max: '1.0 GB', d: '12:30' };
const webRows: [string, string][] = (['en', 'ko'] as const).flatMap((l) =>
  webKeys.map((k) => [`web ${l} ${k}`, translate(l, k, webVars)] as [string, string]),
);

/** Messages that open with what the person gave (a file type): those may start in lower case. */
const startsWithTheirValue = new Set(['unsupportedType', 'web en check.type']);

describe('the wording of every upload message', () => {
  it('has a row for every message the API can give', () => {
    expect(Object.keys(examples).sort()).toEqual(Object.keys(uploadMessages).sort());
    expect(probeReasons).not.toContain('accepted');
  });

  it.each([...apiRows, ...webRows])('%s: one sentence ending once, no doubled punctuation', (name, text) => {
    expect(text.trim()).toBe(text);
    expect(text).toMatch(/[.!]$/);
    expect(text).not.toMatch(/[.;:,—]\s*[.;:,]|\.\s*\.|\s[.;:,]/);
    if (!startsWithTheirValue.has(name) && !name.startsWith('web ko')) expect(text).toMatch(/^[A-Z0-9]/);
  });

  it.each(apiRows)('%s: says what to do', (_name, text) => {
    expect(text).toMatch(
      /\b(upload|trim|scale|rename|send|start|ask|free|call|check|export|copy|tell|choose)\b/i,
    );
  });

  it.each([...apiRows, ...webRows])(
    '%s: names no server path, temp directory or internal id',
    (_name, text) => {
      expect(text).not.toMatch(/\/[\w.-]+\/[\w.-]+\//); // a path (a MIME type has one slash)
      expect(text).not.toMatch(/heimdex-[\w]+|\.partial|scratch|ENOENT/);
      expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    },
  );

  it('shows a failed upload’s stored reason as it is: no second sentence, no doubled full stop', () => {
    for (const reason of [
      uploadMessages.noFile(),
      uploadMessages.notAVideo(),
      uploadMessages.truncated(2000, 48_213),
      uploadMessages.tooLong(750, 600),
      uploadMessages.abandoned(),
    ])
      expect(humanError({ error_category: 'BadInput', error_text: reason })).toBe(reason);
    expect(humanError({ error_category: 'Internal', error_text: '/srv/heimdex/work/x: EIO' })).not.toMatch(
      /srv|EIO/,
    );
  });

  it('states the limits with their numbers', () => {
    expect(uploadMessages.tooLong(750, 600)).toBe(
      'The video is 12 min 30 s long; the longest accepted is 10 min. Trim it and upload it again.',
    );
    expect(processingMessage('BadInput', probeReasons.at(-1)!)).toBe(
      'The picture is 16384×16384 (268.4 megapixels); the largest accepted is 33.2 megapixels — scale it down (to 3840×2160, for example) and upload it again.',
    );
    expect(processingMessage('BadInput', REASONS.incomplete)).toBe(
      'The upload looks incomplete — upload it again.',
    );
  });

  it('turns a reason into one sentence, whatever punctuation it ended with', () => {
    expect(sentence('the file is empty')).toBe('The file is empty.');
    expect(sentence('The file is empty.')).toBe('The file is empty.');
    expect(sentence('the file is empty;  ')).toBe('The file is empty.');
    expect(sentence('')).toBe('');
  });
});
