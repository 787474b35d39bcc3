import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ApiError, problemOf } from './errors.js';
import { extensionOf, sanitizeFilename } from './filename.js';
import { sniffContainer } from './media-sniff.js';

const box = (type: string, brand = '') =>
  Buffer.concat([
    Buffer.from([0, 0, 0, 24]),
    Buffer.from(type + brand.padEnd(4), 'latin1'),
    Buffer.alloc(12),
  ]);

describe('recognising a video container from its first bytes', () => {
  it.each([
    ['an MP4', box('ftyp', 'isom'), 'mp4'],
    ['a QuickTime movie', box('ftyp', 'qt'), 'mov'],
    ['an old QuickTime movie starting with moov', box('moov'), 'mov'],
    ['an AVI', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('AVI LIST')]), 'avi'],
    [
      'a WebM',
      Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from('webm')]),
      'webm',
    ],
    [
      'a Matroska',
      Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x88]), Buffer.from('matroska')]),
      'matroska',
    ],
  ])('knows %s', (_name, bytes, expected) => {
    expect(sniffContainer(bytes)).toBe(expected);
  });

  it('does not take text, a PNG or too few bytes for a video', () => {
    expect(sniffContainer(Buffer.from('hello, this is not a video at all'))).toBeUndefined();
    expect(
      sniffContainer(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])),
    ).toBeUndefined();
    expect(sniffContainer(Buffer.from('ftyp'))).toBeUndefined();
  });
});

describe('cleaning an uploaded file name', () => {
  it('keeps Korean names, normalised to NFC', () => {
    const nfd = '바닷가.mp4'.normalize('NFD');
    expect(sanitizeFilename(nfd)).toBe('바닷가.mp4'.normalize('NFC'));
  });

  it('drops paths, control and direction-override characters', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('C:\\fakepath\\holiday.mov')).toBe('holiday.mov');
    expect(sanitizeFilename('evil\u202Evom.exe')).toBe('evilvom.exe');
    expect(sanitizeFilename('a\u0000b\nc.mp4')).toBe('abc.mp4');
  });

  it('refuses names with nothing left and shortens long ones keeping the extension', () => {
    expect(sanitizeFilename('..')).toBeUndefined();
    expect(sanitizeFilename(' / ')).toBeUndefined();
    const long = sanitizeFilename(`${'가'.repeat(300)}.webm`)!;
    expect(long.length).toBe(200);
    expect(extensionOf(long)).toBe('webm');
  });
});

describe('pagination cursors', () => {
  it('round-trip and reject anything forged or malformed', () => {
    const c = { createdAt: '2026-01-01T00:00:00.000Z', id: '0b7f2c1e-8a4d-4c1b-9e55-2f6c3d1a9b70' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor('not-a-cursor')).toBeUndefined();
    expect(decodeCursor(Buffer.from('["yesterday","x"]').toString('base64url'))).toBeUndefined();
  });
});

describe('problem documents', () => {
  it('carry the code, its status and a type URI, never a stack', () => {
    const p = problemOf(
      new ApiError('not_a_video', 'The file does not start like a video.'),
      'req-1',
      '/videos/upload/complete',
    );
    expect(p).toEqual({
      type: 'https://heimdex.io/problems/not-a-video',
      title: 'The uploaded file is not a video',
      status: 422,
      code: 'not_a_video',
      detail: 'The file does not start like a video.',
      instance: '/videos/upload/complete',
      request_id: 'req-1',
    });
  });
});
