// Generated frames and clips with Korean and English text on screen (ffmpeg drawtext with the Nanum fonts), so
// what OCR should read is known exactly: a sign, an outlined subtitle over a busy picture, small text.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ff, x264 } from './media.js';

export const NANUM_GOTHIC = '/usr/share/fonts/truetype/nanum/NanumGothic.ttf';
export const NANUM_GOTHIC_BOLD = '/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf';

export type TextStyle = 'sign' | 'subtitle' | 'small';

export interface ScreenText {
  text: string;
  style: TextStyle;
}

/** A few lines people search for: signs, menus, subtitles, in both languages. */
export const SAMPLE_TEXTS: readonly ScreenText[] = [
  { text: '오늘의 특가 세일', style: 'sign' },
  { text: 'GRAND OPENING SALE', style: 'sign' },
  { text: '식당 메뉴판 김치찌개', style: 'subtitle' },
  { text: 'Meet me at the harbour', style: 'subtitle' },
  { text: '서울역 2번 출구', style: 'small' },
  { text: 'Platform 9 exit', style: 'small' },
];

/** The drawtext filter for one line at the frame's height `h`; its text comes from a file (no escaping). */
function drawtext(textFile: string, style: TextStyle, h: number, row: number): string {
  const size = { sign: Math.round(h / 10), subtitle: Math.round(h / 14), small: Math.round(h / 24) }[style];
  const y = Math.round(h * (0.12 + row * 0.3));
  const common = `textfile='${textFile}':fontsize=${size}:x=(w-text_w)/2:y=${y}`;
  switch (style) {
    case 'sign':
      return `drawtext=fontfile=${NANUM_GOTHIC_BOLD}:${common}:fontcolor=0x202020:box=1:boxcolor=0xf0e8c0:boxborderw=${Math.round(size / 3)}`;
    case 'subtitle':
      return `drawtext=fontfile=${NANUM_GOTHIC_BOLD}:${common}:fontcolor=white:borderw=${Math.max(2, Math.round(size / 12))}:bordercolor=black`;
    case 'small':
      return `drawtext=fontfile=${NANUM_GOTHIC}:${common}:fontcolor=white:box=1:boxcolor=0x000000@0.6:boxborderw=4`;
  }
}

/**
 * The drawtext filters for `lines` on a frame `h` pixels high, one row each from the top; each line's text goes in
 * a file in `dir` named after `name` (drawtext reads it from there: no escaping).
 */
export function textFilters(dir: string, name: string, lines: readonly ScreenText[], h: number): string[] {
  return lines.map((l, i) => {
    const f = join(dir, `${name}-${i}.txt`);
    writeFileSync(f, l.text);
    return drawtext(f, l.style, h, i);
  });
}

/** One frame of a single colour (PNG): no text anywhere. */
export function blankFrame(dir: string, colour: string, width: number, height: number): string {
  const file = join(dir, `blank-${colour}.png`);
  ff(['-f', 'lavfi', '-i', `color=c=${colour}:size=${width}x${height}`, '-frames:v', '1', file]);
  return file;
}

/**
 * One frame (JPEG) of `width`×`height` with up to three lines over a busy test pattern (testsrc2: edges, colours
 * and white areas everywhere), a plain colour or a bright one (`bright`: light grey, the case where a white
 * subtitle's outline is all that separates it). `motionBlur` smears the whole frame sideways by that many pixels
 * either way (a pan: ffmpeg avgblur, one pixel up and down). Returns the file.
 */
export function textFrame(
  dir: string,
  name: string,
  lines: readonly ScreenText[],
  width: number,
  height: number,
  background: 'busy' | 'plain' | 'bright' = 'busy',
  motionBlur = 0,
): string {
  const filters = textFilters(dir, name, lines, height);
  if (motionBlur > 0) filters.push(`avgblur=sizeX=${motionBlur}:sizeY=1`);
  const file = join(dir, `${name}.jpg`);
  ff([
    '-f',
    'lavfi',
    '-i',
    background === 'busy'
      ? `testsrc2=size=${width}x${height}:rate=1`
      : `color=c=${background === 'bright' ? '0xe8e8e0' : '0x1040c0'}:size=${width}x${height}`,
    '-vf',
    ['format=yuv420p', ...filters].join(','),
    '-frames:v',
    '1',
    '-q:v',
    '3',
    file,
  ]);
  return file;
}

/**
 * A clip of scenes with a hard cut between each (distinct colours behind the text), each scene showing its own
 * lines for its whole length. Returns the file and the scene boundaries.
 */
export function textClip(
  dir: string,
  name: string,
  scenes: readonly { seconds: number; lines: readonly ScreenText[] }[],
  size = '1280x720',
): { file: string; cuts: number[] } {
  const [, h] = size.split('x').map(Number) as [number, number];
  const colours = ['0x1040c0', '0xd04010', '0x20a040', '0x603090'];
  const inputs: string[] = [];
  const chains: string[] = [];
  scenes.forEach((s, i) => {
    inputs.push(
      '-f',
      'lavfi',
      '-i',
      `color=c=${colours[i % colours.length]}:size=${size}:rate=25:duration=${s.seconds}`,
    );
    const filters = textFilters(dir, `${name}-${i}`, s.lines, h);
    chains.push(`[${i}:v]${['format=yuv420p', 'setsar=1', ...filters].join(',')}[v${i}]`);
  });
  const file = join(dir, `${name}.mp4`);
  ff([
    ...inputs,
    '-filter_complex',
    [...chains, `${scenes.map((_, i) => `[v${i}]`).join('')}concat=n=${scenes.length}:v=1:a=0[v]`].join(';'),
    '-map',
    '[v]',
    ...x264,
    file,
  ]);
  const cuts: number[] = [];
  let t = 0;
  for (const s of scenes.slice(0, -1)) {
    t += s.seconds;
    cuts.push(t);
  }
  return { file, cuts };
}

/** Character error rate: edits to turn what was read into the truth, over the truth's length (spaces ignored). */
export function characterErrorRate(
  truth: string,
  read: string,
  distance: (a: string, b: string) => number,
): number {
  const t = truth.replace(/\s+/g, '');
  return t.length === 0 ? 0 : distance(t, read.replace(/\s+/g, '')) / [...t].length;
}
