// nearest() on the real schema (embedded PGlite, migrated): vectors of two text models' dimensions share the
// dimension-free column, and a query ranks only those of its own size, exactly or through that size's index.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPostgres } from '../../core/db/embedded.js';
import { aScene, aUser, aVideo, startMigratedDatabase, vectorLiteral } from '../../core/db/testing.js';
import { nearest } from './repository.js';

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

describe('nearest scenes with vectors of several dimensions in one column', () => {
  it('ranks the vectors of the query’s dimension and ignores the others, on the exact and the index path', async () => {
    const user = await aUser(sql);
    const video = await aVideo(sql, user, { state: 'indexed' });
    // 384-d (e5-small) and 1024-d (BGE-M3) vectors side by side, as while a text model is being replaced.
    const small = await aScene(sql, video, 0, { text_vec: vectorLiteral(384, { 0: 1 }) });
    const smallFar = await aScene(sql, video, 1, { text_vec: vectorLiteral(384, { 1: 1 }) });
    const large = await aScene(sql, video, 2, { text_vec: vectorLiteral(1024, { 0: 1 }) });
    for (const exactMaxRows of [10_000, 0]) {
      await sql.query('BEGIN');
      const by384 = await nearest(sql, 'text_vec', user, unit(384, { 0: 1, 1: 0.1 }), {}, 10, {
        exactMaxRows,
      });
      const by1024 = await nearest(sql, 'text_vec', user, unit(1024, { 0: 1 }), {}, 10, { exactMaxRows });
      const by512 = await nearest(sql, 'text_vec', user, unit(512, { 0: 1 }), {}, 10, { exactMaxRows });
      await sql.query('COMMIT');
      expect(by384.map((r) => r.sceneId)).toEqual([small, smallFar]);
      expect(by384[0]!.score).toBeGreaterThan(0.99);
      expect(by1024.map((r) => r.sceneId)).toEqual([large]);
      expect(by512).toEqual([]);
    }
  });

  it('ranks a scene by its best-matching frame, on the exact and the index path, and still finds scenes without frames', async () => {
    const user = await aUser(sql);
    const video = await aVideo(sql, user, { state: 'indexed' });
    // Scene 0 shows the queried thing in one of its four frames only: its mean leans away from it.
    const early = await aScene(sql, video, 0, { image_vec: vectorLiteral(1152, { 0: 0.5, 1: 0.87 }) });
    const frame = (scene: string, idx: number, at: Record<number, number>) =>
      sql.query('INSERT INTO scene_frames (scene_id, idx, at_s, image_vec) VALUES ($1, $2, $3, $4::vector)', [
        scene,
        idx,
        idx * 4 + 2,
        vectorLiteral(1152, at),
      ]);
    await frame(early, 0, { 0: 1 });
    for (const i of [1, 2, 3]) await frame(early, i, { 1: 1 });
    // Scene 1's mean is nearer the query than scene 0's mean, but none of its frames is as near as scene 0's first.
    const middling = await aScene(sql, video, 1, { image_vec: vectorLiteral(1152, { 0: 0.8, 2: 0.6 }) });
    // Scene 2 was written without frames: its one vector still counts.
    const plain = await aScene(sql, video, 2, { image_vec: vectorLiteral(1152, { 0: 0.6, 3: 0.8 }) });
    for (const exactMaxRows of [10_000, 0]) {
      await sql.query('BEGIN');
      const found = await nearest(sql, 'image_vec', user, unit(1152, { 0: 1 }), {}, 10, { exactMaxRows });
      await sql.query('COMMIT');
      expect(found.map((r) => r.sceneId)).toEqual([early, middling, plain]);
      expect(found[0]!.score).toBeGreaterThan(0.99);
    }
  });

  it('refuses an empty query vector', async () => {
    await expect(nearest(sql, 'text_vec', 'x', new Float32Array(0), {}, 10)).rejects.toThrow(/empty/);
  });
});
