// replaceScenes on the embedded Postgres (PGlite with pgvector): the same SQL the test bed's PostgreSQL runs.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPostgres } from '../../../core/db/embedded.js';
import { aUser, aVideo, startMigratedDatabase } from '../../../core/db/testing.js';
import { vectorIndexName, videoVectorModels } from '../../../core/db/vectors.js';
import { replaceScenes, type SceneRow, sceneId, VideoGone } from './scenes.js';

let db: EmbeddedPostgres;
let pool: pg.Pool;
beforeAll(async () => {
  db = await startMigratedDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await db?.close();
});

const unit = (dim: number, at: number) => Array.from({ length: dim }, (_, i) => (i === at ? 1 : 0));
const scenes = (n: number): SceneRow[] =>
  Array.from({ length: n }, (_, idx) => ({
    idx,
    startS: idx * 2,
    endS: idx * 2 + 2,
    transcript: idx === 0 ? '바닷가에서'.normalize('NFD') : '',
    textVec: idx === 0 ? unit(1024, 3) : null,
    imageVec: unit(1152, idx),
    thumbnailKey: `thumb-${idx}`,
    sidecarKey: 'sidecar',
  }));

const MODELS = { text: { name: 'bge-m3', dims: 1024 }, image: { name: 'siglip2-so400m', dims: 1152 } };

/** Each scene's vectors as (scene idx, model, kind, vector idx, dims), in order. */
const vectorsOf = async (videoId: string) =>
  (
    await pool.query(
      `SELECT s.idx AS scene, v.model, v.kind, v.idx, v.at_s, vector_dims(v.vec) AS dims
         FROM scene_vectors v JOIN scenes s USING (scene_id) WHERE s.video_id = $1
        ORDER BY s.idx, v.kind, v.idx`,
      [videoId],
    )
  ).rows;

