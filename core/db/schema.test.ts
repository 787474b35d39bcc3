import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedPostgres } from './embedded.js';
import { aScene, aSceneVector, aUser, aVideo, startMigratedDatabase, vectorLiteral } from './testing.js';
import { castVec, ensureVectorIndex, vectorIndexName, vectorPredicate } from './vectors.js';

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

async function plan(query: string, params: unknown[] = []): Promise<string> {
  const { rows } = await sql.query(`explain ${query}`, params);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** Runs `fn` with sequential scans priced out, so tiny tables still show which index a query can use. */
async function withoutSeqScan<T>(fn: () => Promise<T>): Promise<T> {
  await sql.query('set enable_seqscan = off');
  try {
    return await fn();
  } finally {
    await sql.query('reset enable_seqscan');
  }
}

describe('the schema', () => {
  // The column names are the contract in ARCHITECTURE.md; the types are what the code may rely on.
  const contract: Record<string, Record<string, string>> = {
    users: {
      user_id: 'uuid',
      auth_user_id: 'text',
      email: 'text',
      email_verified: 'boolean',
      display_name: 'text',
      tier: 'text',
      created_at: 'timestamp with time zone',
      updated_at: 'timestamp with time zone',
    },
    videos: {
      video_id: 'uuid',
      user_id: 'uuid',
      title: 'text',
      description: 'text',
      storage_key: 'text',
      mime_type: 'text',
      size_bytes: 'bigint',
      duration_s: 'double precision',
      state: 'text',
      error_text: 'text',
      created_at: 'timestamp with time zone',
      updated_at: 'timestamp with time zone',
    },
    scenes: {
      scene_id: 'uuid',
      video_id: 'uuid',
      idx: 'integer',
      start_s: 'double precision',
      end_s: 'double precision',
      transcript: 'text',
      vision_tags: 'jsonb',
      thumbnail_key: 'text',
      sidecar_key: 'text',
    },
    jobs: {
      job_id: 'uuid',
      video_id: 'uuid',
      stage: 'text',
      state: 'text',
      progress: 'real',
      attempts: 'integer',
      started_at: 'timestamp with time zone',
      finished_at: 'timestamp with time zone',
      error_text: 'text',
    },
    face_profiles: { profile_id: 'uuid', user_id: 'uuid', name: 'text', face_vec: 'vector(512)' },
    scene_people: { scene_id: 'uuid', profile_id: 'uuid', confidence: 'real' },
  };

  it.each(Object.entries(contract))(
    'has the %s table with the contract columns and types',
    async (table, columns) => {
      const { rows } = await sql.query(
        `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
         from pg_attribute a
        where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped`,
        [table],
      );
      const actual = Object.fromEntries(rows.map((r) => [r.name, r.type]));
      expect(actual).toMatchObject(columns);
    },
  );

  it('keeps scene vectors per model and kind, indexes what migration 0010 carried over per dimension, and transcripts not at all', async () => {
    const columns = await sql.query(
      `select a.attname as name from pg_attribute a where a.attrelid = 'scenes'::regclass and a.attnum > 0 and not a.attisdropped`,
    );
    expect(columns.rows.map((r) => r.name)).not.toContain('text_vec');
    const { rows } = await sql.query(`select indexdef from pg_indexes where tablename = 'scene_vectors'`);
    const defs = rows.map((r) => r.indexdef as string);
    for (const [kind, dim] of [
      ['text', 384],
      ['text', 1024],
      ['image', 1152],
    ] as const) {
      expect(defs).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `USING hnsw \\(\\(\\(vec\\)::vector\\(${dim}\\)\\) vector_cosine_ops\\) WHERE \\(\\(model = ''::text\\) AND \\(kind = '${kind}'::text\\) AND \\(vector_dims\\(vec\\) = ${dim}\\)\\)`,
          ),
        ),
      );
    }
    // Lexical search reads the normalised columns with strpos(), which no index serves (migration 0013).
    const scenes = await sql.query(`select indexdef from pg_indexes where tablename = 'scenes'`);
    expect(scenes.rows.map((r) => r.indexdef)).not.toContainEqual(expect.stringMatching(/gin_trgm_ops/));
  });

  it('allows one scene per index within a video', async () => {
    const video = await aVideo(sql, await aUser(sql));
    await aScene(sql, video, 0);
    await expect(aScene(sql, video, 0)).rejects.toMatchObject({ code: '23505' });
  });
});

