// More than one look per scene, through the real stages (keyframes, embed-vision, index against MinIO and
// PostgreSQL + pgvector) and the real picture search (nearest()): each long scene shows its marker only in its
// first seconds, and a picture of the marker finds that scene first. The image model is the random-weight
// tiny-siglip2, so the query is a picture, not words: what is checked is that the first seconds are looked
// at, kept and searched, not that a model understands them (scripts/eval-frames.ts measures the gain).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nearest } from '../../api/search/repository.js';
import { aUser, aVideo } from '../../core/db/testing.js';
import { keys } from '../../core/storage/store.js';
import { TINY_MODELS_DIR } from '../../models/manifest.js';
import { loadImageTextEmbedder } from '../../models/runtime/embeddings.js';
import type { Keyframe } from '../../pipeline-image/src/artifacts.js';
import { tempDir } from '../support/cleanup.js';
import { type MarkedScenesVideo, markedScenesVideo, stillImage } from '../support/media.js';
import { readJson, runStage, storeFor, type TestVideo, uploadVideo } from '../support/pipeline-harness.js';

const env = inject('testbed') as unknown as Record<string, string>;
const store = storeFor(env);
const ARTIFACTS = env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts';
const dir = tempDir('scene-frames');
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
afterAll(() => pool.end());

// Shot detection off: the scenes are the clip's 24 s pieces, each with its marker in its first 4 s.
const STAGE = {
  MODELS_DIR: TINY_MODELS_DIR,
  VISION_MODEL: 'tiny-siglip2',
  SHOT_THRESHOLD: '2',
  SHOT_GRADUAL_THRESHOLD: '2',
  SHOT_MAX_SECONDS: '24',
};

describe('a long scene is described by more than its middle frame', () => {
  let clip: MarkedScenesVideo;
  let video: TestVideo;
  beforeAll(async () => {
    clip = markedScenesVideo(dir, 'marked', { scenes: 4, body: 'same' });
    const userId = await aUser(pool);
    video = await uploadVideo(store, env, clip.file, { userId });
    await aVideo(pool, userId, {
      video_id: video.videoId,
      storage_key: video.sourceKey,
      state: 'processing',
    });
    for (const stage of ['probe', 'shots', 'keyframes', 'embed-vision', 'index'] as const) {
      const run = await runStage(stage, video, env, STAGE);
      expect(run.exitCode, `${stage}: ${run.stderr}`).toBe(0);
    }
  });

  it('looks at each 24 s scene six times, the first 2 s in, and keeps each frame’s vector', async () => {
    const { keyframes } = await readJson<{ keyframes: Keyframe[] }>(
      store,
      ARTIFACTS,
      keys.artifact(video.userId, video.videoId, 'keyframes', 'keyframes.json'),
    );
    expect(keyframes).toHaveLength(clip.scenes.length);
    for (const [i, k] of keyframes.entries()) {
      expect(k.frames).toHaveLength(6);
      expect(k.frames[0]!.at - clip.scenes[i]!.start).toBeCloseTo(2, 1);
    }
    const { rows } = await pool.query(
      `SELECT s.idx, count(*)::int AS frames FROM scene_vectors f JOIN scenes s USING (scene_id)
        WHERE s.video_id = $1 AND f.kind = 'image' AND f.idx >= 0 GROUP BY s.idx ORDER BY s.idx`,
      [video.videoId],
    );
    expect(rows).toEqual(clip.scenes.map((_, idx) => ({ idx, frames: 6 })));
  });

  it('a picture of what shows in a scene’s first seconds finds that scene first', async () => {
    const embedder = await loadImageTextEmbedder('tiny-siglip2', { modelsDir: TINY_MODELS_DIR });
    const client = await pool.connect();
    try {
      for (const [i, s] of clip.scenes.entries()) {
        const [query] = await embedder.embedImages([
          stillImage(dir, `marker-${i}`, `${s.marker}:size=320x240`),
        ]);
        await client.query('BEGIN');
        const found = await nearest(
          client,
          { kind: 'image', model: 'tiny-siglip2' },
          video.userId,
          query!,
          {},
          3,
        );
        await client.query('COMMIT');
        const { rows } = await client.query('SELECT idx FROM scenes WHERE scene_id = $1', [
          found[0]!.sceneId,
        ]);
        expect(rows[0].idx, `marker of scene ${i}`).toBe(i);
      }
    } finally {
      client.release();
    }
  });
});