describe('writing a video’s scenes', () => {
  it('stores scenes with each model’s vectors, NFC transcripts, and marks the video indexed', async () => {
    const userId = await aUser(pool);
    const videoId = await aVideo(pool, userId, { state: 'processing' });
    await replaceScenes(pool, { videoId, userId, durationS: 6 }, scenes(3), MODELS);
    const { rows } = await pool.query('SELECT idx, transcript FROM scenes WHERE video_id = $1 ORDER BY idx', [
      videoId,
    ]);
    expect(rows).toEqual([
      { idx: 0, transcript: '바닷가에서'.normalize('NFC') },
      { idx: 1, transcript: '' },
      { idx: 2, transcript: '' },
    ]);
    const image = { model: 'siglip2-so400m', kind: 'image', idx: -1, at_s: null, dims: 1152 };
    expect(await vectorsOf(videoId)).toEqual([
      { scene: 0, ...image },
      { scene: 0, model: 'bge-m3', kind: 'text', idx: -1, at_s: null, dims: 1024 },
      { scene: 1, ...image },
      { scene: 2, ...image },
    ]);
    expect(await videoVectorModels(pool, videoId)).toEqual({
      text: { model: 'bge-m3', dims: 1024 },
      image: { model: 'siglip2-so400m', dims: 1152 },
    });
    const video = await pool.query('SELECT state, duration_s FROM videos WHERE video_id = $1', [videoId]);
    expect(video.rows[0]).toEqual({ state: 'indexed', duration_s: 6 });
  });

  it('a write with another model replaces the old model’s vectors in the same transaction, and the kind it lacks goes', async () => {
    const userId = await aUser(pool);
    const videoId = await aVideo(pool, userId);
    await replaceScenes(pool, { videoId, userId, durationS: 6 }, scenes(2), MODELS);
    const next = { ...MODELS, text: { name: 'multilingual-e5-small', dims: 384 } };
    const rows = scenes(2).map((s) => ({ ...s, textVec: s.textVec ? unit(384, 1) : null }));
    await replaceScenes(pool, { videoId, userId, durationS: 6 }, rows, next);
    const text = (await vectorsOf(videoId)).filter((v) => v.kind === 'text');
    expect(text).toEqual([
      { scene: 0, model: 'multilingual-e5-small', kind: 'text', idx: -1, at_s: null, dims: 384 },
    ]);
    expect((await videoVectorModels(pool, videoId)).text).toEqual({
      model: 'multilingual-e5-small',
      dims: 384,
    });
    // The new model's index was made before the write.
    const idx = await pool.query(`SELECT 1 FROM pg_indexes WHERE indexname = $1`, [
      vectorIndexName('multilingual-e5-small', 'text', 384),
    ]);
    expect(idx.rowCount).toBe(1);
    // Without a text model (embed-text skipped this time) the video has no text vectors and says so.
    await replaceScenes(pool, { videoId, userId, durationS: 6 }, rows, { image: MODELS.image });
    expect((await vectorsOf(videoId)).filter((v) => v.kind === 'text')).toEqual([]);
    expect(await videoVectorModels(pool, videoId)).toEqual({
      image: { model: 'siglip2-so400m', dims: 1152 },
    });
  });

  it('stores every frame’s picture vector, and a rerun replaces a scene’s frames whole', async () => {
    const userId = await aUser(pool);
    const videoId = await aVideo(pool, userId);
    const withFrames = (n: number) =>
      scenes(2).map((s) => ({
        ...s,
        frames: Array.from({ length: n }, (_, i) => ({ atS: s.startS + i, imageVec: unit(1152, i) })),
      }));
    const frames = async () =>
      (await vectorsOf(videoId))
        .filter((v) => v.kind === 'image' && v.idx >= 0)
        .map(({ scene, idx, at_s, dims }) => ({ scene, idx, at_s, dims }));
    await replaceScenes(pool, { videoId, userId, durationS: 4 }, withFrames(3), MODELS);
    expect(await frames()).toHaveLength(6);
    expect((await frames())[4]).toEqual({ scene: 1, idx: 1, at_s: 3, dims: 1152 });
    await replaceScenes(pool, { videoId, userId, durationS: 4 }, withFrames(1), MODELS);
    expect(await frames()).toEqual([
      { scene: 0, idx: 0, at_s: 0, dims: 1152 },
      { scene: 1, idx: 0, at_s: 2, dims: 1152 },
    ]);
  });

  it('stores the text model’s vectors of what is on screen per passage, and a run without them removes them', async () => {
    const userId = await aUser(pool);
    const videoId = await aVideo(pool, userId);
    const screen = { name: 'bge-m3', dims: 1024 };
    const withScreen = scenes(2).map((s) => ({
      ...s,
      screenVecs: s.idx === 1 ? [0, 1, 2].map((idx) => ({ idx, vec: unit(1024, idx) })) : [],
    }));
    const screenRows = async () =>
      (await vectorsOf(videoId))
        .filter((v) => v.kind === 'screen')
        .map(({ scene, model, idx, dims }) => ({ scene, model, idx, dims }));
    await replaceScenes(pool, { videoId, userId, durationS: 4 }, withScreen, { ...MODELS, screen });
    expect(await screenRows()).toEqual(
      [0, 1, 2].map((idx) => ({ scene: 1, model: 'bge-m3', idx, dims: 1024 })),
    );
    expect((await videoVectorModels(pool, videoId)).screen).toEqual({ model: 'bge-m3', dims: 1024 });
    const index = vectorIndexName('bge-m3', 'screen', 1024);
    expect((await pool.query('SELECT 1 FROM pg_indexes WHERE indexname = $1', [index])).rowCount).toBe(1);
    await replaceScenes(pool, { videoId, userId, durationS: 4 }, scenes(2), MODELS);
    expect(await screenRows()).toEqual([]);
    expect((await videoVectorModels(pool, videoId)).screen).toBeUndefined();
  });

  it('a second run replaces the first: same ids at the same positions, no rows left from a longer run', async () => {
    const userId = await aUser(pool);
    const videoId = await aVideo(pool, userId);
    await replaceScenes(pool, { videoId, userId, durationS: 8 }, scenes(4));
    await replaceScenes(pool, { videoId, userId, durationS: 8 }, scenes(2));
    const { rows } = await pool.query('SELECT scene_id, idx FROM scenes WHERE video_id = $1 ORDER BY idx', [
      videoId,
    ]);
    expect(rows).toEqual([
      { scene_id: sceneId(videoId, 0), idx: 0 },
      { scene_id: sceneId(videoId, 1), idx: 1 },
    ]);
  });

  it('refuses a video that is gone and changes nothing', async () => {
    const userId = await aUser(pool);
    const other = await aUser(pool);
    const videoId = await aVideo(pool, userId);
    await expect(
      replaceScenes(pool, { videoId, userId: other, durationS: 1 }, scenes(1)),
    ).rejects.toBeInstanceOf(VideoGone);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM scenes WHERE video_id = $1', [videoId]);
    expect(rows[0].n).toBe(0);
  });

  it('scene ids are name-based UUIDs that differ per video and position', () => {
    expect(sceneId('v', 0)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sceneId('v', 0)).toBe(sceneId('v', 0));
    expect(new Set([sceneId('v', 0), sceneId('v', 1), sceneId('w', 0)]).size).toBe(3);
  });
});
