// Objects in view through the pipeline: a clip of real photos (a cup of coffee, a person, a horse, then a flat
// grey scene) goes through every stage (real test bed, the real object detector), the objects stage labels each
// scene, index stores the labels, and search finds a scene by an object in English or Korean, saying it was seen.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { lazyQueryEmbedders } from '../../api/search/embedders.js';
import { search } from '../../api/search/service.js';
import { aUser, aVideo } from '../../core/db/testing.js';
import { createLogger } from '../../core/log.js';
import { keys } from '../../core/storage/store.js';
import { OBJECT_DETECTION_MODEL, TINY_MODELS_DIR } from '../../models/manifest.js';
import type { ObjectsOutput } from '../../pipeline-image/src/artifacts.js';
import { tempDir } from '../support/cleanup.js';
import { photoClip } from '../support/photo-media.js';
import {
  readJson,
  runAllStages,
  runStage,
  storeFor,
  type TestVideo,
  uploadVideo,
} from '../support/pipeline-harness.js';
import { BUILD_TIMEOUT_MS, ensureRealModels, SMALL } from '../support/real-models.js';

const env = inject('testbed') as unknown as Record<string, string>;
const store = storeFor(env);
const ARTIFACTS = env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts';
const dir = tempDir('objects');
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });

const SCENES = [
  { photo: 'coffee.jpg', seconds: 4, label: 'cup' },
  // Long enough for several keyframes: the person is one entry, seen at each.
  { photo: 'astronaut.jpg', seconds: 9, label: 'person' },
  { photo: 'horse.jpg', seconds: 4, label: 'horse' },
  { photo: null, seconds: 3, label: null },
];

let video: TestVideo;
let models: Record<string, string>;
const objectsKey = () => keys.artifact(video.userId, video.videoId, 'objects', 'objects.json');

beforeAll(async () => {
  const modelsDir = await ensureRealModels();
  const clip = photoClip(dir, 'photos', SCENES);
  const userId = await aUser(pool);
  video = await uploadVideo(store, env, clip, { userId });
  await aVideo(pool, userId, { video_id: video.videoId, storage_key: video.sourceKey, state: 'processing' });
  models = {
    MODELS_DIR: modelsDir,
    VISION_MODEL: SMALL.vision,
    TEXT_MODEL: SMALL.text,
    ASR_MODEL: SMALL.asr,
  };
  await runAllStages(video, env, models);
}, BUILD_TIMEOUT_MS);
afterAll(async () => {
  await pool.end();
});

