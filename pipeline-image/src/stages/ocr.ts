// ocr: the text on screen in each scene (signs, slides, menus, burned-in subtitles), Korean and English. The
// keyframes stage's frames of each scene (several for long ones) are each read by the text detector and
// Tesseract, and a scene's lines merged across its frames. It never fails a video over a picture: a frame that cannot be read yields no
// lines and a warning with the reason; without a detector or Tesseract the stage is skipped and says why.

import { whyMissing } from '../../../models/manifest.js';
import { loadTextDetector } from '../../../models/runtime/text-detection.js';
import { ARTIFACTS } from '../artifacts.js';
import {
  getJson,
  putJson,
  type StageContext,
  type StageHandler,
  scratchPath,
  skipped,
  succeeded,
} from '../context.js';
import { mergeFrames, readFrame, type SceneLine } from '../media/screen-text.js';
import { tesseractLanguages } from '../media/tesseract.js';

export interface ScreenTextOutput {
  model: { name: string; revision: string };
  languages: string;
  /** By scene index: the scene's lines, merged across the frames read, and how many frames were read. */
  scenes: { idx: number; frames: number; lines: SceneLine[] }[];
}

/**
 * Which of a scene's keyframes to read: all of them up to `max`, else `max` spread evenly from first to last
 * (a caption shown for part of a long scene is still seen). Pure.
 */
export function framesToRead<T>(frames: readonly T[], max: number): T[] {
  if (frames.length <= max) return [...frames];
  if (max === 1) return [frames[Math.floor(frames.length / 2)]!];
  return Array.from({ length: max }, (_, k) => frames[Math.round((k * (frames.length - 1)) / (max - 1))]!);
}

/** Why the stage cannot run here (model or Tesseract missing), or undefined. */
async function unavailable(ctx: StageContext): Promise<string | undefined> {
  const p = ctx.pipeline;
  if (p.OCR_MODEL === 'none') return 'OCR_MODEL is none';
  const missing = whyMissing(p.OCR_MODEL, ctx.config.MODELS_DIR);
  if (missing) return missing;
  const tess = await tesseractLanguages();
  if ('error' in tess) return tess.error;
  const lacking = p.OCR_LANGUAGES.split('+').filter((l) => !tess.languages.includes(l));
  if (lacking.length > 0) {
    return `Tesseract lacks language(s) ${lacking.join(', ')} (install tesseract-ocr-${lacking[0]})`;
  }
  return undefined;
}

async function download(ctx: StageContext, key: string): Promise<Buffer> {
  const stream = await ctx.store.getStream(ctx.config.S3_BUCKET_ARTIFACTS, key);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export const ocr: StageHandler = async (ctx) => {
  const why = await unavailable(ctx);
  if (why) {
    ctx.log.warn({ reason: why }, 'on-screen text is not read');
    return skipped(`on-screen text not read: ${why}`);
  }
  const p = ctx.pipeline;
  const detector = await loadTextDetector(p.OCR_MODEL, { modelsDir: ctx.config.MODELS_DIR });
  const { scenes } = await getJson(ctx, ARTIFACTS.shots);
  const { keyframes } = await getJson(ctx, ARTIFACTS.keyframes);
  // Frames the keyframes stage stored (older runs' keyframes.json has one per scene and no list).
  const frames = keyframes.flatMap((k) =>
    framesToRead(
      k.frames?.length ? k.frames : [{ at: k.at, key: k.keyframeKey }],
      p.OCR_MAX_FRAMES_PER_SCENE,
    ).map((f) => ({ idx: k.idx, at: f.at, key: f.key })),
  );
  const perScene = new Map<number, { at: number; lines: Awaited<ReturnType<typeof readFrame>> }[]>();
  let unreadable = 0;
  for (const [i, f] of frames.entries()) {
    let lines: Awaited<ReturnType<typeof readFrame>> = [];
    try {
      lines = await readFrame(await download(ctx, f.key), detector, {
        languages: p.OCR_LANGUAGES,
        minConfidence: p.OCR_MIN_CONFIDENCE,
        maxLines: p.OCR_MAX_LINES,
        scratch: scratchPath(ctx, 'lines'),
      });
    } catch (err) {
      unreadable++;
      ctx.log.warn(
        { scene: f.idx, at: f.at, reason: (err as Error).message },
        'a frame could not be read for text',
      );
    }
    perScene.set(f.idx, [...(perScene.get(f.idx) ?? []), { at: Math.round(f.at * 1000) / 1000, lines }]);
    ctx.progress((i + 1) / frames.length);
  }
  const out: ScreenTextOutput = {
    model: detector.model,
    languages: p.OCR_LANGUAGES,
    scenes: scenes.map((s) => {
      const read = perScene.get(s.idx) ?? [];
      return { idx: s.idx, frames: read.length, lines: mergeFrames(read) };
    }),
  };
  await putJson(ctx, ARTIFACTS.screenText, out);
  const lineCount = out.scenes.reduce((n, s) => n + s.lines.length, 0);
  const withText = out.scenes.filter((s) => s.lines.length > 0).length;
  return succeeded(
    `${lineCount} line(s) of on-screen text in ${withText} of ${scenes.length} scene(s) from ${frames.length} frame(s)` +
      (unreadable > 0 ? `; ${unreadable} frame(s) unreadable` : ''),
    { lines: lineCount, scenesWithText: withText, frames: frames.length, unreadableFrames: unreadable },
  );
};
