// ocr: the text on screen in each scene (signs, slides, menus, burned-in subtitles), Korean and English. The
// keyframes stage's frames of each scene (several for long ones) are each read by the text detector and
// Tesseract (and a PP-OCR recogniser where OCR_RECOGNIZER_MODEL names one), and a scene's lines merged across
// its frames. It never fails a video over a picture: a frame that cannot be read yields no
// lines and a warning with the reason; without a detector or Tesseract the stage is skipped and says why.

import { whyMissing } from '../../../models/manifest.js';
import { loadTextDetector } from '../../../models/runtime/text-detection.js';
import { loadTextRecognizer, type TextRecognizer } from '../../../models/runtime/text-recognition.js';
import { ARTIFACTS, type ScreenTextOutput } from '../artifacts.js';
import {
  getJson,
  putJson,
  type StageContext,
  type StageHandler,
  scratchPath,
  skipped,
  succeeded,
} from '../context.js';
import { mergeFrames, readFrame } from '../media/screen-text.js';
import { tesseractLanguages } from '../media/tesseract.js';
import { readSceneFrames } from './scene-frames.js';

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

/** The configured recogniser, or why Tesseract reads alone (a missing model does not skip the stage). */
async function recognizerFor(ctx: StageContext): Promise<{ recognizer?: TextRecognizer; note?: string }> {
  const name = ctx.pipeline.OCR_RECOGNIZER_MODEL;
  if (name === 'none') return {};
  const missing = whyMissing(name, ctx.config.MODELS_DIR);
  if (missing) {
    ctx.log.warn({ reason: missing }, 'text lines are read by Tesseract alone');
    return { note: `recogniser not used: ${missing}` };
  }
  return { recognizer: await loadTextRecognizer(name, { modelsDir: ctx.config.MODELS_DIR }) };
}

export const ocr: StageHandler = async (ctx) => {
  const why = await unavailable(ctx);
  if (why) {
    ctx.log.warn({ reason: why }, 'on-screen text is not read');
    return skipped(`on-screen text not read: ${why}`);
  }
  const p = ctx.pipeline;
  const detector = await loadTextDetector(p.OCR_MODEL, { modelsDir: ctx.config.MODELS_DIR });
  const { recognizer, note } = await recognizerFor(ctx);
  const { scenes } = await getJson(ctx, ARTIFACTS.shots);
  const options = {
    languages: p.OCR_LANGUAGES,
    minConfidence: p.OCR_MIN_CONFIDENCE,
    maxLines: p.OCR_MAX_LINES,
    scratch: scratchPath(ctx, 'lines'),
    recognizer,
  };
  const { perScene, frames, unreadable } = await readSceneFrames(
    ctx,
    p.OCR_MAX_FRAMES_PER_SCENE,
    (picture) => readFrame(picture, detector, options),
    [] as Awaited<ReturnType<typeof readFrame>>,
    'a frame could not be read for text',
  );
  const out: ScreenTextOutput = {
    model: detector.model,
    ...(recognizer ? { recognizer: recognizer.model } : {}),
    languages: p.OCR_LANGUAGES,
    scenes: scenes.map((s) => {
      const read = perScene.get(s.idx) ?? [];
      return {
        idx: s.idx,
        frames: read.length,
        lines: mergeFrames(read.map((f) => ({ at: f.at, lines: f.value }))),
      };
    }),
  };
  await putJson(ctx, ARTIFACTS.screenText, out);
  const lineCount = out.scenes.reduce((n, s) => n + s.lines.length, 0);
  const withText = out.scenes.filter((s) => s.lines.length > 0).length;
  return succeeded(
    `${lineCount} line(s) of on-screen text in ${withText} of ${scenes.length} scene(s) from ${frames} frame(s)` +
      (unreadable > 0 ? `; ${unreadable} frame(s) unreadable` : '') +
      (recognizer ? `; read by Tesseract and ${recognizer.model.name}` : '') +
      (note ? `; ${note}` : ''),
    { lines: lineCount, scenesWithText: withText, frames, unreadableFrames: unreadable },
  );
};
