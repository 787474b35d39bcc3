// shots: scene boundaries from one decode pass over downscaled frames (media/shots.ts decides).

import { mkdir, readFile } from 'node:fs/promises';
import { ARTIFACTS } from '../artifacts.js';
import { getJson, putJson, type StageHandler, scratchPath, sourceFile, succeeded } from '../context.js';
import { shotScoreArgs } from '../ffmpeg/args.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { detectScenes, parseSceneScores, type Scene, type ShotParams } from '../media/shots.js';

export interface ShotsOutput {
  durationSeconds: number;
  params: ShotParams;
  frames: number;
  scenes: Scene[];
}

export const shots: StageHandler = async (ctx) => {
  const info = await getJson(ctx, ARTIFACTS.probe);
  const input = await sourceFile(ctx);
  await mkdir(scratchPath(ctx), { recursive: true });
  const scoresFile = scratchPath(ctx, 'scores.txt');
  await runFfmpeg(
    shotScoreArgs(input, scoresFile, {
      width: ctx.pipeline.SHOT_ANALYSIS_WIDTH,
      threads: ctx.pipeline.FFMPEG_THREADS,
    }),
    { onProgress: (s) => ctx.progress(s / info.durationSeconds) },
  );
  const scores = parseSceneScores(await readFile(scoresFile, 'utf8'));
  const params: ShotParams = {
    threshold: ctx.pipeline.SHOT_THRESHOLD,
    minSeconds: ctx.pipeline.SHOT_MIN_SECONDS,
    maxSeconds: ctx.pipeline.SHOT_MAX_SECONDS,
    flashSeconds: ctx.pipeline.SHOT_FLASH_SECONDS,
  };
  const scenes = detectScenes(scores, info.durationSeconds, params);
  const out: ShotsOutput = { durationSeconds: info.durationSeconds, params, frames: scores.length, scenes };
  await putJson(ctx, ARTIFACTS.shots, out);
  const cuts = scenes.filter((s) => s.startsWith === 'cut').length;
  return succeeded(`${scenes.length} scene(s): ${cuts} cut(s) over ${scores.length} frames`, {
    sceneCount: scenes.length,
    cuts,
  });
};
