// Benchmark clips beyond test/support/media.ts: a 60 s clip with hard cuts AND the cases shot detection
// gets wrong — a strobe and a single-frame flash inside a shot (no boundary), a cross-dissolve and a fade
// through black (a boundary spread over 1 s). Every time below is known by construction.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface ShotTruth {
  /** Hard cuts, seconds (the first frame of the new shot). */
  cuts: number[];
  /** Gradual transitions [start, end], seconds: one boundary each, matched anywhere inside (±1 frame). */
  gradual: [number, number][];
}

export interface BenchClip extends ShotTruth {
  name: string;
  file: string;
  duration: number;
  fps: number;
  /** What the clip holds, for the report. */
  about: string;
}

/**
 * 60 s: testsrc2 |6 smptebars |12 testsrc + strobe 15–19 s |24 yuvtestsrc ⨯dissolve 31.5–32.5⨯ testsrc2
 * (hue, flipped) |40 smptehdbars, fade out 47.5–48 / fade in 48–48.5 testsrc (negated) + 2-frame white
 * flash at 51 s |54 testsrc2 with drifting hue.
 */
export function hardVideo(dir: string, name: string, o: { size: string; fps: number }): BenchClip {
  const { size, fps } = o;
  const src = (look: string, seconds: number) => [
    '-f',
    'lavfi',
    '-i',
    `${look}=size=${size}:rate=${fps}:duration=${seconds}`,
  ];
  const norm = 'format=yuv420p,setsar=1';
  const white = (enable: string) => `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='${enable}'`;
  const chains = [
    `[0:v]${norm}[v0]`,
    `[1:v]${norm}[v1]`,
    `[2:v]${norm},${white('between(t\\,3\\,7)*lt(mod(t\\,0.2)\\,0.1)')}[v2]`,
    `[3:v]${norm}[a3]`,
    `[4:v]${norm},hue=h=90,vflip[a4]`,
    '[a3][a4]xfade=transition=fade:duration=1:offset=7.5[v3]',
    `[5:v]${norm},fade=t=out:st=7.5:d=0.5[v5]`,
    `[6:v]${norm},negate,fade=t=in:st=0:d=0.5,${white(`between(t\\,3\\,${(3 + 1.5 / fps).toFixed(4)})`)}[v6]`,
    `[7:v]${norm},hue=h=t*60[v7]`,
    '[v0][v1][v2][v3][v5][v6][v7]concat=n=7:v=1:a=0[v]',
  ];
  const file = join(dir, `${name}.mp4`);
  execFileSync(
    'ffmpeg',
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'],
      ...src('testsrc2', 6),
      ...src('smptebars', 6),
      ...src('testsrc', 12),
      ...src('yuvtestsrc', 8.5),
      ...src('testsrc2', 8.5),
      ...src('smptehdbars', 8),
      ...src('testsrc', 6),
      ...src('testsrc2', 6),
      ...['-filter_complex', chains.join(';'), '-map', '[v]'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-t', '60', file],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    name,
    file,
    duration: 60,
    fps,
    cuts: [6, 12, 24, 40, 54],
    gradual: [
      [31.5, 32.5],
      [47.5, 48.5],
    ],
    about:
      '5 hard cuts, 1 dissolve, 1 fade through black; strobe 15–19 s and a 2-frame flash at 51 s (no cut)',
  };
}