describe('videos', () => {
  it('start in the uploading state with generated ids and timestamps', async () => {
    const id = await aVideo(sql, await aUser(sql));
    const { rows } = await sql.query('select state, created_at, updated_at from videos where video_id = $1', [
      id,
    ]);
    expect(rows[0].state).toBe('uploading');
    expect(rows[0].created_at).toBeInstanceOf(Date);
  });

  it.each(['uploading', 'validating', 'processing', 'indexed', 'failed', 'deleted'])(
    'accept the state %s',
    async (state) => {
      await expect(aVideo(sql, await aUser(sql), { state })).resolves.toBeTruthy();
    },
  );

  it('reject an unknown state', async () => {
    await expect(aVideo(sql, await aUser(sql), { state: 'done' })).rejects.toMatchObject({
      code: '23514',
      constraint: 'videos_state_check',
    });
  });

  it('move updated_at forward on every update', async () => {
    const id = await aVideo(sql, await aUser(sql));
    const before = (await sql.query('select updated_at from videos where video_id = $1', [id])).rows[0]
      .updated_at;
    await new Promise((done) => setTimeout(done, 5));
    await sql.query(`update videos set state = 'validating' where video_id = $1`, [id]);
    const after = (await sql.query('select updated_at from videos where video_id = $1', [id])).rows[0]
      .updated_at;
    expect(after.getTime()).toBeGreaterThan(before.getTime());
  });

  it('are listed for one user and state, newest first, from an index', async () => {
    const user = await aUser(sql);
    const older = await aVideo(sql, user, { state: 'indexed', created_at: '2024-01-01T00:00:00Z' });
    const newer = await aVideo(sql, user, { state: 'indexed', created_at: '2024-02-01T00:00:00Z' });
    await aVideo(sql, user, { state: 'failed' });
    await aVideo(sql, await aUser(sql), { state: 'indexed' });
    const listing = `select video_id from videos where user_id = $1 and state = $2
                      order by created_at desc, video_id desc limit 20`;
    const { rows } = await sql.query(listing, [user, 'indexed']);
    expect(rows.map((r) => r.video_id)).toEqual([newer, older]);
    // Which of the two indexes wins depends on statistics; either way the order comes from the index, unsorted.
    const listingPlan = await withoutSeqScan(() => plan(listing, [user, 'indexed']));
    expect(listingPlan).toMatch(/Index (Only )?Scan using videos_user_\w+_idx/);
    expect(listingPlan).not.toMatch(/Sort/);
    const live = `select video_id from videos where user_id = $1 and state <> 'deleted'
                   order by created_at desc, video_id desc limit 20`;
    const livePlan = await withoutSeqScan(() => plan(live, [user]));
    expect(livePlan).toMatch(/Index (Only )?Scan using videos_user_created_live_idx/);
    expect(livePlan).not.toMatch(/Sort/);
  });

  it('take their scenes and jobs with them when deleted', async () => {
    const video = await aVideo(sql, await aUser(sql));
    await aScene(sql, video, 0);
    await sql.query(`insert into jobs (video_id, stage) values ($1, 'probe')`, [video]);
    await sql.query('delete from videos where video_id = $1', [video]);
    const { rows } = await sql.query(
      `select (select count(*) from scenes where video_id = $1)::int as scenes,
              (select count(*) from jobs where video_id = $1)::int as jobs`,
      [video],
    );
    expect(rows[0]).toEqual({ scenes: 0, jobs: 0 });
  });
});

describe('jobs', () => {
  it('are pending with no progress and no attempts when created, one per stage per video', async () => {
    const video = await aVideo(sql, await aUser(sql));
    const { rows } = await sql.query(
      `insert into jobs (video_id, stage) values ($1, 'asr') returning state, progress, attempts`,
      [video],
    );
    expect(rows[0]).toEqual({ state: 'pending', progress: 0, attempts: 0 });
    await expect(
      sql.query(`insert into jobs (video_id, stage) values ($1, 'asr')`, [video]),
    ).rejects.toMatchObject({
      code: '23505',
    });
  });

  it('reject an unknown state', async () => {
    const video = await aVideo(sql, await aUser(sql));
    await expect(
      sql.query(`insert into jobs (video_id, stage, state) values ($1, 'probe', 'done')`, [video]),
    ).rejects.toMatchObject({ code: '23514', constraint: 'jobs_state_check' });
  });
});

