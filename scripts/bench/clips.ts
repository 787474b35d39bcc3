// Benchmark clips beyond test/support/media.ts: a 60 s clip with hard cuts AND the cases shot detection
// gets wrong — a strobe and a single-frame flash inside a shot (no boundary), a cross-dissolve and a fade
// through black (a boundary spread over 1 s). Every time below is known by construction.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { panVideo } from '../../test/support/media.js';

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

interface HeldOutShot {
  /** A lavfi source (size, rate and duration are added) and the filters that follow it. */
  src: string;
  filters?: string;
  seconds: number;
  /** How it joins the shot before it: a hard cut, or an xfade transition of that many seconds. */
  join?: 'cut' | { xfade: string; seconds: number };
}

/**
 * Shots the detector was not tuned on, at 24 fps: a zooming fractal, a colour-only cut between textured
 * shots (the same moving pattern, hue turned 120°), a cut into a busy cellular automaton, a 1.5 s
 * dissolve into a camera zoom, a fade through white, a wipe, a 0.8 s dissolve into a shot with a white
 * and a red camera flash. Joined one by one, so every boundary time follows from the lengths; the hard
 * cuts come first, because an xfade's output can run a frame or two past its nominal end (ffmpeg 5.1),
 * while an xfade's offset is exact on the timeline before it.
 */
export function heldOutVideo(dir: string, name: string, o: { size: string; fps: number }): BenchClip {
  const { size, fps } = o;
  const [w, h] = size.split('x').map(Number) as [number, number];
  const flash = (at: number, frames: number, colour: string) =>
    `drawbox=x=0:y=0:w=iw:h=ih:color=${colour}:t=fill:enable='between(t\\,${at}\\,${(at + (frames - 0.5) / fps).toFixed(4)})'`;
  const shots: HeldOutShot[] = [
    { src: 'mandelbrot', seconds: 6 },
    { src: 'testsrc2', filters: 'hue=h=120', seconds: 6, join: 'cut' },
    { src: 'testsrc2', filters: 'hue=h=240', seconds: 6, join: 'cut' },
    { src: 'cellauto', filters: `scale=${w}:${h}:flags=neighbor`, seconds: 6, join: 'cut' },
    {
      src: 'smptehdbars',
      filters: `zoompan=z='1+0.01*on':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d=1:s=${size}:fps=${fps}`,
      seconds: 7,
      join: { xfade: 'fade', seconds: 1.5 },
    },
    { src: 'rgbtestsrc', seconds: 6, join: { xfade: 'fadewhite', seconds: 1 } },
    { src: 'yuvtestsrc', seconds: 6, join: { xfade: 'wipeleft', seconds: 1 } },
    {
      src: 'testsrc',
      filters: `${flash(2, 3, 'white')},${flash(4, 2, 'red')}`,
      seconds: 6,
      join: { xfade: 'fade', seconds: 0.8 },
    },
  ];
  const inputs: string[] = [];
  const chains: string[] = [];
  const cuts: number[] = [];
  const gradual: [number, number][] = [];
  let duration = 0;
  shots.forEach((s, i) => {
    // cellauto makes its own size; the others are asked for the clip's.
    const sized = s.src === 'cellauto' ? `cellauto=rate=${fps}:seed=7` : `${s.src}=size=${size}:rate=${fps}`;
    // -t on the input: mandelbrot and cellauto have no duration option.
    inputs.push('-t', String(s.seconds), '-f', 'lavfi', '-i', sized);
    chains.push(
      `[${i}:v]${s.filters ? `${s.filters},` : ''}format=yuv420p,setsar=1,fps=${fps},settb=AVTB[s${i}]`,
    );
    if (i === 0) {
      duration = s.seconds;
      return;
    }
    const cur = i === 1 ? '[s0]' : `[j${i - 1}]`;
    if (s.join === 'cut' || !s.join) {
      cuts.push(duration);
      // xfade wants both inputs on one time base; concat may hand on another.
      chains.push(`${cur}[s${i}]concat=n=2:v=1:a=0,settb=AVTB[j${i}]`);
      duration += s.seconds;
    } else {
      const at = duration - s.join.seconds;
      gradual.push([Number(at.toFixed(3)), duration]);
      chains.push(
        `${cur}[s${i}]xfade=transition=${s.join.xfade}:duration=${s.join.seconds}:offset=${at.toFixed(3)}[j${i}]`,
      );
      duration += s.seconds - s.join.seconds;
    }
  });
  const file = join(dir, `${name}.mp4`);
  execFileSync(
    'ffmpeg',
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'],
      ...inputs,
      ...['-filter_complex', chains.join(';'), '-map', `[j${shots.length - 1}]`],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    name,
    file,
    duration: Number(duration.toFixed(3)),
    fps,
    cuts,
    gradual,
    about: `held out (not tuned on), ${fps} fps: ${cuts.length} hard cuts (one colour-only), dissolves, fade through white, wipe, zoom, 2 flashes`,
  };
}

/**
 * Camera motion around a cut: a fast pan (800 px/s of 320) across a texture, cut hard at 4 s into a fast pan
 * across the same texture with its hue turned and mirrored, so every frame differs a lot from the last and
 * only the colours tell the cut; and 8 s of handheld shake (the frame wobbling 45 px), which is no cut.
 */
export function motionClips(dir: string): BenchClip[] {
  const ff = (args: string[]) =>
    execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  const pan = panVideo(dir, { pxPerSecond: 800, seconds: 4, name: 'pan-cut-a' });
  const panCut = join(dir, 'pan-cut.mp4');
  ff([
    ...['-i', pan.file, '-i', pan.file],
    ...['-filter_complex', '[1:v]hue=h=150,hflip[b];[0:v][b]concat=n=2:v=1:a=0[v]', '-map', '[v]'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', panCut],
  ]);
  const shake = join(dir, 'shake.mp4');
  ff([
    ...['-loop', '1', '-framerate', '25', '-i', pan.still],
    ...['-vf', "crop=320:240:x='200+30*sin(t*9)+15*sin(t*23)':y=0,format=yuv420p", '-t', '8'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', shake],
  ]);
  return [
    {
      name: 'pan-cut',
      file: panCut,
      duration: 8,
      fps: 25,
      cuts: [4],
      gradual: [],
      about: 'fast pan, hard cut at 4 s into a fast pan of other colours',
    },
    {
      name: 'shake',
      file: shake,
      duration: 8,
      fps: 25,
      cuts: [],
      gradual: [],
      about: 'handheld shake, no cut',
    },
  ];
}
