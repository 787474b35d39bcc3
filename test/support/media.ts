// Generated test media with every expected value known: lavfi segments with hard cuts at known times,
// drawtext labels, espeak-ng speech, subtitle tracks, rotation, and the broken files users upload.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatSrt } from '../../pipeline-image/src/media/transcript.js';
import { pgsSubtitles } from './pgs.js';

/** Looks that differ from each other in every pixel region, so every switch is a hard cut. */
const LOOKS = [
  'testsrc2',
  'color=c=0x1040c0',
  'smptebars',
  'color=c=0xd04010',
  'rgbtestsrc',
  'color=c=0x20a040',
  'yuvtestsrc',
  'color=c=0xe0e0e0',
];

export interface CutsVideoOptions {
  /** Length of each segment in seconds; a hard cut falls at every segment boundary. */
  segments: number[];
  size?: string;
  fps?: number;
  /** Speech (espeak-ng) laid over the start, padded with silence; omitted: a quiet 440 Hz tone; null: no audio. */
  speech?: { text: string; voice?: string } | null;
  /** A subtitle track in the container (SubRip cues), e.g. [{ start: 0.5, end: 2, text: '안녕하세요' }]. */
  subtitles?: Cue[];
  subtitleCodec?: 'mov_text' | 'srt' | 'ass' | 'webvtt';
  /** Container tags, e.g. { title: '바닷가에서' }. */
  metadata?: Record<string, string>;
  container?: 'mp4' | 'mkv';
}

export interface Cue {
  start: number;
  end: number;
  text: string;
}

