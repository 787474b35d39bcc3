// shots: scene boundaries from one decode pass over small RGB frames (media/shots.ts decides).

import { mkdir, readFile } from 'node:fs/promises';
import { ARTIFACTS, type ShotsOutput } from '../artifacts.js';
import type { PipelineConfig } from '../config.js';
import { getJson, putJson, type StageHandler, scratchPath, sourceFile, succeeded } from '../context.js';
import { InternalError } from '../errors.js';
import { frameStreamArgs } from '../ffmpeg/args.js';
import { streamFfmpeg } from '../ffmpeg/run.js';
import {
  ANALYSIS_HEIGHT,
  ANALYSIS_WIDTH,
  FRAME_BYTES,
  type FrameFeatures,
  frameFeatures,
} from '../media/frame-features.js';
import { detectScenes, type Frame, parseFrameTimes, type ShotParams } from '../media/shots.js';

export function shotParams(cfg: PipelineConfig): ShotParams {
  return {
    threshold: cfg.SHOT_THRESHOLD,
    adaptiveRatio: cfg.SHOT_ADAPTIVE_RATIO,
    minSeconds: cfg.SHOT_MIN_SECONDS,
    maxSeconds: cfg.SHOT_MAX_SECONDS,
    flashSeconds: cfg.SHOT_FLASH_SECONDS,
    gradualSeconds: cfg.SHOT_GRADUAL_SECONDS,
    gradualThreshold: cfg.SHOT_GRADUAL_THRESHOLD,
  };
}

/** Every frame's features and time, from one ffmpeg pass; frames are reduced to features as they stream. */
export async function analyseFrames(
  input: string,
  ptsFile: string,
  opts: { threads?: number; onProgress?: (seconds: number) => void } = {},
): Promise<Frame[]> {
  const features: FrameFeatures[] = [];
  const frame = Buffer.alloc(FRAME_BYTES);
  let filled = 0;
  await streamFfmpeg(
    frameStreamArgs(input, ptsFile, {
      width: ANALYSIS_WIDTH,
      height: ANALYSIS_HEIGHT,
      threads: opts.threads,
    }),
    (chunk) => {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(FRAME_BYTES - filled, chunk.length - at);
        chunk.copy(frame, filled, at, at + n);
        filled += n;
        at += n;
        if (filled === FRAME_BYTES) {
          features.push(frameFeatures(frame));
          filled = 0;
        }
      }
    },
    { onProgress: opts.onProgress },
  );
  const times = parseFrameTimes(await readFile(ptsFile, 'utf8'));
  if (times.length !== features.length)
    throw new InternalError(`ffmpeg gave ${features.length} frames but ${times.length} frame times`);
  return features.map((f, i) => ({ t: times[i]!, features: f }));
}

export const shots: StageHandler = async (ctx) => {
  const info = await getJson(ctx, ARTIFACTS.probe);
  const input = await sourceFile(ctx);
  await mkdir(scratchPath(ctx), { recursive: true });
  const frames = await analyseFrames(input, scratchPath(ctx, 'frame-times.txt'), {
    threads: ctx.pipeline.FFMPEG_THREADS,
    onProgress: (s) => ctx.progress(s / info.durationSeconds),
  });
  const params = shotParams(ctx.pipeline);
  const scenes = detectScenes(frames, info.durationSeconds, params);
  const out: ShotsOutput = { durationSeconds: info.durationSeconds, params, frames: frames.length, scenes };
  await putJson(ctx, ARTIFACTS.shots, out);
  const cuts = scenes.filter((s) => s.startsWith === 'cut').length;
  const gradual = scenes.filter((s) => s.startsWith === 'gradual').length;
  return succeeded(
    `${scenes.length} scene(s): ${cuts} cut(s), ${gradual} gradual transition(s) over ${frames.length} frames`,
    { sceneCount: scenes.length, cuts, gradual },
  );
};
