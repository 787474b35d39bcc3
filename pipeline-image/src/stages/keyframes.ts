// keyframes: several frames per scene (about one every KEYFRAME_INTERVAL_SECONDS, at most
// KEYFRAME_MAX_PER_SCENE), all taken in a single decode pass, plus a small thumbnail (sharp) of the one
// nearest each scene's middle.

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ARTIFACTS, type Keyframe, type KeyframeSample } from '../artifacts.js';
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
import { keyframeArgs, keyframeFilter } from '../ffmpeg/args.js';
import { runFfmpeg } from '../ffmpeg/run.js';
import { framesByScene, keyframeTargets, representative } from '../media/keyframes.js';
import { parseFrameTimes } from '../media/shots.js';

const pad = (i: number) => String(i).padStart(5, '0');

export const keyframes: StageHandler = async (ctx) => {
  const { scenes } = await getJson(ctx, ARTIFACTS.shots);
  const input = await sourceFile(ctx);
  const dir = scratchPath(ctx, 'frames');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const targets = keyframeTargets(scenes, {
    intervalSeconds: ctx.pipeline.KEYFRAME_INTERVAL_SECONDS,
    maxPerScene: ctx.pipeline.KEYFRAME_MAX_PER_SCENE,
  });
  const script = scratchPath(ctx, 'filter.txt');
  const timesFile = scratchPath(ctx, 'keyframe-times.txt');
  await writeFile(script, keyframeFilter(targets, ctx.pipeline.KEYFRAME_MAX_SIDE, timesFile));
  const duration = scenes.at(-1)?.end ?? 0;
  await runFfmpeg(keyframeArgs(input, script, `${dir}/kf-%05d.jpg`, ctx.pipeline.FFMPEG_THREADS), {
    onProgress: (s) => ctx.progress(duration > 0 ? (0.8 * s) / duration : 0),
  });
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
  const times = parseFrameTimes(await readFile(timesFile, 'utf8'));
  if (files.length === 0) throw new InternalError('ffmpeg produced no keyframes for a probed video');
  if (times.length !== files.length)
    throw new InternalError(`ffmpeg wrote ${files.length} keyframes but ${times.length} keyframe times`);
  if (files.length < targets.length) {
    // A scene shorter than a frame interval (variable frame rate) can miss its frames: it borrows the nearest.
    ctx.log.warn({ frames: files.length, targets: targets.length }, 'fewer keyframes than asked for');
  }
  const byScene = framesByScene(scenes, targets, times);
  const bucket = ctx.config.S3_BUCKET_ARTIFACTS;
  const out: Keyframe[] = [];
  const stored = new Map<number, string>();
  for (const scene of scenes) {
    const frames: KeyframeSample[] = [];
    for (const [n, i] of byScene[scene.idx]!.entries()) {
      // A borrowed frame is stored once, under the scene that owns it.
      let key = stored.get(i);
      if (!key) {
        key = artifactKey(ctx, 'keyframes', `scene-${pad(scene.idx)}-${n}.jpg`);
        await ctx.store.put(bucket, key, await readFile(`${dir}/${files[i]!}`), 'image/jpeg');
        stored.set(i, key);
      }
      frames.push({ at: times[i]!, key });
    }
    const rep = representative(scene, byScene[scene.idx]!, times);
    const jpeg = await readFile(`${dir}/${files[rep]!}`);
    const thumb = await sharp(jpeg)
      .resize({ width: ctx.pipeline.THUMBNAIL_WIDTH, withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer();
    const meta = await sharp(jpeg).metadata();
    const thumbnailKey = artifactKey(ctx, 'keyframes', `thumb-${pad(scene.idx)}.webp`);
    await ctx.store.put(bucket, thumbnailKey, thumb, 'image/webp');
    out.push({
      idx: scene.idx,
      at: times[rep]!,
      keyframeKey: stored.get(rep)!,
      thumbnailKey,
      width: meta.width ?? 0,
      height: meta.height ?? 0,
      frames,
    });
    ctx.progress(0.8 + (0.2 * (scene.idx + 1)) / scenes.length);
  }
  // A rerun with fewer scenes or frames must not leave the old run's extra frames behind.
  const wanted = new Set([
    ...out.flatMap((k) => [...k.frames.map((f) => f.key), k.thumbnailKey]),
    artifactKey(ctx, ARTIFACTS.keyframes.stage, ARTIFACTS.keyframes.name),
  ]);
  const stale = (await ctx.store.list(bucket, artifactKey(ctx, 'keyframes', ''))).filter(
    (o) => !wanted.has(o.key),
  );
  for (const o of stale) await ctx.store.delete(bucket, o.key);
  await putJson(ctx, ARTIFACTS.keyframes, { keyframes: out });
  const frames = out.reduce((a, k) => a + k.frames.length, 0);
  return succeeded(`${frames} frame(s) for ${out.length} scene(s), and thumbnails`, {
    keyframeCount: out.length,
    frameCount: frames,
  });
};
