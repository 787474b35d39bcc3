// keyframes: one representative frame per scene, all taken in a single decode pass, plus small thumbnails (sharp).

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ARTIFACTS } from '../artifacts.js';
import {
  artifactKey,
  getJson,
  putJson,
  type StageHandler,
  scratchPath,
  sourceFile,
  succeeded,
} from '../context.js';
import { InternalError } from '../errors.js';
import { type KeyframeTarget, keyframeArgs, keyframeFilter } from '../ffmpeg/args.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import type { Scene } from '../media/shots.js';

export interface Keyframe {
  idx: number;
  /** Where in the scene the frame was asked for, seconds. */
  at: number;
  keyframeKey: string;
  thumbnailKey: string;
  width: number;
  height: number;
}

/** The middle of each scene: away from the cut and from any transition into the next scene. */
export function keyframeTargets(scenes: readonly Scene[]): KeyframeTarget[] {
  return scenes.map((s) => ({ at: s.start + (s.end - s.start) / 2, end: s.end }));
}

const pad = (i: number) => String(i).padStart(5, '0');

export const keyframes: StageHandler = async (ctx) => {
  const { scenes } = await getJson(ctx, ARTIFACTS.shots);
  const input = await sourceFile(ctx);
  const dir = scratchPath(ctx, 'frames');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const targets = keyframeTargets(scenes);
  const script = scratchPath(ctx, 'filter.txt');
  await writeFile(script, keyframeFilter(targets, ctx.pipeline.KEYFRAME_MAX_SIDE));
  const duration = scenes.at(-1)?.end ?? 0;
  await runFfmpeg(keyframeArgs(input, script, `${dir}/kf-%05d.jpg`, ctx.pipeline.FFMPEG_THREADS), {
    onProgress: (s) => ctx.progress(duration > 0 ? (0.8 * s) / duration : 0),
  });
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
  if (files.length === 0) throw new InternalError('ffmpeg produced no keyframes for a probed video');
  if (files.length !== scenes.length) {
    // A scene shorter than a frame interval (variable frame rate) can miss its frame: borrow the nearest.
    ctx.log.warn({ frames: files.length, scenes: scenes.length }, 'fewer keyframes than scenes');
  }
  const bucket = ctx.config.S3_BUCKET_ARTIFACTS;
  const out: Keyframe[] = [];
  for (const scene of scenes) {
    const file = files[Math.min(scene.idx, files.length - 1)]!;
    const jpeg = await readFile(`${dir}/${file}`);
    const thumb = await sharp(jpeg)
      .resize({ width: ctx.pipeline.THUMBNAIL_WIDTH, withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer();
    const meta = await sharp(jpeg).metadata();
    const keyframeKey = artifactKey(ctx, 'keyframes', `scene-${pad(scene.idx)}.jpg`);
    const thumbnailKey = artifactKey(ctx, 'keyframes', `thumb-${pad(scene.idx)}.webp`);
    await ctx.store.put(bucket, keyframeKey, jpeg, 'image/jpeg');
    await ctx.store.put(bucket, thumbnailKey, thumb, 'image/webp');
    out.push({
      idx: scene.idx,
      at: targets[scene.idx]!.at,
      keyframeKey,
      thumbnailKey,
      width: meta.width ?? 0,
      height: meta.height ?? 0,
    });
    ctx.progress(0.8 + (0.2 * (scene.idx + 1)) / scenes.length);
  }
  // A rerun with fewer scenes must not leave the old run's extra frames behind.
  const wanted = new Set([
    ...out.flatMap((k) => [k.keyframeKey, k.thumbnailKey]),
    artifactKey(ctx, ARTIFACTS.keyframes.stage, ARTIFACTS.keyframes.name),
  ]);
  const stale = (await ctx.store.list(bucket, artifactKey(ctx, 'keyframes', ''))).filter(
    (o) => !wanted.has(o.key),
  );
  for (const o of stale) await ctx.store.delete(bucket, o.key);
  await putJson(ctx, ARTIFACTS.keyframes, { keyframes: out });
  return succeeded(`${out.length} keyframe(s) and thumbnails`, { keyframeCount: out.length });
};
