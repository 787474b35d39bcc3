// Filtered vector search keeps its recall: a user with 3 videos among thousands of other users' scenes
// still gets exactly their nearest scenes from the HNSW index (pgvector 0.8 iterative index scans).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nearest } from '../../api/search/repository.js';
import { migrate } from '../../core/db/migrate.js';
import { castVec, ensureVectorIndex, vectorIndexName, vectorPredicate } from '../../core/db/vectors.js';

const env = inject('testbed');
const DIMS = 1024;
const MODEL = 'recall-model';
const TEXT = { kind: 'text', model: MODEL } as const;
const OTHER_SCENES = 3000;
const dbName = `recall_${randomUUID().replaceAll('-', '')}`;
let admin: pg.Client;
let pool: pg.Pool;
const me = randomUUID();
const mine: { id: string; v: Float32Array }[] = [];

function randomUnit(seed: number): Float32Array {
  // A small deterministic generator so a failure reproduces.
  let x = seed * 2654435761 + 1;
  const v = new Float32Array(DIMS);
  let n = 0;
  for (let i = 0; i < DIMS; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    v[i] = x / 2147483648 - 0.5;
    n += v[i]! * v[i]!;
  }
  return v.map((c) => c / Math.sqrt(n));
}
const lit = (v: Float32Array) => `[${Array.from(v).join(',')}]`;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: env.TESTBED_POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName} LC_CTYPE 'C.UTF-8' TEMPLATE template0`);
  const url = env.TESTBED_POSTGRES_ADMIN_URL.replace(/\/postgres$/, `/${dbName}`);
  await migrate(url);
  pool = new pg.Pool({ connectionString: url, max: 2 });
  // Make the planner use the HNSW index even on this small table, as it would on a million scenes.
  pool.on('connect', (c) => void c.query('SET enable_seqscan = off'));
  // DROP DATABASE … WITH (FORCE) at the end terminates whatever connection is left; that is expected.
  pool.on('error', () => {});
  // On a million scenes the planner walks the HNSW index; on this small table it would rather read the
  // user's vectors through (video_id, model, kind) and sort them exactly. Take that path away so the index is tested.
  await pool.query('ALTER TABLE scenes DROP CONSTRAINT scenes_video_idx_key');
  await pool.query('DROP INDEX scene_vectors_video_model_idx');
  await ensureVectorIndex(pool, MODEL, 'text', DIMS);
  const others = Array.from({ length: 20 }, () => randomUUID());
  await pool.query(`INSERT INTO users (user_id, auth_user_id) SELECT u, u::text FROM unnest($1::uuid[]) u`, [
    [me, ...others],
  ]);
  const videos: { id: string; user: string }[] = [
    ...Array.from({ length: 3 }, () => ({ id: randomUUID(), user: me })),
    ...others.map((u) => ({ id: randomUUID(), user: u })),
  ];
  await pool.query(
    `INSERT INTO videos (video_id, user_id, storage_key, state) SELECT v, u, 'k/' || v, 'indexed' FROM unnest($1::uuid[], $2::uuid[]) AS t(v, u)`,
    [videos.map((v) => v.id), videos.map((v) => v.user)],
  );
  let seed = 1;
  const rows: { video: string; idx: number; v: Float32Array }[] = [];
  for (const v of videos.slice(0, 3))
    for (let i = 0; i < 10; i++) rows.push({ video: v.id, idx: i, v: randomUnit(seed++) });
  for (let i = 0; i < OTHER_SCENES; i++)
    rows.push({
      video: videos[3 + (i % others.length)]!.id,
      idx: Math.floor(i / others.length),
      v: randomUnit(seed++),
    });
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    const r = await pool.query(
      `WITH s AS (
         INSERT INTO scenes (video_id, idx, start_s, end_s)
         SELECT v, i, i, i + 1 FROM unnest($1::uuid[], $2::int[]) AS t(v, i) RETURNING scene_id, video_id, idx),
       w AS (
         INSERT INTO scene_vectors (scene_id, video_id, model, kind, vec)
         SELECT s.scene_id, s.video_id, '${MODEL}', 'text', t.vec::vector
           FROM s JOIN unnest($1::uuid[], $2::int[], $3::text[]) AS t(v, i, vec) ON t.v = s.video_id AND t.i = s.idx)
       SELECT scene_id, video_id FROM s ORDER BY array_position($4::text[], video_id::text || '/' || idx)`,
      [
        batch.map((b) => b.video),
        batch.map((b) => b.idx),
        batch.map((b) => lit(b.v)),
        batch.map((b) => `${b.video}/${b.idx}`),
      ],
    );
    r.rows.forEach((row, j) => {
      if (videos.slice(0, 3).some((v) => v.id === row.video_id))
        mine.push({ id: row.scene_id, v: batch[j]!.v });
    });
  }
  await pool.query('ANALYZE scenes');
  await pool.query('ANALYZE scene_vectors');
}, 240_000);

afterAll(async () => {
  await pool?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin?.end();
});

function exactTop(q: Float32Array, k: number): string[] {
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  return [...mine]
    .sort((a, b) => dot(q, b.v) - dot(q, a.v))
    .slice(0, k)
    .map((m) => m.id);
}

describe('filtered vector search', () => {
  it('returns the user’s exact top 10 through the index, where a plain index scan finds too few', async () => {
    const query = randomUnit(999_999);
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      // exactMaxRows 0: through the index even for this small user (the path a heavy user takes).
      const got = await nearest(c, TEXT, me, query, {}, 10, { exactMaxRows: 0 });
      const plan = await c.query(
        `EXPLAIN SELECT sv.scene_id FROM scene_vectors sv JOIN videos v ON v.video_id = sv.video_id
          WHERE v.user_id = $1 AND ${vectorPredicate('sv', MODEL, 'text', DIMS)}
          ORDER BY ${castVec('sv', DIMS)} <=> $2::vector(${DIMS}) LIMIT 10`,
        [me, lit(query)],
      );
      await c.query('COMMIT');
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(vectorIndexName(MODEL, 'text', DIMS));
      expect(got.map((g) => g.sceneId)).toEqual(exactTop(query, 10));

      // The same query without iterative scans: the index hands over its first ef_search neighbours
      // overall, the user filter removes almost all of them. This is what the iterative scan fixes.
      await c.query('BEGIN');
      await c.query('SET LOCAL hnsw.iterative_scan = off');
      await c.query('SET LOCAL hnsw.ef_search = 40');
      const plain = await c.query(
        `SELECT sv.scene_id FROM scene_vectors sv JOIN videos v ON v.video_id = sv.video_id
          WHERE v.user_id = $1 AND ${vectorPredicate('sv', MODEL, 'text', DIMS)}
          ORDER BY ${castVec('sv', DIMS)} <=> $2::vector(${DIMS}) LIMIT 10`,
        [me, lit(query)],
      );
      await c.query('COMMIT');
      expect(plain.rows.length).toBeLessThan(10);
    } finally {
      c.release();
    }
  });

  it('ranks a small user’s scenes exactly, where an index scan cut short would miss some', async () => {
    const query = randomUnit(424_242);
    const c = await pool.connect();
    try {
      // The index path with a scan cut short, as max_scan_tuples cuts it for a 100-scene user among a
      // million: the top 10 is no longer exact…
      await c.query('BEGIN');
      const short = await nearest(c, TEXT, me, query, {}, 10, { maxScanTuples: 60, exactMaxRows: 0 });
      await c.query('COMMIT');
      expect(short.map((g) => g.sceneId)).not.toEqual(exactTop(query, 10));
      // …so a user with few scenes (30 here, under EXACT_MAX_ROWS) is ranked exactly instead.
      await c.query('BEGIN');
      const got = await nearest(c, TEXT, me, query, {}, 10, { maxScanTuples: 60 });
      await c.query('COMMIT');
      expect(got.map((g) => g.sceneId)).toEqual(exactTop(query, 10));
      // A user with fewer scenes than asked for gets all of them, best first.
      await c.query('BEGIN');
      const all = await nearest(c, TEXT, me, query, {}, 50);
      await c.query('COMMIT');
      expect(all.map((g) => g.sceneId)).toEqual(exactTop(query, 30));
    } finally {
      c.release();
    }
  });
});