describe('the objects stage on a clip of photos', () => {
  it('labels each scene with what it shows, most confident first, and nothing in the grey one', async () => {
    const out = await readJson<ObjectsOutput>(store, ARTIFACTS, objectsKey());
    expect(out.model.name).toBe(OBJECT_DETECTION_MODEL);
    expect(out.scenes.map((s) => s.objects[0]?.label ?? null)).toEqual(SCENES.map((s) => s.label));
    for (const s of out.scenes) {
      for (const o of s.objects) {
        expect(o.confidence).toBeGreaterThanOrEqual(out.minConfidence);
        expect(o.confidence).toBeLessThanOrEqual(1);
        expect(o.area).toBeGreaterThan(0);
        expect(o.area).toBeLessThanOrEqual(1);
        expect(o.ko).toMatch(/\p{Script=Hangul}/u);
      }
    }
    const person = out.scenes[1]!;
    expect(person.frames).toBeGreaterThanOrEqual(2);
    expect(person.objects.filter((o) => o.label === 'person')).toHaveLength(1);
    expect(person.objects[0]!.seenAt.length).toBeGreaterThanOrEqual(2);
  });

  it('stores the labels per scene, and search finds a scene by an object in either language, saying it was seen', async () => {
    const { rows } = await pool.query(
      'SELECT idx, vision_tags, object_labels FROM scenes WHERE video_id = $1 ORDER BY idx',
      [video.videoId],
    );
    expect(rows).toHaveLength(SCENES.length);
    expect(rows[0].vision_tags[0]).toMatchObject({ label: 'cup', ko: '컵', confidence: expect.any(Number) });
    expect(rows[0].object_labels).toContain('컵');
    expect(rows[3].vision_tags).toEqual([]);
    const log = createLogger('objects-search', 'error');
    const deps = {
      db: pool,
      store,
      embedders: lazyQueryEmbedders(
        { modelsDir: TINY_MODELS_DIR, textModel: 'tiny-bge-m3', visionModel: 'tiny-siglip2' },
        log,
      ),
      weights: { lexical: 1, text: 1, vision: 1 },
      artifactsBucket: ARTIFACTS,
      uploadsBucket: env.S3_BUCKET_UPLOADS ?? 'heimdex-uploads',
      log,
    };
    const find = async (q: string) =>
      (await search(deps, video.userId, { q, limit: 5, filters: { videoIds: [video.videoId] } })).items;
    const cup = await find('컵');
    expect(cup).toHaveLength(1);
    expect(cup[0]).toMatchObject({ start_s: 0, snippet_source: 'objects' });
    expect(cup[0]!.snippet).toMatch(/^Seen: cup \(<mark>컵<\/mark>/);
    expect((await find('coffee cup'))[0]?.start_s).toBe(0);
    const horse = await find('horse');
    expect(horse).toHaveLength(1);
    expect(horse[0]!.start_s).toBeCloseTo(SCENES[0]!.seconds + SCENES[1]!.seconds, 0);
    expect(await find('사람')).toHaveLength(1);
    expect(await find('giraffe')).toEqual([]);
  });

  it('skips, without failing the video, where the object detector is missing, wrong or damaged, and says why', async () => {
    const run = await runStage('objects', video, env, { ...models, MODELS_DIR: TINY_MODELS_DIR });
    expect(run.exitCode).toBe(0);
    expect(run.result).toMatchObject({ outcome: 'Skipped' });
    expect(run.result?.message).toMatch(/centernet-mb3-coco is missing .*models:build/);
    // A model of another kind, or a damaged file, skips it too, saying so.
    const wrongKind = await runStage('objects', video, env, { ...models, OBJECTS_MODEL: 'ppocr-v4-det' });
    expect(wrongKind.result).toMatchObject({ outcome: 'Skipped' });
    expect(wrongKind.result?.message).toMatch(
      /ppocr-v4-det is a text-detection model, not an object detector/,
    );
    const damaged = join(dir, 'damaged-models');
    mkdirSync(join(damaged, OBJECT_DETECTION_MODEL), { recursive: true });
    writeFileSync(join(damaged, OBJECT_DETECTION_MODEL, 'centernet.onnx'), 'not a model');
    const broken = await runStage('objects', video, env, { ...models, MODELS_DIR: damaged });
    expect(broken.exitCode).toBe(0);
    expect(broken.result).toMatchObject({ outcome: 'Skipped' });
    expect(broken.result?.message).toMatch(/centernet-mb3-coco does not load: /);
  });

  it('runs the Apache-2.0 detector named by OBJECTS_MODEL through the same stage: NanoDet labels the person and the horse', async () => {
    const run = await runStage('objects', video, env, { ...models, OBJECTS_MODEL: 'nanodet-g-coco' });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ outcome: 'Succeeded' });
    const out = await readJson<ObjectsOutput>(store, ARTIFACTS, objectsKey());
    expect(out.model.name).toBe('nanodet-g-coco');
    expect(out.scenes.slice(1).map((s) => s.objects[0]?.label ?? null)).toEqual(['person', 'horse', null]);
    // The coffee scene: the table the cup stands on, most surely (docs/benchmarks.md).
    expect(out.scenes[0]!.objects.map((o) => o.label)).toContain('dining table');
    // Back to the default detector for the tests after this one.
    expect((await runStage('objects', video, env, models)).exitCode).toBe(0);
  });

  it('finds nothing in a frame that is not a picture, logs why, and still succeeds', async () => {
    const { keyframes } = await readJson<{ keyframes: { idx: number; frames: { key: string }[] }[] }>(
      store,
      ARTIFACTS,
      keys.artifact(video.userId, video.videoId, 'keyframes', 'keyframes.json'),
    );
    for (const f of keyframes[2]!.frames) await store.put(ARTIFACTS, f.key, 'not a jpeg', 'image/jpeg');
    const run = await runStage('objects', video, env, models);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.result).toMatchObject({
      outcome: 'Succeeded',
      outputs: { unreadableFrames: keyframes[2]!.frames.length },
    });
    expect(run.stdout + run.stderr).toMatch(/a frame could not be read for objects/);
    const after = await readJson<ObjectsOutput>(store, ARTIFACTS, objectsKey());
    expect(after.scenes[2]!.objects).toEqual([]);
    expect(after.scenes[0]!.objects[0]?.label).toBe('cup');
  });
});
