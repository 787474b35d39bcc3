// On-screen text of a frame: the detector's line boxes, each cropped, made grey, upscaled 2×, binarised (Otsu,
// dark text on white) and read by Tesseract as one line in Korean and English, and, where a recogniser is
// configured, also read from its colour crop by the recogniser (PP-OCR rec), the better reading kept (chooseReading);
// lines of several frames of a scene merged so a caption shown for ten seconds counts once.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { joinLines, type TextBox, type TextDetector } from '../../../models/runtime/text-detection.js';
import type { Recognition, TextRecognizer } from '../../../models/runtime/text-recognition.js';
import { parseTesseractTsv, runTesseract, tesseractArgs } from './tesseract.js';

export interface ScreenLine {
  text: string;
  /** Fractions of the frame (0–1), so frames of any size compare. */
  box: { x: number; y: number; w: number; h: number };
  /** The reading's confidence (Tesseract's mean word confidence, or the recogniser's) × the detector's box score, 0–1. */
  confidence: number;
}

export interface ReadOptions {
  /** Tesseract language list. */
  languages: string;
  /** Lines below this confidence are dropped as noise. */
  minConfidence: number;
  /** Most lines read per frame (the most confident boxes first): a page of tiny words is capped, not a stall. */
  maxLines: number;
  /** Scratch directory for the line images. */
  scratch: string;
  tesseract?: string;
  /** Reads each line's colour crop too (OCR_RECOGNIZER_MODEL); without one, Tesseract alone reads. */
  recognizer?: TextRecognizer;
  /** The recogniser's readings only, no Tesseract (scripts/bench-ocr.ts measures it alone). */
  recognizerOnly?: boolean;
}

/** Binarisations of each line that Tesseract reads (lineImages). */
const CANDIDATES = 3;

/** Otsu's threshold of a grey histogram: the level that best separates the two classes of pixels. Pure. */
export function otsuThreshold(grey: Uint8Array): number {
  const hist = new Array<number>(256).fill(0);
  for (const v of grey) hist[v]!++;
  const total = grey.length;
  let sum = 0;
  for (let i = 0; i < 256; i++) sum += i * hist[i]!;
  let [sumB, wB, best, threshold] = [0, 0, -1, 127];
  for (let t = 0; t < 256; t++) {
    wB += hist[t]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t]!;
    const between = wB * wF * (sumB / wB - (sum - sumB) / wF) ** 2;
    if (between > best) {
      best = between;
      threshold = t;
    }
  }
  return threshold;
}

/**
 * Two-level pixels from grey ones by Otsu's threshold: light above it white (`invert` false) or black (true).
 * Which one is dark text on white depends on the line (a dark sign, a white subtitle with an outline over a busy
 * picture), so both go to Tesseract and the more confident reading wins.
 */
export function binarise(grey: Uint8Array, invert: boolean, threshold = otsuThreshold(grey)): Uint8Array {
  const t = threshold;
  return Uint8Array.from(grey, (v) => (v > t !== invert ? 255 : 0));
}

/**
 * A line box cropped from the frame with a small margin, grey, upscaled 2× (less for tall lines: Tesseract reads
 * best around 40–120 px letters) and binarised in both polarities, as two PNGs.
 */
