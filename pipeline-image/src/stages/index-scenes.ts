// index: the video's scenes in Postgres in one transaction (replacing any earlier run), a sidecar JSON with
// transcript, scenes (with their on-screen text and the objects seen) and model names in storage, and the video marked indexed with its duration.

import { keys } from '../../../core/storage/store.js';
import { ARTIFACTS } from '../artifacts.js';
import { getJson, getJsonIfPresent, type StageHandler, succeeded } from '../context.js';
import { replaceScenes, VideoGone } from '../db/scenes.js';
import { BadInputError } from '../errors.js';
import { objectWords } from './objects.js';

export const SIDECAR_NAME = 'scenes.json';

export const indexStage: StageHandler = async (ctx) => {
  const info = await getJson(ctx, ARTIFACTS.probe);
  const { scenes } = await getJson(ctx, ARTIFACTS.shots);
  const { keyframes } = await getJson(ctx, ARTIFACTS.keyframes);
  const vision = await getJson(ctx, ARTIFACTS.vectors);
  // embed-text is optional: a video without sound is indexed from its pictures.
  const text = await getJsonIfPresent(ctx, ARTIFACTS.sceneText);
  const transcript = await getJsonIfPresent(ctx, ARTIFACTS.transcript);
  // ocr is optional too: without it the scenes have no screen text.
  const screen = await getJsonIfPresent(ctx, ARTIFACTS.screenText);
  // And objects: without it the scenes have no object labels.
  const seen = await getJsonIfPresent(ctx, ARTIFACTS.objects);
  // And embed-screen: without it (nothing read or seen, or a video indexed before the stage) no screen vectors.
  const shown = await getJsonIfPresent(ctx, ARTIFACTS.sceneScreen);
  const { videoId, userId } = ctx.video;
  const sidecarKey = keys.sidecar(userId, videoId, SIDECAR_NAME);
  const rows = scenes.map((s) => ({
    idx: s.idx,
    startS: s.start,
    endS: s.end,
    transcript: text?.scenes[s.idx]?.transcript ?? '',
    textVec: text?.scenes[s.idx]?.vector ?? null,
    imageVec: vision.vectors[s.idx] ?? null,
    screenVecs: (shown?.scenes[s.idx]?.passages ?? []).map((p) => ({ idx: p.idx, vec: p.vector })),
    frames: (vision.frames?.[s.idx] ?? []).map((f) => ({ atS: f.at, imageVec: f.vector })),
    thumbnailKey: keyframes[s.idx]?.thumbnailKey ?? null,
    screenLines: screen?.scenes[s.idx]?.lines,
    visionTags: seen?.scenes[s.idx]?.objects,
    objectLabels: objectWords(seen?.scenes[s.idx]?.objects ?? []),
    sidecarKey,
  }));
  // No timestamps in the sidecar: a rerun writes the same bytes.
  const sidecar = {
    videoId,
    durationSeconds: info.durationSeconds,
    video: { ...info.video, container: info.container, title: info.tags.title },
    models: {
      vision: vision.model,
      text: text?.model ?? null,
      ocr: screen?.model ?? null,
      objects: seen?.model ?? null,
      screen: shown?.model ?? null,
    },
    transcript: transcript ?? null,
    scenes: rows.map((r) => ({
      idx: r.idx,
      start: r.startS,
      end: r.endS,
      transcript: r.transcript,
      keyframeKey: keyframes[r.idx]?.keyframeKey ?? null,
      frames: keyframes[r.idx]?.frames.map((f) => ({ at: f.at, key: f.key })) ?? [],
      thumbnailKey: r.thumbnailKey,
      screenText: r.screenLines ?? [],
      objects: r.visionTags ?? [],
    })),
  };
  // The sidecar first: rows never point at a sidecar that is not there.
  await ctx.store.put(
    ctx.config.S3_BUCKET_ARTIFACTS,
    sidecarKey,
    `${JSON.stringify(sidecar)}\n`,
    'application/json',
  );
  try {
    await replaceScenes(ctx.db(), { videoId, userId, durationS: info.durationSeconds }, rows, {
      image: { name: vision.model.name, dims: vision.model.dims },
      ...(text ? { text: { name: text.model.name, dims: text.model.dims } } : {}),
      ...(shown ? { screen: { name: shown.model.name, dims: shown.model.dims } } : {}),
    });
  } catch (err) {
    if (err instanceof VideoGone)
      throw new BadInputError(`the video was deleted while it was processed (${err.message})`);
    throw err;
  }
  return succeeded(`${rows.length} scene(s) indexed`, {
    sceneCount: rows.length,
    durationSeconds: info.durationSeconds,
    withText: rows.filter((r) => r.textVec).length,
    withScreenText: rows.filter((r) => r.screenLines?.length).length,
    withObjects: rows.filter((r) => r.visionTags?.length).length,
    withScreenVectors: rows.filter((r) => r.screenVecs.length).length,
    // The models the video's vectors are of now: the plan records them in the status (re-embed on a model change).
    visionModel: vision.model.name,
    // Screen vectors are the text model's too: a video with no transcript but text on screen is re-embedded as well.
    ...(text || shown ? { textModel: (text ?? shown)!.model.name } : {}),
  });
};
