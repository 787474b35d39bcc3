// Clips made of real photos (test/fixtures/photos), one still scene each with a hard cut between them, for the
// object detector: a generated picture with a drawn object is not detected, a photograph is. A scene may also show
// lines of text (screen-text-media's styles), for the ocr stage.
import { join } from 'node:path';
import { ff, x264 } from './media.js';
import { type ScreenText, textFilters } from './screen-text-media.js';

export const PHOTOS_DIR = new URL('../fixtures/photos/', import.meta.url).pathname;

/**
 * A 1280×720 clip of the photos (a fixture name, or null for a flat grey scene), each shown `seconds`, with its
 * `lines` drawn over it (none unless given).
 */
export function photoClip(
  dir: string,
  name: string,
  scenes: readonly { photo: string | null; seconds: number; lines?: readonly ScreenText[] }[],
) {
  const inputs = scenes.flatMap((s) =>
    s.photo
      ? ['-loop', '1', '-framerate', '25', '-t', String(s.seconds), '-i', join(PHOTOS_DIR, s.photo)]
      : ['-f', 'lavfi', '-i', `color=c=gray:size=1280x720:rate=25:duration=${s.seconds}`],
  );
  // Each photo fitted into the frame, its sides filled black, so the picture keeps its shape.
  const chains = scenes.map(
    (s, i) =>
      [
        `[${i}:v]scale=1280:720:force_original_aspect_ratio=decrease`,
        'pad=1280:720:(ow-iw)/2:(oh-ih)/2',
        'format=yuv420p',
        'setsar=1',
        'fps=25',
        ...textFilters(dir, `${name}-${i}`, s.lines ?? [], 720),
      ].join(',') + `[v${i}]`,
  );
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
  return file;
}
