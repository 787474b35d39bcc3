// On-screen text reading, measured: character error rate per text style and size, and seconds per frame, for the
// ocr stage's method (PP-OCRv4 detector boxes → crop, grey, 2× upscale, binarise → Tesseract one line, kor+eng),
// for the PP-OCR recogniser on the same boxes' colour crops alone and combined with Tesseract (the stage with
// OCR_RECOGNIZER_MODEL set), and for Tesseract on the whole frame. Frames are generated
// (test/support/screen-text-media.ts), so the truth is known. Usage: MODELS_DIR=… npx tsx scripts/bench-ocr.ts
// (models from `npm run models:build` and `npm run models:fetch -- ppocr-v5-mobile-rec`; RECOGNIZER=<name> for
// another recogniser).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEXT_DETECTION_MODEL } from '../models/manifest.js';
import { loadTextDetector } from '../models/runtime/text-detection.js';
import { loadTextRecognizer } from '../models/runtime/text-recognition.js';
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
const recognizerName = process.env.RECOGNIZER || 'ppocr-v5-mobile-rec';
const recognizer = await loadTextRecognizer(recognizerName, { modelsDir });

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

type Method = 'cropped' | 'rec' | 'both' | 'whole';
const METHODS: Method[] = ['cropped', 'rec', 'both', 'whole'];
const rows: string[] = [];
const sums = new Map<string, { n: number } & Record<Method, number>>();
const seconds: Record<Method, number> = { cropped: 0, rec: 0, both: 0, whole: 0 };
let frames = 0;
const pct = (v: number) => `${(v * 100).toFixed(1).padStart(6)}%`;
// 768×432 is what the keyframes stage stores for a 720p or 1080p video (KEYFRAME_MAX_SIDE 768): what ocr reads.
// Each condition: background, size, sideways motion blur in pixels (0: none).
for (const [background, width, height, blur] of [
  ['plain', 768, 432, 0],
  ['bright', 768, 432, 0],
  ['busy', 1280, 720, 0],
  ['busy', 768, 432, 0],
  ['busy', 640, 360, 0],
  ['plain', 768, 432, 2],
  ['busy', 768, 432, 2],
  ['plain', 768, 432, 4],
  ['busy', 768, 432, 4],
] as const) {
  const groups: ScreenText[][] = [];
  for (let i = 0; i < SAMPLE_TEXTS.length; i += 2) groups.push(SAMPLE_TEXTS.slice(i, i + 2));
  for (const [g, lines] of groups.entries()) {
    const file = textFrame(
      dir,
      `f${background}${height}b${blur}-${g}`,
      lines,
      width,
      height,
      background,
      blur,
    );
    const jpeg = readFileSync(file);
    const options = { languages: 'kor+eng', minConfidence: 0.5, maxLines: 40, scratch: join(dir, 'lines') };
    const reads = {} as Record<Method, string[]>;
    for (const m of METHODS) {
      const t = performance.now();
      reads[m] =
        m === 'whole'
          ? await wholeFrame(file)
          : (
              await readFrame(jpeg, detector, {
                ...options,
                ...(m === 'cropped' ? {} : { recognizer, recognizerOnly: m === 'rec' }),
              })
            ).map((r) => r.text);
      seconds[m] += (performance.now() - t) / 1000;
    }
    frames++;
    for (const l of lines) {
      const key = `${l.style} ${height}p ${background}${blur ? ` blur${blur}` : ''}`;
      const s = sums.get(key) ?? { n: 0, cropped: 0, rec: 0, both: 0, whole: 0 };
      s.n++;
      const cer = METHODS.map((m) => {
        const c = best(l.text, reads[m]);
        s[m] += c;
        return pct(c);
      });
      sums.set(key, s);
      rows.push(`${key.padEnd(25)} ${l.text.padEnd(26)} ${cer.join(' ')}`);
    }
  }
}
console.log(
  `detector ${TEXT_DETECTION_MODEL} on ${detector.provider}; recogniser ${recognizerName} on ${recognizer.provider}; Tesseract kor+eng\n`,
);
const header = `${'cropped'.padStart(7)} ${'rec'.padStart(7)} ${'both'.padStart(7)} ${'whole'.padStart(7)}`;
console.log(`${'style size'.padEnd(25)} ${'text'.padEnd(26)} ${header} (character error)`);
for (const r of rows) console.log(r);
console.log(`\n${'mean CER'.padEnd(25)} ${header}`);
for (const [k, s] of sums) console.log(`${k.padEnd(25)} ${METHODS.map((m) => pct(s[m] / s.n)).join(' ')}`);
console.log(
  `\nseconds per frame: ${METHODS.map((m) => `${m} ${(seconds[m] / frames).toFixed(2)}`).join('  ')} (${frames} frames)`,
);
rmSync(dir, { recursive: true, force: true });
