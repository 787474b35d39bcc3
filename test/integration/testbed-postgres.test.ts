// Smoke tests of the test bed's PostgreSQL: pgvector 0.8 with HNSW, Korean trigrams, migrations applied.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const env = inject('testbed');
let db: pg.Client;

beforeAll(async () => {
  db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
});
afterAll(async () => db.end());

describe('the test bed PostgreSQL', () => {
  it('is PostgreSQL 15 with pgvector 0.8 and pg_trgm installed by the migrations', async () => {
    const { rows } = await db.query(
      `select current_setting('server_version_num')::int as version,
              (select extversion from pg_extension where extname = 'vector') as vector,
              (select extversion from pg_extension where extname = 'pg_trgm') as trgm`,
    );
    expect(Math.floor(rows[0].version / 10000)).toBe(15);
    expect(rows[0].vector).toMatch(/^0\.8\./);
    expect(rows[0].trgm).toBeTruthy();
  });

  it('has the heimdex schema applied, with HNSW indexes on scene vectors of both kinds', async () => {
    const { rows } = await db.query(
      `select indexdef from pg_indexes where tablename = 'scene_vectors' and indexdef ilike '%using hnsw%'`,
    );
    const defs = rows.map((r) => r.indexdef as string).join('\n');
    expect(defs).toMatch(/kind = 'text'/);
    expect(defs).toMatch(/kind = 'image'/);
  });

  it('answers an HNSW cosine query with the nearest rows', async () => {
    await db.query('create temporary table smoke_vecs (id int primary key, v vector(3))');
    await db.query(
      `insert into smoke_vecs values (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]'), (4, '[0,0,1]')`,
    );
    await db.query('create index on smoke_vecs using hnsw (v vector_cosine_ops)');
    await db.query('set enable_seqscan = off');
    const plan = await db.query(`explain select id from smoke_vecs order by v <=> '[1,0.05,0]' limit 2`);
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/smoke_vecs_v_idx/);
    const { rows } = await db.query(`select id from smoke_vecs order by v <=> '[1,0.05,0]' limit 2`);
    expect(rows.map((r) => r.id)).toEqual([1, 3]);
    await db.query('reset enable_seqscan');
  });

  it('finds Korean words inside Korean sentences with trigrams', async () => {
    const { rows } = await db.query(
      `select word_similarity('바닷가', '우리는 바닷가에서 고기를 구웠다') as s`,
    );
    expect(rows[0].s).toBeGreaterThan(0.5);
  });
});
