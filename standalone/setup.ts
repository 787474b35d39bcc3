// What standalone mode decides before it starts: which models (real, or tiny with a loud warning), ffmpeg present.
import { execFileSync } from 'node:child_process';
import type { Logger } from '../core/log.js';
import { modelDir, TINY_MODELS_DIR } from '../models/manifest.js';

export interface ModelChoice {
  modelsDir: string;
  visionModel: string;
  textModel: string;
  asrModel: string;
  tiny: boolean;
}

/**
 * Real models when they are in MODELS_DIR; otherwise the tiny test models, never silently: search
 * quality is meaningless with random weights, and the warning says how to get the real ones.
 */
export function chooseModels(
  env: { MODELS_DIR: string; VISION_MODEL?: string; TEXT_MODEL?: string; ASR_MODEL?: string },
  log: Logger,
): ModelChoice {
  const vision = env.VISION_MODEL ?? 'siglip2-so400m-patch14-384';
  const text = env.TEXT_MODEL ?? 'bge-m3';
  const missing: string[] = [];
  for (const name of [vision, text]) {
    try {
      modelDir(name, env.MODELS_DIR);
    } catch (error) {
      missing.push((error as Error).message);
    }
  }
  if (missing.length === 0) {
    return {
      modelsDir: env.MODELS_DIR,
      visionModel: vision,
      textModel: text,
      asrModel: env.ASR_MODEL ?? 'whisper-large-v3-turbo',
      tiny: false,
    };
  }
  log.warn(
    { missing },
    `models not found in ${env.MODELS_DIR}: using the TINY TEST MODELS. Search by meaning is meaningless with them (only words ` +
      'in subtitles and transcripts match). Get the real ones with `npm run models:fetch -- siglip2-so400m-patch14-384 bge-m3` ' +
      '(online), or copy them into a directory and set MODELS_DIR to it.',
  );
  // Speech recognition needs a real Whisper model; subtitles tracks are still read.
  return {
    modelsDir: TINY_MODELS_DIR,
    visionModel: 'tiny-siglip2',
    textModel: 'tiny-bge-m3',
    asrModel: 'none',
    tiny: true,
  };
}

/** ffmpeg and ffprobe must run; the message says how to install them. */
export function checkFfmpeg(): void {
  for (const tool of ['ffmpeg', 'ffprobe']) {
    try {
      execFileSync(tool, ['-version'], { stdio: 'ignore' });
    } catch {
      throw new Error(
        `${tool} is not installed or not on PATH: install ffmpeg (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg)`,
      );
    }
  }
}