describe('scene search', () => {
  it('finds the nearest scenes by cosine distance through the HNSW index of each model, created on first use', async () => {
    const video = await aVideo(sql, await aUser(sql));
    const models = [
      ['bge-m3', 'text', 1024],
      ['multilingual-e5-small', 'text', 384],
      ['siglip2-so400m', 'image', 1152],
    ] as const;
    let idx = 0;
    for (const [model, kind, dim] of models) {
      await ensureVectorIndex(sql, model, kind, dim);
      await ensureVectorIndex(sql, model, kind, dim); // a second writer finds it there
      // Cosine distance to axis 0: exact 0, then 1 - cos(atan 0.5) ≈ 0.106, then 1 (orthogonal), then 2 (opposite).
      const rows = {
        exact: vectorLiteral(dim, { 0: 1 }),
        near: vectorLiteral(dim, { 0: 1, 1: 0.5 }),
        orthogonal: vectorLiteral(dim, { 1: 1 }),
        opposite: vectorLiteral(dim, { 0: -1 }),
      };
      const ids: Record<string, string> = {};
      for (const [name, vec] of Object.entries(rows)) {
        const scene = await aScene(sql, video, idx++);
        await aSceneVector(sql, scene, { vec, kind, model });
        ids[scene] = name;
      }
      // Other models' vectors sit in the same table: the index's predicate keeps them out of the ranking.
      const cast = castVec('', dim);
      const query = `select scene_id, ${cast} <=> $1::vector(${dim}) as distance from scene_vectors
                      where ${vectorPredicate('', model, kind, dim)} order by ${cast} <=> $1::vector(${dim}) limit 3`;
      const probe = vectorLiteral(dim, { 0: 2, 1: 0.1 });
      expect(await withoutSeqScan(() => plan(query, [probe]))).toMatch(
        new RegExp(`Index Scan using ${vectorIndexName(model, kind, dim)}`),
      );
      const found = await withoutSeqScan(() => sql.query(query, [probe]));
      expect(found.rows.map((r) => ids[r.scene_id])).toEqual(['exact', 'near', 'orthogonal']);
    }
  });

  it('finds Korean words inside Korean transcripts with word_similarity and ILIKE', async () => {
    const video = await aVideo(sql, await aUser(sql));
    const beach = await aScene(sql, video, 0, { transcript: '우리는 바닷가에서 고기를 구웠다' });
    const office = await aScene(sql, video, 1, { transcript: '회의실에서 보고서를 검토했다' });
    const english = await aScene(sql, video, 2, { transcript: 'we grilled meat on the beach' });

    const similar = await sql.query(
      `select scene_id, word_similarity($1, transcript) as score from scenes
        where video_id = $2 and $1 <% transcript order by score desc`,
      ['바닷가', video],
    );
    expect(similar.rows.map((r) => r.scene_id)).toEqual([beach]);
    expect(similar.rows[0].score).toBeGreaterThan(0.5);

    const like = await sql.query(`select scene_id from scenes where video_id = $1 and transcript ilike $2`, [
      video,
      '%고기%',
    ]);
    expect(like.rows.map((r) => r.scene_id)).toEqual([beach]);

    const en = await sql.query(`select scene_id from scenes where video_id = $1 and transcript ilike $2`, [
      video,
      '%GRILLED%',
    ]);
    expect(en.rows.map((r) => r.scene_id)).toEqual([english]);
    expect(office).toBeTruthy();

    // Search matches the normalised columns with strpos(), which no index serves; the trigram index on the raw
    // transcript was never read and migration 0013 dropped it.
    const trigram = await sql.query(`select indexname from pg_indexes where tablename = 'scenes'`);
    expect(trigram.rows.map((r) => r.indexname)).not.toContain('scenes_transcript_trgm_idx');
    const searchPlan = await withoutSeqScan(() =>
      plan(`select scene_id from scenes where strpos(transcript_norm, $1) > 0`, ['바닷가']),
    );
    expect(searchPlan).not.toMatch(/trgm/);
  });

  it('stores transcripts and titles in NFC even when they arrive decomposed (NFD)', async () => {
    const nfd = '바닷가'.normalize('NFD');
    expect(nfd).not.toBe('바닷가');
    const video = await aVideo(sql, await aUser(sql), { title: `${nfd}.mov` });
    await aScene(sql, video, 0, { transcript: `우리는 ${nfd}에서` });
    const { rows } = await sql.query(
      `select v.title, s.transcript from videos v join scenes s using (video_id) where v.video_id = $1`,
      [video],
    );
    expect(rows[0]).toEqual({ title: '바닷가.mov', transcript: '우리는 바닷가에서' });
    const found = await sql.query(
      `select count(*)::int as n from scenes where video_id = $1 and transcript like $2`,
      [video, '%바닷가%'],
    );
    expect(found.rows[0].n).toBe(1);
  });
});

describe('person search tables', () => {
  it('link scenes to a user’s face profiles and let go when either side is deleted', async () => {
    const user = await aUser(sql);
    const scene = await aScene(sql, await aVideo(sql, user), 0);
    const { rows } = await sql.query(
      `insert into face_profiles (user_id, name, face_vec) values ($1, '지민', $2) returning profile_id`,
      [user, vectorLiteral(512, { 3: 1 })],
    );
    const profile = rows[0].profile_id;
    await sql.query('insert into scene_people (scene_id, profile_id, confidence) values ($1, $2, 0.93)', [
      scene,
      profile,
    ]);
    await expect(
      sql.query('insert into scene_people (scene_id, profile_id, confidence) values ($1, $2, 1.5)', [
        scene,
        profile,
      ]),
    ).rejects.toMatchObject({ code: '23514' });
    await sql.query('delete from face_profiles where profile_id = $1', [profile]);
    const left = await sql.query('select count(*)::int as n from scene_people where scene_id = $1', [scene]);
    expect(left.rows[0].n).toBe(0);
  });
});
