// Smoke tests of the media tools the pipeline and the test media generator rely on: ffmpeg, ffprobe, espeak-ng.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/cleanup.js';

const dir = tempDir('media');

describe('the test bed media tools', () => {
  it('ffprobe reads back the streams and duration of a video made with ffmpeg and espeak-ng speech', () => {
    const speech = join(dir, 'speech.wav');
    execFileSync('espeak-ng', ['-w', speech, 'we grill meat on the beach']);
    expect(statSync(speech).size).toBeGreaterThan(1000);
    const video = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', [
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25:duration=3',
      '-i',
      speech,
      '-filter_complex',
      '[1:a]apad=whole_dur=3[a]',
      '-map',
      '0:v',
      '-map',
      '[a]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-t',
      '3',
      video,
    ]);
    const probe = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', video],
        {
          encoding: 'utf8',
        },
      ),
    );
    const kinds = probe.streams.map((s: { codec_type: string }) => s.codec_type).sort();
    expect(kinds).toEqual(['audio', 'video']);
    const v = probe.streams.find((s: { codec_type: string }) => s.codec_type === 'video');
    expect([v.width, v.height, v.codec_name]).toEqual([320, 240, 'h264']);
    expect(Number(probe.format.duration)).toBeCloseTo(3, 0);
  });
});
