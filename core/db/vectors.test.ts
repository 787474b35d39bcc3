// Migration 0010 on the embedded Postgres: vectors written before models were recorded are carried over into
// scene_vectors (model '', indexed per dimension) and come back on the way down; index names and model literals.
import { readdirSync } from 'node:fs';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.js';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE, migrate } from './migrate.js';
import { aScene, aUser, aVideo, insertRow, vectorLiteral } from './testing.js';
import { modelLiteral, vectorIndexName, videoVectorModels } from './vectors.js';

const ALL = readdirSync(MIGRATIONS_DIR)
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.replace(/\.sql$/, ''))
  .sort();
const AFTER_0009 = ALL.length - ALL.indexOf('0010_vectors-per-model');

let db: EmbeddedPostgres;
let sql: pg.Client;
beforeAll(async () => {
  db = await startEmbeddedPostgres();
  await migrate(db.url);
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
}, 60_000);
afterAll(async () => {
  await sql?.end();
  await db?.close();
});

const down = (count: number) =>
  runner({
    databaseUrl: db.url,
    dir: MIGRATIONS_DIR,
    migrationsTable: MIGRATIONS_TABLE,
    direction: 'down',
    count,
    log: () => {},
  });

describe('migration 0010: vectors per model', () => {
  it('carries the old columns’ vectors and frames over unlabelled, one model per video and kind, and back on the way down', async () => {
    await down(AFTER_0009);
    const video = await aVideo(sql, await aUser(sql), { state: 'indexed' });
    const s0 = await insertRow(
      sql,
      'scenes',
      {
        video_id: video,
        idx: 0,
        start_s: 0,
        end_s: 4,
        text_vec: vectorLiteral(384, { 0: 1 }),
        image_vec: vectorLiteral(1152, { 1: 1 }),
      },
      'scene_id',
    );
    await aScene(sql, video, 1); // no vectors at all
    for (const idx of [0, 1])
      await sql.query(
        `INSERT INTO scene_frames (scene_id, idx, at_s, image_vec) VALUES ($1, $2, $3, $4::vector)`,
        [s0, idx, idx * 2, vectorLiteral(1152, { [idx]: 1 })],
      );
    await migrate(db.url);
    const { rows } = await sql.query(
      `SELECT model, kind, idx, at_s, vector_dims(vec) AS dims FROM scene_vectors WHERE scene_id = $1
        ORDER BY kind, idx`,
      [s0],
    );
    expect(rows).toEqual([
      { model: '', kind: 'image', idx: -1, at_s: null, dims: 1152 },
      { model: '', kind: 'image', idx: 0, at_s: 0, dims: 1152 },
      { model: '', kind: 'image', idx: 1, at_s: 2, dims: 1152 },
      { model: '', kind: 'text', idx: -1, at_s: null, dims: 384 },
    ]);
    // Each vector knows its video (migration 0015), so search reaches a user's vectors from their videos.
    const owners = await sql.query('SELECT DISTINCT video_id FROM scene_vectors WHERE scene_id = $1', [s0]);
    expect(owners.rows).toEqual([{ video_id: video }]);
    expect(await videoVectorModels(sql, video)).toEqual({
      text: { model: '', dims: 384 },
      image: { model: '', dims: 1152 },
    });
    // The way down puts them back where they were.
    await down(AFTER_0009);
    const back = await sql.query(
      `SELECT vector_dims(text_vec) AS t, vector_dims(image_vec) AS i,
              (SELECT count(*)::int FROM scene_frames f WHERE f.scene_id = s.scene_id) AS frames
         FROM scenes s WHERE video_id = $1 ORDER BY idx`,
      [video],
    );
    expect(back.rows).toEqual([
      { t: 384, i: 1152, frames: 2 },
      { t: null, i: null, frames: 0 },
    ]);
    await migrate(db.url);
  });
});

describe('vector index names and model literals', () => {
  it('names an index per model, kind and dimension within 63 characters', () => {
    const a = vectorIndexName('multilingual-e5-small', 'text', 384);
    expect(a).toMatch(/^scene_vectors_multilingual_e5_small_text_384_[0-9a-f]{6}$/);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(vectorIndexName('a'.repeat(120), 'screen', 16000).length).toBeLessThanOrEqual(63);
    expect(
      new Set([
        a,
        vectorIndexName('multilingual-e5-small', 'screen', 384),
        vectorIndexName('multilingual.e5-small', 'text', 384),
      ]).size,
    ).toBe(3);
  });

  it('quotes a model name and refuses anything else', () => {
    expect(modelLiteral('siglip2-so400m-patch14-384')).toBe("'siglip2-so400m-patch14-384'");
    expect(modelLiteral('')).toBe("''");
    for (const bad of ["x'; drop table scenes; --", 'a b', '-leading', 'é'])
      expect(() => modelLiteral(bad)).toThrow(RangeError);
  });
});