export interface GeneratedVideo {
  file: string;
  duration: number;
  /** Times of the hard cuts, seconds. */
  cuts: number[];
  fps: number;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
/** Runs ffmpeg quietly (errors only), overwriting its output. */
export const ff = (args: string[]) =>
  run('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
/** Fast H.264 that every player and ffprobe reads. */
export const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/** A video of segments with distinct looks (each labelled "scene N" with drawtext), cut hard at known times. */
export function cutsVideo(dir: string, name: string, o: CutsVideoOptions): GeneratedVideo {
  const size = o.size ?? '320x240';
  const fps = o.fps ?? 25;
  const duration = o.segments.reduce((a, b) => a + b, 0);
  const inputs: string[] = [];
  const chains: string[] = [];
  o.segments.forEach((seconds, i) => {
    const look = LOOKS[i % LOOKS.length]!;
    const sep = look.includes('=') ? ':' : '=';
    inputs.push('-f', 'lavfi', '-i', `${look}${sep}size=${size}:rate=${fps}:duration=${seconds}`);
    chains.push(
      `[${i}:v]format=yuv420p,setsar=1,drawtext=text='scene ${i}':fontsize=24:fontcolor=white:box=1:boxcolor=black:x=10:y=10[v${i}]`,
    );
  });
  const concat = `${o.segments.map((_, i) => `[v${i}]`).join('')}concat=n=${o.segments.length}:v=1:a=0[v]`;
  const args = [...inputs];
  let audioMap: string[] = [];
  const n = o.segments.length;
  if (o.speech) {
    const wav = join(dir, `${name}.speech.wav`);
    run('espeak-ng', ['-v', o.speech.voice ?? 'en', '-w', wav, o.speech.text]);
    args.push('-i', wav);
    chains.push(`[${n}:a]aresample=44100,apad=whole_dur=${duration}[a]`);
    audioMap = ['-map', '[a]', '-c:a', 'aac'];
  } else if (o.speech === undefined) {
    args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${duration}`);
    chains.push(`[${n}:a]volume=0.1[a]`);
    audioMap = ['-map', '[a]', '-c:a', 'aac'];
  }
  const container = o.container ?? 'mp4';
  const subMap: string[] = [];
  if (o.subtitles) {
    const subFile = join(dir, `${name}.srt`);
    writeFileSync(subFile, formatSrt(o.subtitles));
    args.push('-i', subFile);
    const subIndex = n + (o.speech === null ? 0 : 1);
    subMap.push(
      '-map',
      `${subIndex}:s`,
      '-c:s',
      o.subtitleCodec ?? (container === 'mp4' ? 'mov_text' : 'srt'),
    );
  }
  const file = join(dir, `${name}.${container}`);
  ff([
    ...args,
    '-filter_complex',
    [...chains, concat].join(';'),
    '-map',
    '[v]',
    ...audioMap,
    ...subMap,
    ...x264,
    ...Object.entries(o.metadata ?? {}).flatMap(([k, v]) => ['-metadata', `${k}=${v}`]),
    '-t',
    String(duration),
    file,
  ]);
  const cuts: number[] = [];
  let t = 0;
  for (const s of o.segments.slice(0, -1)) {
    t += s;
    cuts.push(t);
  }
  return { file, duration, cuts, fps };
}

/** The same video with a rotate=90 tag, as phones write (ffmpeg 5.1 lacks -display_rotation). */
export function rotated(dir: string, video: GeneratedVideo, name = 'rotated'): GeneratedVideo {
  const file = join(dir, `${name}.mp4`);
  ff(['-i', video.file, '-map', '0', '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file]);
  return { ...video, file };
}

/** A video with no audio stream. */
export const silentVideo = (dir: string, name = 'silent', seconds = 3) =>
  cutsVideo(dir, name, { segments: [seconds], speech: null });

/** A text file named like a video. */
export function textFileNamedMp4(dir: string): string {
  const file = join(dir, 'notes.mp4');
  writeFileSync(file, 'these are my holiday notes, not a video\n'.repeat(20));
  return file;
}

export function emptyFile(dir: string): string {
  const file = join(dir, 'empty.mp4');
  writeFileSync(file, '');
  return file;
}

/** The first part of an MP4 whose index (moov) is at the end: what an interrupted upload leaves. */
export function truncatedMp4(dir: string, video: GeneratedVideo): string {
  const bytes = readFileSync(video.file);
  const file = join(dir, 'truncated.mp4');
  writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return file;
}

/** Sound only, in an MP4 container. */
export function audioOnly(dir: string, seconds = 3): string {
  const file = join(dir, 'audio-only.mp4');
  ff(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', file]);
  return file;
}

/** A tiny, quick-to-make video longer than `seconds` (1 fps, 32×32). */
export function longVideo(dir: string, seconds: number): string {
  const file = join(dir, 'long.mp4');
  ff(['-f', 'lavfi', '-i', `color=c=gray:size=32x32:rate=1:duration=${seconds}`, ...x264, file]);
  return file;
}

/** One static shot of `seconds` (for the max-length split). */
export function staticVideo(dir: string, seconds: number): GeneratedVideo {
  const file = join(dir, 'static.mp4');
  ff(['-f', 'lavfi', '-i', `color=c=gray:size=160x120:rate=5:duration=${seconds}`, ...x264, file]);
  return { file, duration: seconds, cuts: [], fps: 5 };
}

/** A white flash every `period` seconds over a moving picture: `flips` on/off changes, none a real cut. */
export function strobeVideo(dir: string, flips = 200, period = 0.2, fps = 30): GeneratedVideo {
  const seconds = (flips * period) / 2;
  const file = join(dir, 'strobe.mp4');
  ff([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=320x240:rate=${fps}:duration=${seconds}`,
    '-vf',
    `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(mod(t\\,${period})\\,${period / 2})'`,
    ...x264,
    file,
  ]);
  return { file, duration: seconds, cuts: [], fps };
}

/** Variable frame rate: 30 fps for the first segment, then every third frame only. */
export function variableFrameRate(dir: string, video: GeneratedVideo): GeneratedVideo {
  const file = join(dir, 'vfr.mp4');
  ff([
    '-i',
    video.file,
    '-vf',
    `select='lt(t\\,${video.cuts[0] ?? 1})+not(mod(n\\,3))'`,
    '-fps_mode',
    'vfr',
    ...x264,
    '-an',
    file,
  ]);
  return { ...video, file };
}

/** A generated clip whose shot boundaries are all known: hard cuts and gradual transitions [from, to]. */
export interface TransitionVideo extends GeneratedVideo {
  gradual: [number, number][];
}

/**
 * Two shots joined by an ffmpeg xfade: `fade` is a cross-dissolve, `fadeblack` a fade out through black
 * and in again. The transition covers [offset, offset + seconds]; the shots are testsrc2 (moving) and
 * smptebars (still), so the change is unlike either shot's own motion.
 */
export function transitionVideo(
  dir: string,
  name: string,
  o: { transition: 'fade' | 'fadeblack'; offset?: number; seconds?: number; fps?: number; size?: string },
): TransitionVideo {
  const fps = o.fps ?? 25;
  const size = o.size ?? '320x240';
  const offset = o.offset ?? 3;
  const seconds = o.seconds ?? 1;
  const second = 3;
  const duration = offset + seconds + second;
  const file = join(dir, `${name}.mp4`);
  ff([
    ...['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}:duration=${offset + seconds}`],
    ...['-f', 'lavfi', '-i', `smptebars=size=${size}:rate=${fps}:duration=${seconds + second}`],
    '-filter_complex',
    `[0:v]format=yuv420p,setsar=1[a];[1:v]format=yuv420p,setsar=1[b];[a][b]xfade=transition=${o.transition}:duration=${seconds}:offset=${offset}[v]`,
    ...['-map', '[v]', ...x264, '-t', String(duration), file],
  ]);
  return { file, duration, cuts: [], gradual: [[offset, offset + seconds]], fps };
}

/** RGB colours of (near) equal BT.601 luma, about 118, and clearly different hue: red, green, blue. */
export const EQUAL_LUMA_COLOURS = ['0xdc5028', '0x3ca028', '0x6e64e6'] as const;

/** Flat backgrounds of equal brightness and different hue, cut hard every `seconds`: only colour changes. */
export function equalLumaVideo(dir: string, name = 'equal-luma', seconds = 2, fps = 25): GeneratedVideo {
  const file = join(dir, `${name}.mp4`);
  const n = EQUAL_LUMA_COLOURS.length;
  ff([
    ...EQUAL_LUMA_COLOURS.flatMap((c) => [
      '-f',
      'lavfi',
      '-i',
      `color=c=${c}:size=320x240:rate=${fps}:duration=${seconds}`,
    ]),
    '-filter_complex',
    `${EQUAL_LUMA_COLOURS.map((_, i) => `[${i}:v]format=yuv420p,setsar=1[v${i}]`).join(';')};${EQUAL_LUMA_COLOURS.map((_, i) => `[v${i}]`).join('')}concat=n=${n}:v=1:a=0[v]`,
    ...['-map', '[v]', ...x264, file],
  ]);
  return {
    file,
    duration: n * seconds,
    cuts: Array.from({ length: n - 1 }, (_, i) => (i + 1) * seconds),
    fps,
  };
}

/** A moving picture with a white flash of `frames` frames at `at` seconds (a camera flash): no cut. */
export function flashVideo(
  dir: string,
  o: { at?: number; frames?: number; seconds?: number; fps?: number } = {},
) {
  const fps = o.fps ?? 25;
  const at = o.at ?? 2;
  const seconds = o.seconds ?? 5;
  const until = at + (o.frames ?? 2) / fps - 0.5 / fps;
  const file = join(dir, 'flash.mp4');
  ff([
    ...['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=${fps}:duration=${seconds}`],
    '-vf',
    `drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t\\,${at - 0.5 / fps}\\,${until})'`,
    ...x264,
    file,
  ]);
  return { file, duration: seconds, cuts: [], fps } satisfies GeneratedVideo;
}

/**
 * A camera pan across one wide still picture at `pxPerSecond` (of a 320-px frame): motion, no cut. The
 * picture is a smooth colourful texture (sums of sines of unrelated periods), as scenery is: a pan across
 * large flat areas instead shows a colour edge sweeping through the frame, which looks like a wipe.
 */
export function panVideo(
  dir: string,
  o: { pxPerSecond?: number; seconds?: number; fps?: number; name?: string } = {},
) {
  const fps = o.fps ?? 25;
  const seconds = o.seconds ?? 6;
  const speed = o.pxPerSecond ?? 240;
  const name = o.name ?? `pan-${speed}`;
  const width = 320 + Math.ceil(speed * seconds) + 2;
  const still = join(dir, `${name}.png`);
  const geq = [
    "r='128+90*sin(X/37)*cos(Y/23)+30*sin(X/11+Y/7)'",
    "g='128+90*sin(X/53+1)*sin(Y/31)+30*cos(X/13)'",
    "b='128+90*cos((X+Y)/41)+30*sin(Y/9-X/17)'",
  ].join(':');
  ff(['-f', 'lavfi', '-i', `nullsrc=size=${width}x240,format=rgb24,geq=${geq}`, '-frames:v', '1', still]);
  const file = join(dir, `${name}.mp4`);
  ff([
    ...['-loop', '1', '-framerate', String(fps), '-i', still],
    '-vf',
    `crop=320:240:x='min(t*${speed}\\,${width - 320})':y=0,format=yuv420p`,
    ...['-t', String(seconds), ...x264, file],
  ]);
  return { file, duration: seconds, cuts: [], fps, still } satisfies GeneratedVideo & { still: string };
}

/** Flat colours told apart at a glance, one per marked scene (markedScenesVideo). */
export const MARKER_COLOURS = [
  '0xe02020',
  '0x20c040',
  '0x2040e0',
  '0xe0e020',
  '0xe020e0',
  '0x20e0e0',
] as const;

export interface MarkedScenesVideo extends GeneratedVideo {
  /** Per scene: [start, end] and the lavfi source of the marker shown in its first `markSeconds`. */
  scenes: { start: number; end: number; marker: string }[];
  markSeconds: number;
}

/**
 * Scenes of `sceneSeconds` each in which something shows only in the first `markSeconds`: a flat marker colour
 * (MARKER_COLOURS, one per scene), then the scene's body. `body: 'same'` gives every scene the same body
 * (testsrc2: moving, so no two frames are identical), so only the first seconds tell the scenes apart;
 * `'varied'` gives each its own (smptebars, rgbtestsrc, yuvtestsrc, testsrc, …), as real scenes differ.
 * With shot detection turned off and SHOT_MAX_SECONDS = sceneSeconds, the scenes are exactly these.
 */
export function markedScenesVideo(
  dir: string,
  name: string,
  o: {
    scenes?: number;
    sceneSeconds?: number;
    markSeconds?: number;
    body?: 'same' | 'varied';
    fps?: number;
  } = {},
): MarkedScenesVideo {
  const n = o.scenes ?? 6;
  const sceneSeconds = o.sceneSeconds ?? 24;
  const markSeconds = o.markSeconds ?? 4;
  const fps = o.fps ?? 10;
  const bodies = ['testsrc2', 'smptebars', 'rgbtestsrc', 'yuvtestsrc', 'testsrc', 'smptehdbars'];
  const size = 'size=320x240';
  const inputs: string[] = [];
  const chains: string[] = [];
  const scenes: MarkedScenesVideo['scenes'] = [];
  for (let i = 0; i < n; i++) {
    const marker = `color=c=${MARKER_COLOURS[i % MARKER_COLOURS.length]}:${size}`;
    const body = o.body === 'varied' ? bodies[i % bodies.length]! : 'testsrc2';
    inputs.push('-f', 'lavfi', '-i', `${marker}:rate=${fps}:duration=${markSeconds}`);
    inputs.push('-f', 'lavfi', '-i', `${body}=${size}:rate=${fps}:duration=${sceneSeconds - markSeconds}`);
    chains.push(
      `[${2 * i}:v]format=yuv420p,setsar=1[m${i}]`,
      `[${2 * i + 1}:v]format=yuv420p,setsar=1[b${i}]`,
    );
    scenes.push({ start: i * sceneSeconds, end: (i + 1) * sceneSeconds, marker });
  }
  const concat = `${scenes.map((_, i) => `[m${i}][b${i}]`).join('')}concat=n=${2 * n}:v=1:a=0[v]`;
  const file = join(dir, `${name}.mp4`);
  ff([...inputs, '-filter_complex', [...chains, concat].join(';'), '-map', '[v]', ...x264, file]);
  return { file, duration: n * sceneSeconds, cuts: [], fps, scenes, markSeconds };
}

/** One frame of a lavfi source as a JPEG, the way a person would hold up a picture of what they look for. */
export function stillImage(dir: string, name: string, source: string): Buffer {
  const file = join(dir, `${name}.jpg`);
  ff(['-f', 'lavfi', '-i', source, '-frames:v', '1', '-q:v', '2', file]);
  return readFileSync(file);
}

/** The video with a PGS (Blu-ray bitmap) subtitle track added after its own streams, showing at each cue. */
export function withPgsTrack(
  dir: string,
  video: GeneratedVideo,
  cues: { start: number; end: number }[],
): GeneratedVideo {
  const sup = join(dir, `${basename(video.file)}.sup`);
  writeFileSync(sup, pgsSubtitles(cues, 320, 240));
  const file = join(dir, `${basename(video.file)}-pgs.mkv`);
  // Streams copied as they are; the new track is the last subtitle track.
  ff(['-i', video.file, '-i', sup, '-map', '0', '-map', '1', '-c', 'copy', file]);
  return { ...video, file };
}
