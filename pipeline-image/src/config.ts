// Settings only the pipeline reads (shared ones come from core/config.ts), parsed once from the environment.
import { type Static, Type } from '@sinclair/typebox';
import { parseWith } from '../../core/config.js';
import { MODEL_ENV } from '../../core/stage-contract.js';
import {
  DEFAULT_MODELS,
  OBJECT_DETECTION_MODEL,
  TEXT_DETECTION_MODEL,
  VAD_MODEL,
} from '../../models/manifest.js';

const Num = (description: string, d: number, minimum = 0) =>
  Type.Number({ description, default: d, minimum });
const Int = (description: string, d: number, minimum = 1) =>
  Type.Integer({ description, default: d, minimum });

export const PipelineConfigSchema = Type.Object({
  SHOT_THRESHOLD: Num('least frame-to-frame distance (0–1, colour and layout) that can be a hard cut', 0.1),
  SHOT_ADAPTIVE_RATIO: Num('a cut differs this many times more than the frames around it differ', 3, 1),
  SHOT_MIN_SECONDS: Num('shortest shot kept; closer cuts are merged into the previous shot', 1),
  SHOT_MAX_SECONDS: Num('longest scene; longer shots are split into equal pieces', 30, 1),
  SHOT_FLASH_SECONDS: Num(
    'a change that returns to the earlier picture within this is a flash, not a cut',
    0.35,
  ),
  SHOT_GRADUAL_SECONDS: Num('longest dissolve or fade looked for', 2, 0.1),
  SHOT_GRADUAL_THRESHOLD: Num('least change (0–1) across a dissolve or fade', 0.12),
  KEYFRAME_INTERVAL_SECONDS: Num('a scene is looked at about once every this many seconds', 4, 0.5),
  KEYFRAME_MAX_PER_SCENE: Int('most frames looked at (and embedded) per scene', 8),
  KEYFRAME_MAX_SIDE: Int('longest side of a stored keyframe, in pixels', 768, 32),
  THUMBNAIL_WIDTH: Int('thumbnail width, in pixels', 320, 16),
  EMBED_BATCH_SIZE: Int('images or texts per model call', 16),
  // Keyed by the stage contract's names, so a VideoIngestion's spec.models override reaches them.
  [MODEL_ENV.visionEmbedding]: Type.String({
    description: 'vision model name from models/manifest',
    default: DEFAULT_MODELS.vision,
  }),
  [MODEL_ENV.textEmbedding]: Type.String({
    description: 'text model name from models/manifest',
    default: DEFAULT_MODELS.text,
  }),
  [MODEL_ENV.asr]: Type.String({
    description: 'speech model name from models/manifest, or "none"',
    default: DEFAULT_MODELS.asr,
  }),
  ASR_LANGUAGES: Type.String({
    description:
      'spoken languages a video set to auto is detected among (comma-separated ISO 639-1 codes); also where a forced ' +
      'language that the model does not know falls back to detection',
    default: 'ko,en',
    pattern: '^[a-z]{2,3}(,[a-z]{2,3})*$',
  }),
  ASR_BEAM_SIZE: Int('beam width of speech recognition at temperature 0 (1: greedy)', 5),
  ASR_BEST_OF: Int(
    'candidates sampled at each fallback temperature (faster-whisper: 5); fewer makes a window no decoding is sure of cheaper on CPU',
    5,
  ),
  ASR_MAX_TOKENS_PER_WINDOW: Int('most tokens Whisper may emit for one 30 s window', 224),
  ASR_VAD_MODEL: Type.String({
    description:
      'voice activity model run before Whisper so only speech is decoded (models/manifest), or "none"; when its ' +
      'files are missing the stage decodes the whole audio and says so in its result',
    default: VAD_MODEL,
  }),
  OCR_MODEL: Type.String({
    description:
      'text detector of the ocr stage (models/manifest), or "none" to skip the stage; when its files or Tesseract ' +
      'are missing the stage is skipped and says why',
    default: TEXT_DETECTION_MODEL,
  }),
  OCR_RECOGNIZER_MODEL: Type.String({
    description:
      'text line recogniser of the ocr stage (models/manifest) that reads each line beside Tesseract, the more ' +
      'confident reading kept (Tesseract’s where it has letters the recogniser lacks, as Hangul for the small ' +
      'profile’s ppocr-v5-mobile-rec, unless the recogniser is sure), or "none" for Tesseract alone; when its files ' +
      'are missing Tesseract reads alone and the stage says so',
    default: DEFAULT_MODELS.ocrRecognizer,
  }),
  OCR_LANGUAGES: Type.String({
    description:
      'Tesseract languages each text line is read in (tesseract-ocr-<lang> packages), joined with +',
    default: 'kor+eng',
    pattern: '^[a-z_]{3,8}(\\+[a-z_]{3,8})*$',
  }),
  OCR_MAX_FRAMES_PER_SCENE: Int(
    'most of a scene’s keyframes read for text (spread over the scene when it has more)',
    4,
  ),
  OCR_MAX_LINES: Int('most text lines read per frame (the most confident boxes first)', 40),
  OCR_MIN_CONFIDENCE: Num('least confidence (0–1) of a text line kept', 0.5),
  OBJECTS_MODEL: Type.String({
    description:
      'object detector of the objects stage (models/manifest), or "none" to skip the stage; when its files are ' +
      'missing the stage is skipped and says why',
    default: OBJECT_DETECTION_MODEL,
  }),
  OBJECTS_MAX_FRAMES_PER_SCENE: Int(
    'most of a scene’s keyframes looked at for objects (spread over the scene when it has more)',
    4,
  ),
  OBJECTS_MIN_CONFIDENCE: Num(
    'least confidence (0–1) of an object kept (0.4: with CenterNet, true objects in the bundled photos score 0.51–0.69, the strongest false one 0.39; docs/benchmarks.md)',
    0.4,
  ),
  FFMPEG_THREADS: Int('threads per ffmpeg process (0 = ffmpeg decides)', 0, 0),
});

export type PipelineConfig = Static<typeof PipelineConfigSchema>;

export function parsePipelineConfig(env: Record<string, string | undefined> = process.env): PipelineConfig {
  return parseWith(PipelineConfigSchema, env);
}
