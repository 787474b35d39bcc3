import { describe, expect, it } from 'vitest';
import {
  audioArgs,
  escapeFilterValue,
  frameStreamArgs,
  keyframeArgs,
  keyframeFilter,
  keyframeSelectExpr,
  subtitleArgs,
} from './args.js';

describe('ffmpeg command lines', () => {
  it.each([
    [
      'audio takes the first audio stream as 16 kHz mono PCM WAV',
      audioArgs('in.mp4', 'out.wav'),
      ['-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le'],
    ],
    [
      'shot analysis decodes only the first video stream and streams raw frames on stdout',
      frameStreamArgs('in.mp4', '/tmp/s.txt', { width: 128, height: 72 }),
      ['-map', '0:v:0', '-an', '-sn', '-dn', '-vf'],
    ],
    [
      'keyframes read their filter from a script and keep one image per selected frame',
      keyframeArgs('in.mp4', 'f.txt', 'kf-%05d.jpg'),
      ['-filter_script:v', 'f.txt', '-fps_mode', 'passthrough'],
    ],
    [
      'subtitles of any codec come out as SubRip',
      subtitleArgs('in.mkv', 1, 'out.srt'),
      ['-map', '0:s:1', '-c:s', 'srt', '-f', 'srt', 'out.srt'],
    ],
  ])('%s', (_name, args, expected) => {
    const at = args.indexOf(expected[0]!);
    expect(at, args.join(' ')).toBeGreaterThanOrEqual(0);
    expect(args.slice(at, at + expected.length)).toEqual(expected);
    expect(args.slice(0, 2)).toEqual(['-nostdin', '-hide_banner']);
  });

  it('asks ffmpeg for machine-readable progress on stdout and never reads stdin', () => {
    const args = audioArgs('a', 'b');
    expect(args).toContain('-nostdin');
    expect(args.slice(args.indexOf('-progress'), args.indexOf('-progress') + 2)).toEqual([
      '-progress',
      'pipe:1',
    ]);
  });

  it('passes a thread count only when one is configured', () => {
    expect(audioArgs('a', 'b')).not.toContain('-threads');
    const args = audioArgs('a', 'b', 2);
    expect(args.slice(args.indexOf('-threads'), args.indexOf('-threads') + 2)).toEqual(['-threads', '2']);
  });

  it('squeezes frames to the analysis size, prints every frame time to the given file, and streams RGB', () => {
    const args = frameStreamArgs('in.mp4', '/tmp/a:b/times.txt', { width: 128, height: 72 });
    const filter = args[args.indexOf('-vf') + 1]!;
    expect(filter).toBe(
      "scale=128:72:flags=area,select='gte(scene\\,0)',metadata=mode=print:key=lavfi.scene_score:file=/tmp/a\\:b/times.txt,format=rgb24",
    );
    expect(args.slice(-5)).toEqual(['-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:1']);
    // Frames own stdout, so progress moves to fd 3.
    expect(args.slice(args.indexOf('-progress'), args.indexOf('-progress') + 2)).toEqual([
      '-progress',
      'pipe:3',
    ]);
  });

  it.each([
    ['plain/path.txt', 'plain/path.txt'],
    ["it's:a,b", "it\\'s\\:a\\,b"],
    ['[x];y', '\\[x\\]\\;y'],
  ])('escapes %s inside a filter graph as %s', (raw, escaped) => {
    expect(escapeFilterValue(raw)).toBe(escaped);
  });

  it('selects for each target the first frame at or after its time and before its end, and nothing else', () => {
    expect(
      keyframeSelectExpr([
        { at: 1, end: 2 },
        { at: 2.5, end: 3 },
      ]),
    ).toBe(
      'gte(t,1)*lt(t,2)*(isnan(prev_selected_t)+lt(prev_selected_t,1))+' +
        'gte(t,2.5)*lt(t,3)*(isnan(prev_selected_t)+lt(prev_selected_t,2.5))',
    );
  });

  it('prints the time of every picked keyframe and downscales it to fit the maximum side without enlarging', () => {
    expect(keyframeFilter([{ at: 1 / 3, end: 1 }], 768, '/tmp/k:t.txt')).toBe(
      "select='gte(t,0.333333)*lt(t,1)*(isnan(prev_selected_t)+lt(prev_selected_t,0.333333))'," +
        'metadata=mode=add:key=heimdex.keyframe:value=1,' +
        'metadata=mode=print:key=heimdex.keyframe:file=/tmp/k\\:t.txt,' +
        "scale='min(768,iw)':'min(768,ih)':force_original_aspect_ratio=decrease",
    );
  });
});
