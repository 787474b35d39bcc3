// The keyframes a picture-reading stage (ocr, objects) looks at, read one by one: up to a number per scene spread
// over it, each frame's bytes handed to the stage's reader. A frame that cannot be read yields the reader's empty
// result and a warning with the reason, never a failed video.

import { ARTIFACTS } from '../artifacts.js';
import { getJson, type StageContext } from '../context.js';

/**
 * Which of a scene's keyframes to read: all of them up to `max`, else `max` spread evenly from first to last
 * (a caption shown for part of a long scene is still seen). Pure.
 */
export function framesToRead<T>(frames: readonly T[], max: number): T[] {
  if (frames.length <= max) return [...frames];
  if (max === 1) return [frames[Math.floor(frames.length / 2)]!];
  return Array.from({ length: max }, (_, k) => frames[Math.round((k * (frames.length - 1)) / (max - 1))]!);
}

/** A stored artifact's bytes (a keyframe), whole. */
async function download(ctx: StageContext, key: string): Promise<Buffer> {
  const stream = await ctx.store.getStream(ctx.config.S3_BUCKET_ARTIFACTS, key);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface SceneFrames<T> {
  /** By scene index: each frame read, its time (s, to the millisecond) and what the reader made of it. */
  perScene: Map<number, { at: number; value: T }[]>;
  frames: number;
  unreadable: number;
}

/**
 * Reads up to `maxPerScene` keyframes of every scene with `read`, reporting progress per frame; a frame whose
 * read throws counts as unreadable, gets `empty`, and is logged with `warning` and the reason.
 */
export async function readSceneFrames<T>(
  ctx: StageContext,
  maxPerScene: number,
  read: (picture: Buffer) => Promise<T>,
  empty: T,
  warning: string,
): Promise<SceneFrames<T>> {
  const { keyframes } = await getJson(ctx, ARTIFACTS.keyframes);
  // Frames the keyframes stage stored (older runs' keyframes.json has one per scene and no list).
  const frames = keyframes.flatMap((k) =>
    framesToRead(k.frames?.length ? k.frames : [{ at: k.at, key: k.keyframeKey }], maxPerScene).map((f) => ({
      idx: k.idx,
      at: f.at,
      key: f.key,
    })),
  );
  const perScene = new Map<number, { at: number; value: T }[]>();
  let unreadable = 0;
  for (const [i, f] of frames.entries()) {
    let value = empty;
    try {
      value = await read(await download(ctx, f.key));
    } catch (err) {
      unreadable++;
      ctx.log.warn({ scene: f.idx, at: f.at, reason: (err as Error).message }, warning);
    }
    perScene.set(f.idx, [...(perScene.get(f.idx) ?? []), { at: Math.round(f.at * 1000) / 1000, value }]);
    ctx.progress((i + 1) / frames.length);
  }
  return { perScene, frames: frames.length, unreadable };
}
