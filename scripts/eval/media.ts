// Renders an evaluation video: one solid-colour scene per labelled scene with its text drawn in the middle,
// hard cuts between them, a quiet tone as the soundtrack (so the audio stage runs) and the scenes' lines
// as a mov_text subtitle track, each cue inside its scene.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSrt } from '../../pipeline-image/src/media/transcript.js';
import type { EvalVideo } from './search-set.js';

export function renderEvalVideo(dir: string, v: EvalVideo, size = '384x288', fps = 10): string {
  const secs = v.sceneSeconds;
  const duration = secs * v.scenes.length;
  const inputs: string[] = [];
  const chains: string[] = [];
  v.scenes.forEach((s, i) => {
    inputs.push('-f', 'lavfi', '-i', `color=c=${s.colour}:size=${size}:rate=${fps}:duration=${secs}`);
    const ink = luminance(s.colour) > 0.55 ? 'black' : 'white';
    chains.push(
      `[${i}:v]format=yuv420p,setsar=1,drawtext=text='${s.onScreen}':fontsize=32:fontcolor=${ink}:x=(w-text_w)/2:y=(h-text_h)/2[v${i}]`,
    );
  });
  const n = v.scenes.length;
  chains.push(`${v.scenes.map((_, i) => `[v${i}]`).join('')}concat=n=${n}:v=1:a=0[v]`);
  chains.push(`[${n}:a]volume=0.1[a]`);
  const subFile = join(dir, `${v.key}.srt`);
  writeFileSync(
    subFile,
    formatSrt(
      v.scenes.map((s, i) => ({ start: i * secs + 0.2, end: (i + 1) * secs - 0.2, text: s.subtitle })),
    ),
  );
  const file = join(dir, `${v.key}.mp4`);
  execFileSync(
    'ffmpeg',
    [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      ...inputs,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=44100:duration=${duration}`,
      '-i',
      subFile,
      '-filter_complex',
      chains.join(';'),
      '-map',
      '[v]',
      '-map',
      '[a]',
      '-map',
      `${n + 1}:s`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-c:s',
      'mov_text',
      '-metadata',
      `title=${v.title}`,
      '-t',
      String(duration),
      file,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return file;
}

function luminance(hex: string): number {
  const x = Number.parseInt(hex.replace(/^0x/, ''), 16);
  return (0.2126 * ((x >> 16) & 255) + 0.7152 * ((x >> 8) & 255) + 0.0722 * (x & 255)) / 255;
}