export async function lineImages(
  frame: Buffer,
  box: TextBox,
  width: number,
  height: number,
): Promise<Buffer[]> {
  const m = Math.max(2, Math.round(box.h * 0.15));
  const left = Math.max(0, box.x - m);
  const top = Math.max(0, box.y - m);
  const w = Math.min(width - left, box.w + 2 * m);
  const h = Math.min(height - top, box.h + 2 * m);
  const scale = Math.max(1, Math.min(2, 120 / h));
  const { data, info } = await sharp(frame)
    .extract({ left, top, width: w, height: h })
    .greyscale()
    .resize(Math.round(w * scale), Math.round(h * scale), { kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const grey = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const png = (bw: Uint8Array) =>
    sharp(Buffer.from(bw), { raw: { width: info.width, height: info.height, channels: 1 } })
      .png()
      .toBuffer();
  // The third: only near-white pixels are text, for white subtitles whose outline and busy background Otsu
  // cannot tell apart.
  return [
    await png(binarise(grey, false)),
    await png(binarise(grey, true)),
    await png(binarise(grey, true, Math.max(otsuThreshold(grey), 200))),
  ];
}

/** A line box cropped from the frame with the same margin as lineImages, in colour and at its own size (PNG). */
export function lineCrop(frame: Buffer, box: TextBox, width: number, height: number): Promise<Buffer> {
  const m = Math.max(2, Math.round(box.h * 0.15));
  const left = Math.max(0, box.x - m);
  const top = Math.max(0, box.y - m);
  return sharp(frame)
    .extract({
      left,
      top,
      width: Math.min(width - left, box.w + 2 * m),
      height: Math.min(height - top, box.h + 2 * m),
    })
    .png()
    .toBuffer();
}

/**
 * How sure the recogniser must be to replace a reading of Tesseract's with letters it cannot write (Hangul, for the
 * small profile's recogniser, which has none): on a Korean line it reads nothing or a few wrong characters (at most
 * 0.63 measured), on a blurred English line that Tesseract read as Hangul it is right at 0.86 and more
 * (docs/benchmarks.md).
 */
export const RECOGNIZER_SURE = 0.8;

/**
 * Which of a line's two readings to keep: the more confident, except that Tesseract's reading with letters the
 * recogniser cannot write stays unless the recogniser is sure (RECOGNIZER_SURE). Either may be missing. Pure.
 *
 * "Cannot write" is the recogniser's own dictionary, not a script: with a recogniser that has Hangul (the large
 * profile's ppocr-v5-korean-rec) both readings of a Korean line are in letters both can write, so they are compared
 * by confidence alone, as English lines are with either recogniser; the floor then guards only what that one lacks
 * (Chinese characters, which Tesseract's kor model can write and PP-OCRv5's Korean dictionary has none of). A rule
 * of its own for Korean lines (say, the recogniser's reading first) would need figures for that model, which could
 * not be fetched here (docs/benchmarks.md).
 */
export function chooseReading(
  tesseract: Recognition | undefined,
  recognizer: Recognition | undefined,
  recognizerCharacters: ReadonlySet<string>,
): Recognition | undefined {
  if (!recognizer?.text) return tesseract;
  if (!tesseract?.text) return recognizer;
  const foreign = [...tesseract.text].some((c) => /\p{L}/u.test(c) && !recognizerCharacters.has(c));
  if (foreign && recognizer.confidence < RECOGNIZER_SURE) return tesseract;
  return recognizer.confidence > tesseract.confidence ? recognizer : tesseract;
}

/** Words worth keeping: at least one letter or digit, and not a lone symbol Tesseract found in a texture. */
export function meaningful(text: string): boolean {
  const letters = [...text].filter((c) => /[\p{L}\p{N}]/u.test(c)).length;
  return letters >= 2 || /\p{Script=Hangul}/u.test(text);
}

/** Tesseract's reading of each chosen box (by index), the most confident of its binarisations. */
async function tesseractReadings(
  frame: Buffer,
  chosen: readonly TextBox[],
  width: number,
  height: number,
  o: ReadOptions,
): Promise<Map<number, Recognition>> {
  const files: string[] = [];
  for (const [i, box] of chosen.entries()) {
    for (const [k, png] of (await lineImages(frame, box, width, height)).entries()) {
      const file = join(o.scratch, `line-${i}-${k}.png`);
      await writeFile(file, png);
      files.push(file);
    }
  }
  const list = join(o.scratch, 'lines.txt');
  await writeFile(list, `${files.join('\n')}\n`);
  // Images 3i…3i+2 are line i's binarisations: the most confident reading is the line's.
  const best = new Map<number, Recognition>();
  for (const r of parseTesseractTsv(await runTesseract(tesseractArgs(list, o.languages), o.tesseract))) {
    const line = Math.floor(r.image / CANDIDATES);
    if ((best.get(line)?.confidence ?? -1) < r.confidence) best.set(line, r);
  }
  return best;
}

/** The frame's text lines. Throws when the bytes are not a picture; a frame without text gives []. */
export async function readFrame(
  frame: Buffer,
  detector: TextDetector,
  o: ReadOptions,
): Promise<ScreenLine[]> {
  const { width, height, boxes } = await detector.detect(frame);
  const chosen = joinLines(boxes)
    .filter((b) => b.h >= 8 && b.w >= b.h)
    .sort((a, b) => b.score - a.score)
    .slice(0, o.maxLines);
  if (chosen.length === 0) return [];
  await rm(o.scratch, { recursive: true, force: true });
  await mkdir(o.scratch, { recursive: true });
  try {
    const best =
      o.recognizer && o.recognizerOnly
        ? new Map<number, Recognition>()
        : await tesseractReadings(frame, chosen, width, height, o);
    if (o.recognizer) {
      for (const [i, box] of chosen.entries()) {
        const read = await o.recognizer.recognize(await lineCrop(frame, box, width, height));
        const kept = chooseReading(best.get(i), read, o.recognizer.characters);
        if (kept) best.set(i, kept);
      }
    }
    const lines: ScreenLine[] = [];
    for (const [index, r] of best) {
      const box = chosen[index]!;
      const text = r.text.normalize('NFC').replace(/\s+/g, ' ').trim();
      const confidence = r.confidence * box.score;
      if (!meaningful(text) || confidence < o.minConfidence) continue;
      lines.push({
        text,
        box: { x: box.x / width, y: box.y / height, w: box.w / width, h: box.h / height },
        confidence: Math.round(confidence * 1000) / 1000,
      });
    }
    return lines.sort((a, b) =>
      Math.abs(a.box.y - b.box.y) < a.box.h / 2 ? a.box.x - b.box.x : a.box.y - b.box.y,
    );
  } finally {
    await rm(o.scratch, { recursive: true, force: true });
  }
}

/** Levenshtein distance between two strings, by code point. Pure. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length]!;
}

const matchKey = (t: string) =>
  t
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}]/gu, '');

export interface SceneLine extends ScreenLine {
  /** Seconds into the video of each frame the line was read in. */
  seenAt: number[];
}

/**
 * One scene's lines from several frames: a line read again (the same characters, spaces and punctuation aside,
 * or within a fifth of its length in edits: one misread character in another frame) is one line, keeping the
 * most confident reading and every time it was seen. Order: first seen, then top to bottom. Pure.
 */
export function mergeFrames(frames: readonly { at: number; lines: readonly ScreenLine[] }[]): SceneLine[] {
  const out: (SceneLine & { key: string })[] = [];
  for (const f of frames) {
    for (const line of f.lines) {
      const key = matchKey(line.text);
      if (!key) continue;
      const same = out.find(
        (o) =>
          o.key === key ||
          editDistance(o.key, key) <= Math.floor(Math.max([...o.key].length, [...key].length) / 5),
      );
      if (!same) {
        out.push({ ...line, seenAt: [f.at], key });
        continue;
      }
      if (!same.seenAt.includes(f.at)) same.seenAt.push(f.at);
      if (line.confidence > same.confidence)
        Object.assign(same, { text: line.text, box: line.box, confidence: line.confidence, key });
    }
  }
  return out.map(({ key: _key, ...l }) => l);
}
