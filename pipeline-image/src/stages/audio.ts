// audio: the soundtrack as 16 kHz mono WAV for speech recognition; a video without sound is Skipped.

import { stat } from 'node:fs/promises';
import { ARTIFACTS } from '../artifacts.js';
import {
  artifactKey,
  getJson,
  type StageHandler,
  scratchPath,
  skipped,
  sourceFile,
  succeeded,
} from '../context.js';
import { audioArgs } from '../ffmpeg/args.js';
import { runFfmpeg } from '../ffmpeg/run.js';

export const AUDIO_FILE = 'audio.wav';

export const audio: StageHandler = async (ctx) => {
  const info = await getJson(ctx, ARTIFACTS.probe);
  const key = artifactKey(ctx, 'audio', AUDIO_FILE);
  if (!info.audio) {
    // A rerun after the source changed must not leave an older soundtrack behind.
    await ctx.store.delete(ctx.config.S3_BUCKET_ARTIFACTS, key);
    return skipped('the video has no sound; it is indexed from its pictures', { hasAudio: false });
  }
  const input = await sourceFile(ctx);
  const output = scratchPath(ctx, AUDIO_FILE);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(scratchPath(ctx), { recursive: true });
  await runFfmpeg(audioArgs(input, output, ctx.pipeline.FFMPEG_THREADS), {
    onProgress: (s) => ctx.progress(s / info.durationSeconds),
  });
  const { size } = await stat(output);
  await ctx.store.upload(ctx.config.S3_BUCKET_ARTIFACTS, key, output, 'audio/wav');
  const seconds = (size - 44) / (16000 * 2);
  return succeeded(`${seconds.toFixed(1)} s of 16 kHz mono audio`, {
    audioSeconds: Number(seconds.toFixed(3)),
  });
};
