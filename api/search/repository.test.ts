// nearest() on the real schema (embedded PGlite, migrated): vectors are kept per model (scene_vectors, migration
// 0010), and a query ranks only the named model's, exactly or through that model's index.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPostgres } from '../../core/db/embedded.js';
import {
  aScene,
  aSceneVector,
  aUser,
  aVideo,
  startMigratedDatabase,
  TEST_VECTOR_MODEL,
  vectorLiteral,
} from '../../core/db/testing.js';
import { ensureVectorIndex } from '../../core/db/vectors.js';
import { nearest, servingModels } from './repository.js';

let db: EmbeddedPostgres;
let sql: pg.Client;
beforeAll(async () => {
  db = await startMigratedDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
}, 60_000);
afterAll(async () => {
  await sql?.end();
  await db?.close();
});

const unit = (dim: number, at: Record<number, number>) => {
  const v = new Float32Array(dim);
  for (const [i, x] of Object.entries(at)) v[Number(i)] = x;
  return v;
};

describe('nearest scenes with vectors kept per model', () => {
  it('ranks the named model’s vectors only, even beside another model’s of the same dimension, on the exact and the index path', async () => {
    const user = await aUser(sql);
    const video = await aVideo(sql, user, { state: 'indexed' });
    const other = await aVideo(sql, user, { state: 'indexed' });
    for (const [model, dims] of [
      ['e5-a', 384],
      ['e5-b', 384],
      ['bge-c', 1024],
    ] as const)
      await ensureVectorIndex(sql, model, 'text', dims);
    // Two models of one dimension and one of another, as while one video is re-embedded and another is not.
    const scene = (v: string, idx: number, dims: number, axis: number, model: string) =>
      aScene(sql, v, idx, { text_vec: vectorLiteral(dims, { [axis]: 1 }), text_model: model });
    const small = await scene(video, 0, 384, 0, 'e5-a');
    const smallFar = await scene(video, 1, 384, 1, 'e5-a');
    const twin = await scene(other, 0, 384, 0, 'e5-b');
    const large = await scene(other, 1, 1024, 0, 'bge-c');
    for (const exactMaxRows of [10_000, 0]) {
      await sql.query('BEGIN');
      const q = (model: string, v: Float32Array) =>
        nearest(sql, { kind: 'text', model }, user, v, {}, 10, { exactMaxRows });
      const byA = await q('e5-a', unit(384, { 0: 1, 1: 0.1 }));
      const byB = await q('e5-b', unit(384, { 0: 1 }));
      const byC = await q('bge-c', unit(1024, { 0: 1 }));
      const wrongSize = await q('e5-a', unit(512, { 0: 1 }));
      const images = await nearest(sql, { kind: 'image', model: 'e5-a' }, user, unit(384, { 0: 1 }), {}, 10);
      await sql.query('COMMIT');
      expect(byA.map((r) => r.sceneId)).toEqual([small, smallFar]);
      expect(byA[0]!.score).toBeGreaterThan(0.99);
      expect(byB.map((r) => r.sceneId)).toEqual([twin]);
      expect(byC.map((r) => r.sceneId)).toEqual([large]);
      expect(wrongSize).toEqual([]);
      expect(images).toEqual([]);
    }
    // video_vectors says one model per video and kind: the second video's last write (bge-c) is its model.
    expect(await servingModels(sql, user, 'text')).toEqual(
      expect.arrayContaining([
        { model: 'e5-a', dims: 384 },
        { model: 'bge-c', dims: 1024 },
      ]),
    );
  });

  it('refuses a model name that is not one, before any SQL', async () => {
    await expect(
      nearest(sql, { kind: 'text', model: "x' OR '1'='1" }, 'u', unit(4, { 0: 1 }), {}, 10),
    ).rejects.toThrow(/not a model name/);
  });

  it('ranks a scene by its best-matching frame, on the exact and the index path, and still finds scenes without frames', async () => {
    const user = await aUser(sql);
    const video = await aVideo(sql, user, { state: 'indexed' });
    // Scene 0 shows the queried thing in one of its four frames only: its mean leans away from it.
    const early = await aScene(sql, video, 0, { image_vec: vectorLiteral(1152, { 0: 0.5, 1: 0.87 }) });
    const frame = (scene: string, idx: number, at: Record<number, number>) =>
      aSceneVector(sql, scene, { kind: 'image', idx, atS: idx * 4 + 2, vec: vectorLiteral(1152, at) });
    await frame(early, 0, { 0: 1 });
    for (const i of [1, 2, 3]) await frame(early, i, { 1: 1 });
    // Scene 1's mean is nearer the query than scene 0's mean, but none of its frames is as near as scene 0's first.
    const middling = await aScene(sql, video, 1, { image_vec: vectorLiteral(1152, { 0: 0.8, 2: 0.6 }) });
    // Scene 2 was written without frames: its one vector still counts.
    const plain = await aScene(sql, video, 2, { image_vec: vectorLiteral(1152, { 0: 0.6, 3: 0.8 }) });
    for (const exactMaxRows of [10_000, 0]) {
      await sql.query('BEGIN');
      const found = await nearest(
        sql,
        { kind: 'image', model: TEST_VECTOR_MODEL },
        user,
        unit(1152, { 0: 1 }),
        {},
        10,
        {
          exactMaxRows,
        },
      );
      await sql.query('COMMIT');
      expect(found.map((r) => r.sceneId)).toEqual([early, middling, plain]);
      expect(found[0]!.score).toBeGreaterThan(0.99);
    }
  });

  it('refuses an empty query vector', async () => {
    await expect(
      nearest(sql, { kind: 'text', model: TEST_VECTOR_MODEL }, 'x', new Float32Array(0), {}, 10),
    ).rejects.toThrow(/empty/);
  });
});
