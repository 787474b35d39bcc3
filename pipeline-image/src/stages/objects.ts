// objects: what is in view in each scene (COCO's 80 labels: people, vehicles, animals, food, furniture…). The
// keyframes stage's frames of each scene (several for long ones) are each run through the object detector, and a
// scene's detections merged into one entry per label: its best confidence, the largest share of the frame it
// took, and when it was seen. It never fails a video over a picture: a frame that cannot be read yields nothing
// and a warning with the reason; without the detector the stage is skipped and says why.

import type { SceneObject } from '../../../core/scene-objects.js';
import { COCO_LABELS, labelWords } from '../../../models/coco-labels.js';
import { whyMissing } from '../../../models/manifest.js';
import { type Detection, loadObjectDetector } from '../../../models/runtime/object-detection.js';
import { ARTIFACTS, type ObjectsOutput } from '../artifacts.js';
import { getJson, putJson, type StageHandler, skipped, succeeded } from '../context.js';
import { readSceneFrames } from './scene-frames.js';

const round = (v: number, places = 3) => Math.round(v * 10 ** places) / 10 ** places;

/**
 * A scene's labels from its frames' detections: one entry per label, most confident first (ties by name). Pure.
 */
export function mergeObjects(
  frames: readonly { at: number; detections: readonly Detection[] }[],
): SceneObject[] {
  const byLabel = new Map<number, SceneObject>();
  for (const f of frames) {
    const perFrame = new Map<number, number>();
    for (const d of f.detections) {
      perFrame.set(d.classId, (perFrame.get(d.classId) ?? 0) + 1);
      const area = round(d.box.w * d.box.h);
      const known = byLabel.get(d.classId);
      if (!known) {
        const names = COCO_LABELS[d.classId];
        byLabel.set(d.classId, {
          label: names?.en ?? d.label,
          ko: names?.ko ?? d.label,
          confidence: round(d.score),
          area,
          count: 0,
          seenAt: [],
          box: { x: round(d.box.x), y: round(d.box.y), w: round(d.box.w), h: round(d.box.h) },
        });
        continue;
      }
      if (d.score > known.confidence) {
        known.confidence = round(d.score);
        known.box = { x: round(d.box.x), y: round(d.box.y), w: round(d.box.w), h: round(d.box.h) };
      }
      known.area = Math.max(known.area, area);
    }
    for (const [classId, n] of perFrame) {
      const o = byLabel.get(classId)!;
      o.count = Math.max(o.count, n);
      if (!o.seenAt.includes(f.at)) o.seenAt.push(f.at);
    }
  }
  return [...byLabel.values()].sort((a, b) => b.confidence - a.confidence || a.label.localeCompare(b.label));
}

/**
 * What lexical search matches a scene's objects by: each label's English and Korean names and its other names,
 * one label a line. Pure.
 */
export function objectWords(objects: readonly Pick<SceneObject, 'label'>[]): string {
  return objects
    .map((o) => {
      const names = COCO_LABELS.find((l) => l.en === o.label);
      return names ? labelWords(names).join(' ') : o.label;
    })
    .join('\n');
}

export const objects: StageHandler = async (ctx) => {
  const p = ctx.pipeline;
  const why =
    p.OBJECTS_MODEL === 'none' ? 'OBJECTS_MODEL is none' : whyMissing(p.OBJECTS_MODEL, ctx.config.MODELS_DIR);
  // A model that is missing, of another kind or does not load (a damaged file) skips the stage with the reason:
  // the video is still indexed, without object labels.
  const detector = why
    ? why
    : await loadObjectDetector(p.OBJECTS_MODEL, { modelsDir: ctx.config.MODELS_DIR }).catch(
        (err: Error) => `${p.OBJECTS_MODEL} does not load: ${err.message}`,
      );
  if (typeof detector === 'string') {
    ctx.log.warn({ reason: detector }, 'objects are not detected');
    return skipped(`objects not detected: ${detector}`);
  }
  const { scenes } = await getJson(ctx, ARTIFACTS.shots);
  const { perScene, frames, unreadable } = await readSceneFrames(
    ctx,
    p.OBJECTS_MAX_FRAMES_PER_SCENE,
    (picture) => detector.detect(picture, { minScore: p.OBJECTS_MIN_CONFIDENCE }),
    [] as Detection[],
    'a frame could not be read for objects',
  );
  const out: ObjectsOutput = {
    model: detector.model,
    minConfidence: p.OBJECTS_MIN_CONFIDENCE,
    scenes: scenes.map((s) => {
      const seen = (perScene.get(s.idx) ?? []).map((f) => ({ at: f.at, detections: f.value }));
      return { idx: s.idx, frames: seen.length, objects: mergeObjects(seen) };
    }),
  };
  await putJson(ctx, ARTIFACTS.objects, out);
  const labels = new Set(out.scenes.flatMap((s) => s.objects.map((o) => o.label)));
  const withObjects = out.scenes.filter((s) => s.objects.length > 0).length;
  return succeeded(
    `${labels.size} kind(s) of object in ${withObjects} of ${scenes.length} scene(s) from ${frames} frame(s)` +
      (labels.size > 0 ? ` (${[...labels].slice(0, 5).join(', ')}${labels.size > 5 ? ', …' : ''})` : '') +
      (unreadable > 0 ? `; ${unreadable} frame(s) unreadable` : ''),
    {
      labels: labels.size,
      scenesWithObjects: withObjects,
      frames,
      unreadableFrames: unreadable,
    },
  );
};
