import type { FfprobeData } from 'fluent-ffmpeg';
import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../../core/media/format-duration.js';
import { judgeProbe, parseRate, rotationOf } from './probe.js';

const video = (extra: Record<string, unknown> = {}) => ({
  index: 0,
  codec_type: 'video',
  codec_name: 'h264',
  width: 1920,
  height: 1080,
  avg_frame_rate: '30000/1001',
  r_frame_rate: '30000/1001',
  ...extra,
});
const data = (
  streams: Record<string, unknown>[],
  format: Record<string, unknown> = { duration: 12.5, format_name: 'mov,mp4' },
) => ({ streams, format, chapters: [] }) as unknown as FfprobeData;
const opts = { maxSeconds: 600, maxPixels: 7680 * 4320, sizeBytes: 1000 };

describe('judging a probed file', () => {
  it('accepts a video and reports its size, frame rate, sound and subtitle tracks', () => {
    const v = judgeProbe(
      data([
        video(),
        { index: 1, codec_type: 'audio', codec_name: 'aac', sample_rate: 48000, channels: 2 },
        { index: 2, codec_type: 'subtitle', codec_name: 'mov_text', tags: { language: 'kor' } },
      ]),
      opts,
    );
    expect(v).toMatchObject({
      ok: true,
      info: {
        durationSeconds: 12.5,
        video: { width: 1920, height: 1080, fps: 29.97, rotation: 0, variableFrameRate: false },
        audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
        subtitles: [{ index: 0, codec: 'mov_text', language: 'kor' }],
      },
    });
  });

  it.each([
    [
      'an empty file',
      data([video()]),
      { sizeBytes: 0 },
      'the file is empty (0 bytes); upload the video file itself',
    ],
    [
      'sound only',
      data([{ index: 0, codec_type: 'audio' }]),
      {},
      'the file has sound but no picture (audio only); upload a video',
    ],
    [
      'sound with cover art',
      data([{ index: 0, codec_type: 'audio' }, video({ disposition: { attached_pic: 1 } })]),
      {},
      'the file has sound but no picture (audio only); upload a video',
    ],
    ['no streams at all', data([]), {}, 'the file has no video stream; upload a video file'],
    [
      'no duration',
      data([video()], { duration: 'N/A' }),
      {},
      'the video has no readable length; the file may be cut short or damaged — upload it again',
    ],
    [
      '12 minutes',
      data([video()], { duration: 720 }),
      {},
      'the video is 12 min long; the longest accepted is 10 min — trim it and upload it again',
    ],
    [
      '10 min 30 s',
      data([video()], { duration: 630.2 }),
      {},
      'the video is 10 min 30 s long; the longest accepted is 10 min — trim it and upload it again',
    ],
    [
      'frames larger than MAX_VIDEO_PIXELS',
      data([video({ width: 16384, height: 8192 })]),
      {},
      'the picture is 16384×8192 (134.2 megapixels); the largest accepted is 33.2 megapixels — scale it down (to 3840×2160, for example) and upload it again',
    ],
    [
      'frames one pixel row over a lowered limit',
      data([video({ width: 1920, height: 1081 })]),
      { maxPixels: 1920 * 1080 },
      'the picture is 1920×1081 (2.1 megapixels); the largest accepted is 2.1 megapixels — scale it down (to 3840×2160, for example) and upload it again',
    ],
  ])('rejects %s with a reason a person understands', (_name, d, o, reason) => {
    expect(judgeProbe(d, { ...opts, ...o })).toEqual({ ok: false, reason });
  });

  it('flags a variable frame rate when the average rate is off the base rate', () => {
    const v = judgeProbe(data([video({ avg_frame_rate: '1500/73', r_frame_rate: '30/1' })]), opts);
    expect(v.ok && v.info.video.variableFrameRate).toBe(true);
  });

  it.each([
    [{ tags: { rotate: '90' } }, 90],
    [{ side_data_list: [{ rotation: -90 }] }, 90],
    [{ side_data_list: [{ rotation: 90 }] }, 270],
    [{ rotation: 180 }, 180],
    [{}, 0],
  ])('reads rotation %j as %i degrees clockwise', (extra, degrees) => {
    expect(rotationOf(video(extra) as never)).toBe(degrees);
  });

  it('swaps width and height of a video shown turned a quarter', () => {
    const v = judgeProbe(data([video({ tags: { rotate: '90' } })]), opts);
    expect(v.ok && [v.info.video.displayWidth, v.info.video.displayHeight]).toEqual([1080, 1920]);
  });

  it('keeps Korean metadata, NFC-normalized', () => {
    const v = judgeProbe(
      data([video()], { duration: 1, format_name: 'mp4', tags: { title: '바닷가'.normalize('NFD') } }),
      opts,
    );
    expect(v.ok && v.info.tags.title).toBe('바닷가'.normalize('NFC'));
  });

  it.each([
    ['30000/1001', 29.97002997002997],
    ['25/1', 25],
    ['0/0', undefined],
    [undefined, undefined],
  ])('parses the rate %s', (rate, value) => expect(parseRate(rate)).toBe(value));

  it.each([
    [59.6, '1 min'],
    [45, '45 s'],
    [754, '12 min 34 s'],
  ])('says %f seconds as %s', (s, text) => expect(formatDuration(s)).toBe(text));
});
