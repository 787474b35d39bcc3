// On-screen text reading, measured: character error rate per text style and size, and seconds per frame, for the
// ocr stage's method (PP-OCRv4 detector boxes → crop, grey, 2× upscale, binarise → Tesseract one line, kor+eng)
// side by side with Tesseract on the whole frame. Frames are generated (test/support/screen-text-media.ts), so the
// truth is known. Usage: MODELS_DIR=… npx tsx scripts/bench-ocr.ts (models from `npm run models:build`).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEXT_DETECTION_MODEL } from '../models/manifest.js';
import { loadTextDetector } from '../models/runtime/text-detection.js';
import { editDistance, readFrame } from '../pipeline-image/src/media/screen-text.js';
import { runTesseract } from '../pipeline-image/src/media/tesseract.js';
import {
  characterErrorRate,
  SAMPLE_TEXTS,
  type ScreenText,
  textFrame,
} from '../test/support/screen-text-media.js';

const modelsDir = process.env.MODELS_DIR || join(process.env.HOME ?? '', '.cache/heimdex/models');
const dir = mkdtempSync(join(tmpdir(), 'bench-ocr-'));
const detector = await loadTextDetector(TEXT_DETECTION_MODEL, { modelsDir });

const best = (truth: string, reads: string[]) =>
  Math.min(1, ...reads.map((r) => characterErrorRate(truth, r, editDistance)));

async function wholeFrame(file: string): Promise<string[]> {
  // Page segmentation (psm 3, Tesseract's default) over the whole picture, one text line per output line.
  const tsv = await runTesseract([file, 'stdout', '-l', 'kor+eng', 'tsv']);
  const lines = new Map<string, string[]>();
  for (const row of tsv.split('\n').slice(1)) {
    const c = row.split('\t');
    if (c[0] !== '5' || !c[11]?.trim()) continue;
    const key = c.slice(2, 5).join('.');
    lines.set(key, [...(lines.get(key) ?? []), c[11].trim()]);
  }
  return [...lines.values()].map((w) => w.join(' '));
}

const rows: string[] = [];
const sums = new Map<string, { n: number; cropped: number; whole: number }>();
let [croppedSeconds, wholeSeconds, frames] = [0, 0, 0];
// 768×432 is what the keyframes stage stores for a 720p or 1080p video (KEYFRAME_MAX_SIDE 768): what ocr reads.
for (const [background, width, height] of [
  ['plain', 768, 432],
  ['busy', 1280, 720],
  ['busy', 768, 432],
  ['busy', 640, 360],
] as const) {
  const groups: ScreenText[][] = [];
  for (let i = 0; i < SAMPLE_TEXTS.length; i += 2) groups.push(SAMPLE_TEXTS.slice(i, i + 2));
  for (const [g, lines] of groups.entries()) {
    const file = textFrame(dir, `f${background}${height}-${g}`, lines, width, height, background);
    const jpeg = readFileSync(file);
    let t = performance.now();
    const read = await readFrame(jpeg, detector, {
      languages: 'kor+eng',
      minConfidence: 0.5,
      maxLines: 40,
      scratch: join(dir, 'lines'),
    });
    croppedSeconds += (performance.now() - t) / 1000;
    t = performance.now();
    const whole = await wholeFrame(file);
    wholeSeconds += (performance.now() - t) / 1000;
    frames++;
    for (const l of lines) {
      const c = best(
        l.text,
        read.map((r) => r.text),
      );
      const w = best(l.text, whole);
      const key = `${l.style} ${height}p ${background}`;
      const s = sums.get(key) ?? { n: 0, cropped: 0, whole: 0 };
      sums.set(key, { n: s.n + 1, cropped: s.cropped + c, whole: s.whole + w });
      rows.push(
        `${key.padEnd(20)} ${l.text.padEnd(26)} ${(c * 100).toFixed(1).padStart(6)}% ${(w * 100).toFixed(1).padStart(6)}%`,
      );
    }
  }
}
console.log(`detector ${TEXT_DETECTION_MODEL} on ${detector.provider}; Tesseract kor+eng\n`);
console.log(`${'style size'.padEnd(20)} ${'text'.padEnd(26)} cropped  whole-frame (character error)`);
for (const r of rows) console.log(r);
console.log('');
for (const [k, s] of sums) {
  console.log(
    `${k.padEnd(20)} mean CER cropped ${((s.cropped / s.n) * 100).toFixed(1)}%  whole-frame ${((s.whole / s.n) * 100).toFixed(1)}%`,
  );
}
console.log(
  `\nseconds per frame: cropped ${(croppedSeconds / frames).toFixed(2)}  whole-frame ${(wholeSeconds / frames).toFixed(2)} (${frames} frames)`,
);
rmSync(dir, { recursive: true, force: true });
