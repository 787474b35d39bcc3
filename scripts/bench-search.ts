// Benchmark (not a test): the ANN scene search (HNSW, the production nearest() query) on synthetic data:
// p50/p99 latency and recall@10 against exact search, unfiltered and per user, at 10k/100k/1M scenes, in the
// per-model layout (scene_vectors, migration 0010) as it stands halfway through a re-embed: model A's vectors for
// most videos and model B's for the rest (--second-share, 10% by default), each model with its own partial HNSW
// index (build time, size); and the lexical query's latency per user. Each case runs in a throwaway database on
// the test bed's PostgreSQL, dropped at the end; optionally the smallest case on embedded PGlite too.
// Usage: npx tsx scripts/bench-search.ts [--sizes 10000,100000] [--dims 256,1024] [--queries 100]
//        [--workers 1] [--pglite] [--max-build-minutes 10] [--second-share 0.1]
// Sizes over 100k run only when the measured 100k build, extrapolated, fits --max-build-minutes.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { EXACT_MAX_ROWS, lexical, nearest } from '../api/search/repository.js';
import { matchTerms, needles, normalizeForMatch, phraseOf } from '../api/search/text.js';
import { startEmbeddedPostgres } from '../core/db/embedded.js';
import { migrate } from '../core/db/migrate.js';
import { castVec, ensureVectorIndex, vectorIndexName, vectorPredicate } from '../core/db/vectors.js';
import { isUp, readState } from '../testbed/testbed.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    dims: { type: 'string', default: '256,1024' },
    queries: { type: 'string', default: '100' },
    workers: { type: 'string', default: '1' },
    'max-build-minutes': { type: 'string', default: '10' },
    pglite: { type: 'boolean', default: false },
    'second-share': { type: 'string', default: '0.1' },
    explain: { type: 'boolean', default: false },
  },
});
/** The share of videos (the last ones, small users') already re-embedded with model B. */
const SECOND_SHARE = Number(args['second-share']);
const MODEL_A = 'bench-model-a' as const;
const MODEL_B = 'bench-model-b' as const;
const SIZES = args.sizes.split(',').map(Number);
const DIMS = args.dims.split(',').map(Number);
const QUERIES = Number(args.queries);
const WORKERS = Number(args.workers);
const MAX_BUILD_S = Number(args['max-build-minutes']) * 60;
/** The service asks each signal for max(50, 2 × limit) candidates; limit defaults to 10. */
const DEPTH = 50;
const SCENES_PER_VIDEO = 20;
const CLUSTERS = 256;
/** Noise around a cluster centre, relative to the centre's per-dimension spread: cos(point, centre) ≈ 0.7 at any dims. */
const NOISE_REL = 1;
const noiseWidth = (dims: number) => NOISE_REL * Math.sqrt(12 / dims);

const say = (s: string) => process.stderr.write(`bench-search: ${s}\n`);

// ---------- deterministic synthetic vectors (the same generator in JS for centres and queries) ----------
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
const unit = (v: Float32Array) => {
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => x / n);
};
const lit = (v: Float32Array) => `[${Array.from(v, (x) => x.toFixed(6)).join(',')}]`;
function centres(dims: number): Float32Array[] {
  const r = rng(7);
  return Array.from({ length: CLUSTERS }, () => unit(Float32Array.from({ length: dims }, () => r() - 0.5)));
}
/** A query from the same mixture as the data: a random centre plus the same noise, normalized. */
function queries(dims: number, n: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const cs = centres(dims);
  return Array.from({ length: n }, () => {
    const c = cs[Math.floor(r() * CLUSTERS)]!;
    return unit(c.map((x) => x + (r() - 0.5) * noiseWidth(dims)));
  });
}

// Words for synthetic transcripts (English and Korean), so the lexical index has realistic text to hold.
const WORDS = [
  ...'beach meat grill sunset coffee friends downtown car station wave mountain river city night rain snow dog cat kitchen market train bus bridge school park festival music dance game office meeting'.split(
    ' ',
  ),
  ...'바닷가 고기 구웠다 노을 커피 친구 시내 자동차 기차역 파도 산 강 도시 밤 비 눈 강아지 고양이 부엌 시장 기차 버스 다리 학교 공원 축제 음악 춤 게임 회의'.split(
    ' ',
  ),
];

// ---------- one case: a database, the data, the indexes, the queries ----------
interface Layout {
  videos: number;
  heavyUsers: number;
  heavyVideosEach: number;
  smallUsers: number;
  smallVideosEach: number;
}
/** 5 heavy users hold 4% of the scenes each; everyone else has 5 videos (100 scenes). */
function layout(scenes: number): Layout {
  const videos = Math.ceil(scenes / SCENES_PER_VIDEO);
  const heavyVideosEach = Math.max(1, Math.floor(videos * 0.04));
  const smallVideosEach = 5;
  const smallUsers = Math.ceil((videos - 5 * heavyVideosEach) / smallVideosEach);
  return { videos, heavyUsers: 5, heavyVideosEach, smallUsers, smallVideosEach };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

async function load(db: pg.ClientBase, n: number, dims: number, L: Layout): Promise<number> {
  await db.query(`DROP INDEX IF EXISTS scenes_transcript_trgm_idx`);
  await db.query(`CREATE UNLOGGED TABLE bench_centres (id int PRIMARY KEY, v vector(${dims}))`);
  const cs = centres(dims);
  await db.query(
    `INSERT INTO bench_centres SELECT i - 1, v::vector FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i)`,
    [cs.map(lit)],
  );
  const users = L.heavyUsers + L.smallUsers;
  await db.query(
    `INSERT INTO users (user_id, auth_user_id) SELECT md5('u' || g)::uuid, 'bench-' || g FROM generate_series(0, $1 - 1) g`,
    [users],
  );
  // Video g belongs to heavy user g / heavyVideosEach while those last, then to small users, 5 videos each.
  const heavyVideos = L.heavyUsers * L.heavyVideosEach;
  await db.query(
    `INSERT INTO videos (video_id, user_id, storage_key, state, title)
     SELECT md5('v' || g)::uuid,
            md5('u' || CASE WHEN g < $2 THEN g / $3 ELSE $4 + (g - $2) / $5 END)::uuid,
            'bench/' || g, 'indexed', 'video ' || g
       FROM generate_series(0, $1 - 1) g`,
    [L.videos, heavyVideos, L.heavyVideosEach, L.heavyUsers, L.smallVideosEach],
  );
  // The vectors are made inside the server (no 10 GB of text over the wire): a cluster centre plus noise. The last
  // SECOND_SHARE of the videos (whole small users) have model B's vectors, the rest model A's.
  const firstB = secondModelFrom(L) * SCENES_PER_VIDEO;
  await db.query('SELECT setseed(0.42)');
  const t0 = performance.now();
  const batch = 50_000;
  for (let from = 0; from < n; from += batch) {
    await db.query(
      `WITH s AS (
         SELECT g,
                l2_normalize(c.v + (SELECT array_agg((random() - 0.5) * ${noiseWidth(dims)})
                                      FROM generate_series(1, ${dims} + 0 * g))::vector) AS x,
                array_to_string(ARRAY(SELECT ($3::text[])[1 + floor(random() * $4)::int]
                                        FROM generate_series(1, 8 + (g % 8))), ' ') AS words
           FROM generate_series($1::int, $2::int - 1) g
           JOIN bench_centres c ON c.id = (hashint4(g) & 2147483647) % ${CLUSTERS}),
       scenes_in AS (
         INSERT INTO scenes (scene_id, video_id, idx, start_s, end_s, transcript)
         SELECT md5('s' || g)::uuid, md5('v' || (g / ${SCENES_PER_VIDEO}))::uuid, g % ${SCENES_PER_VIDEO},
                (g % ${SCENES_PER_VIDEO}) * 5, (g % ${SCENES_PER_VIDEO}) * 5 + 5, words FROM s)
       INSERT INTO scene_vectors (scene_id, video_id, model, kind, idx, vec)
       SELECT md5('s' || g)::uuid, md5('v' || (g / ${SCENES_PER_VIDEO}))::uuid, CASE WHEN g >= ${firstB} THEN '${MODEL_B}' ELSE '${MODEL_A}' END, 'text', -1, x
         FROM s`,
      [from, Math.min(n, from + batch), WORDS, WORDS.length],
    );
    if (n > batch) say(`  loaded ${Math.min(n, from + batch)} / ${n}`);
  }
  await db.query(
    `INSERT INTO video_vectors (video_id, kind, model, dims)
     SELECT md5('v' || g)::uuid, 'text', CASE WHEN g >= $2 THEN '${MODEL_B}' ELSE '${MODEL_A}' END, ${dims}
       FROM generate_series(0, $1 - 1) g`,
    [L.videos, secondModelFrom(L)],
  );
  await db.query('VACUUM ANALYZE scenes');
  await db.query('VACUUM ANALYZE scene_vectors');
  await db.query('ANALYZE videos');
  return (performance.now() - t0) / 1000;
}

/** The first video whose vectors are model B's: whole small users from the end. */
function secondModelFrom(L: Layout): number {
  const smallB = Math.floor(L.smallUsers * SECOND_SHARE);
  return L.videos - smallB * L.smallVideosEach;
}

async function buildIndex(
  db: pg.ClientBase,
  name: string,
  ddl: () => Promise<unknown>,
): Promise<{ s: number; bytes: number }> {
  const t0 = performance.now();
  await ddl();
  const s = (performance.now() - t0) / 1000;
  const { rows } = await db.query<{ b: string }>(`SELECT pg_relation_size($1::regclass) AS b`, [name]);
  return { s, bytes: Number(rows[0]!.b) };
}

type Model = typeof MODEL_A | typeof MODEL_B;

/** The nearest() query without its per-user WHERE (production always filters; this is the raw index). */
async function nearestUnfiltered(db: pg.ClientBase, model: Model, q: Float32Array, k: number, dims: number) {
  await db.query(`SET LOCAL hnsw.iterative_scan = relaxed_order`);
  await db.query(`SET LOCAL hnsw.ef_search = ${Math.max(40, Math.min(1000, k * 2))}`);
  const { rows } = await db.query<{ scene_id: string }>(
    `WITH candidates AS MATERIALIZED (
       SELECT sv.scene_id, ${castVec('sv', dims)} <=> $1::vector(${dims}) AS distance FROM scene_vectors sv
        WHERE ${vectorPredicate('sv', model, 'text', dims)}
        ORDER BY ${castVec('sv', dims)} <=> $1::vector(${dims}) LIMIT $2)
     SELECT scene_id FROM candidates ORDER BY distance, scene_id`,
    [lit(q), k],
  );
  return rows.map((r) => r.scene_id);
}

/** Ground truth: the same ranking with index scans off. */
async function exact(
  db: pg.ClientBase,
  model: Model,
  q: Float32Array,
  userId: string | null,
): Promise<string[]> {
  await db.query('SET LOCAL enable_indexscan = off');
  const { rows } = await db.query<{ scene_id: string }>(
    `SELECT s.scene_id FROM scene_vectors sv JOIN scenes s ON s.scene_id = sv.scene_id
       JOIN videos v ON v.video_id = s.video_id
      WHERE ($2::uuid IS NULL OR (v.user_id = $2 AND v.state = 'indexed')) AND sv.model = $3 AND sv.kind = 'text'
      ORDER BY sv.vec <=> $1::vector, s.scene_id LIMIT 10`,
    [lit(q), userId, model],
  );
  return rows.map((r) => r.scene_id);
}

/** A client that prints EXPLAIN (ANALYZE) of each query before running it (SET statements run as they are). */
function explaining(db: pg.ClientBase, label: string): pg.ClientBase {
  const query = async (text: string, params?: unknown[]) => {
    if (!/^\s*SET /i.test(text)) {
      const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, params);
      say(`explain ${label}:\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
    return db.query(text, params);
  };
  return { query } as unknown as pg.ClientBase;
}

async function inTx<T>(db: pg.ClientBase, f: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  await db.query('BEGIN READ ONLY');
  try {
    const value = await f();
    await db.query('COMMIT');
    return { value, ms: performance.now() - t0 };
  } catch (e) {
    await db.query('ROLLBACK');
    throw e;
  }
}

/** Which path the planner takes for a per-user nearest() query: the HNSW index or the user's rows sorted. */
async function planOf(
  db: pg.ClientBase,
  model: Model,
  dims: number,
  userId: string,
  q: Float32Array,
  force = false,
): Promise<string> {
  await db.query('BEGIN');
  if (force) await db.query('SET LOCAL enable_sort = off');
  const { rows } = await db.query(
    `EXPLAIN SELECT s.scene_id FROM scene_vectors sv JOIN scenes s ON s.scene_id = sv.scene_id
       JOIN videos v ON v.video_id = s.video_id
      WHERE v.user_id = $1 AND v.state = 'indexed' AND ${vectorPredicate('sv', model, 'text', dims)}
      ORDER BY ${castVec('sv', dims)} <=> $2::vector(${dims}) LIMIT ${DEPTH}`,
    [userId, lit(q)],
  );
  await db.query('COMMIT');
  const text = rows.map((r) => r['QUERY PLAN']).join('\n');
  return text.includes(vectorIndexName(model, 'text', dims))
    ? 'hnsw (iterative)'
    : 'exact (user rows sorted)';
}

interface Row {
  engine: string;
  n: number;
  dims: number;
  type: string;
  query: string;
  p50: number;
  p99: number;
  exactP50: number;
  recall: number;
  plan: string;
}

async function runCase(
  engine: string,
  url: string,
  n: number,
  dims: number,
): Promise<{ rows: Row[]; builds: string[]; buildS: number; lexical: string[] }> {
  const L = layout(n);
  const lexicalRows: string[] = [];
  const db = new pg.Client({ connectionString: url, application_name: 'bench-search' });
  await db.connect();
  const out: Row[] = [];
  const builds: string[] = [];
  let buildS = 0;
  try {
    say(
      `${engine} ${n} scenes × ${dims} dims: loading (${L.heavyUsers + L.smallUsers} users, ${L.videos} videos)`,
    );
    const loadS = await load(db, n, dims, L);
    const { rows: sz } = await db.query<{ b: string }>(
      `SELECT pg_total_relation_size('scenes') + pg_total_relation_size('scene_vectors') AS b`,
    );
    if (engine === 'postgres') {
      await db.query(`SET maintenance_work_mem = '3GB'`);
      await db.query(`SET max_parallel_maintenance_workers = ${WORKERS}`);
    }
    say(`  loaded in ${loadS.toFixed(1)} s; building model A's index`);
    // The product's own index DDL (core/db/vectors.ts), built here after the load as a migration of existing
    // vectors would; the product makes it empty before a model's first write and it grows with the rows.
    const build = (model: Model) =>
      buildIndex(db, vectorIndexName(model, 'text', dims), () => ensureVectorIndex(db, model, 'text', dims));
    const vec = await build(MODEL_A);
    say(`  model A's index ${vec.s.toFixed(1)} s; building model B's`);
    const half = await build(MODEL_B);
    buildS = vec.s;
    say(`  model B's index ${half.s.toFixed(1)} s`);
    await db.query('ANALYZE scenes');
    builds.push(
      `${engine.padEnd(8)} ${String(n).padStart(8)} ${String(dims).padStart(5)}  load ${loadS.toFixed(1).padStart(6)} s  table ${mb(Number(sz[0]!.b)).padStart(8)}` +
        `  | model A: build ${vec.s.toFixed(1).padStart(6)} s, ${mb(vec.bytes).padStart(7)}` +
        `  | model B (${(SECOND_SHARE * 100).toFixed(0)}% of small users' videos): build ${half.s.toFixed(1).padStart(6)} s, ${mb(half.bytes).padStart(7)}`,
    );

    const heavy = Array.from({ length: L.heavyUsers }, (_, i) => i);
    // Small users served by model A (the first ones) and by model B (the last SECOND_SHARE of them).
    const smallA = L.smallUsers - Math.floor(L.smallUsers * SECOND_SHARE);
    const spread = (from: number, to: number) => {
      const k = Math.min(QUERIES, to - from);
      return Array.from({ length: k }, (_, i) => L.heavyUsers + from + Math.floor((i * (to - from)) / k));
    };
    const small = spread(0, smallA);
    const smallOfB = spread(smallA, L.smallUsers);
    const { rows: ids } = await db.query<{ n: number; id: string }>(
      `SELECT n, md5('u' || n)::uuid::text AS id FROM unnest($1::int[]) n`,
      [[...heavy, ...small, ...smallOfB]],
    );
    const uid = new Map(ids.map((r) => [r.n, r.id]));
    const qs = queries(dims, QUERIES, 1000 + n + dims);
    const smallName = `user ${L.smallVideosEach * SCENES_PER_VIDEO} sc (${((100 * L.smallVideosEach * SCENES_PER_VIDEO) / n).toPrecision(2)}%)`;
    const heavyName = `user ${L.heavyVideosEach * SCENES_PER_VIDEO} sc (4%)`;
    const smallUser = (i: number) => uid.get(small[i % small.length]!)!;
    const smallUserOfB = (i: number) => uid.get(smallOfB[i % smallOfB.length]!)!;
    const heavyUser = (i: number) => uid.get(heavy[i % heavy.length]!)!;
    // "forced hnsw": sorting switched off, so the planner must walk the HNSW index with the iterative scan
    // even where it would rather sort the user's few rows exactly: the recall of the path a misestimate takes.
    const smallScenes = L.smallVideosEach * SCENES_PER_VIDEO;
    const heavyScenes = L.heavyVideosEach * SCENES_PER_VIDEO;
    type QuerySet = {
      name: string;
      model: Model;
      user: (i: number) => string | null;
      scenes?: number;
      force?: boolean;
    };
    const sets: QuerySet[] = [
      { name: 'unfiltered', model: MODEL_A, user: () => null },
      { name: smallName, model: MODEL_A, user: smallUser, scenes: smallScenes },
      { name: `${smallName} forced hnsw`, model: MODEL_A, user: smallUser, scenes: smallScenes, force: true },
      { name: heavyName, model: MODEL_A, user: heavyUser, scenes: heavyScenes },
      { name: `${heavyName} forced hnsw`, model: MODEL_A, user: heavyUser, scenes: heavyScenes, force: true },
      { name: 'unfiltered', model: MODEL_B, user: () => null },
      ...(smallOfB.length > 0
        ? [
            { name: smallName, model: MODEL_B, user: smallUserOfB, scenes: smallScenes },
            {
              name: `${smallName} forced hnsw`,
              model: MODEL_B,
              user: smallUserOfB,
              scenes: smallScenes,
              force: true,
            },
          ]
        : []),
    ];
    // Warm the caches (both indexes, the table) before timing anything.
    for (const model of [MODEL_A, MODEL_B] as const)
      for (const q of qs.slice(0, 5)) await inTx(db, () => nearestUnfiltered(db, model, q, DEPTH, dims));
    for (const set of sets) {
      const truth: string[][] = [];
      const exactMs: number[] = [];
      for (const [i, q] of qs.entries()) {
        const r = await inTx(db, () => exact(db, set.model, q, set.user(i)));
        truth.push(r.value);
        exactMs.push(r.ms);
      }
      const ms: number[] = [];
      let hit = 0;
      let want = 0;
      for (const [i, q] of qs.entries()) {
        const user = set.user(i);
        const r = await inTx(db, async () => {
          if (user === null) return nearestUnfiltered(db, set.model, q, DEPTH, dims);
          if (set.force) await db.query('SET LOCAL enable_sort = off');
          // forced: the index path whatever the user's size (nearest() would rank a small user exactly).
          const opts = set.force ? { exactMaxRows: 0 } : {};
          // --explain: the plan of each statement nearest() runs for a set's first query, on stderr.
          const via = args.explain && i === 0 ? explaining(db, set.name) : db;
          return (await nearest(via, { kind: 'text', model: set.model }, user, q, {}, DEPTH, opts)).map(
            (x) => x.sceneId,
          );
        });
        ms.push(r.ms);
        const top = new Set(r.value.slice(0, 10));
        hit += truth[i]!.filter((id) => top.has(id)).length;
        want += truth[i]!.length;
      }
      const first = set.user(0);
      out.push({
        engine,
        n,
        dims,
        type: set.model === MODEL_A ? 'model A' : 'model B',
        query: set.name,
        p50: pct(ms, 50),
        p99: pct(ms, 99),
        exactP50: pct(exactMs, 50),
        recall: want > 0 ? hit / want : Number.NaN,
        plan:
          first === null
            ? 'hnsw (iterative)'
            : !set.force && (set.scenes ?? 0) <= EXACT_MAX_ROWS
              ? `exact (≤ ${EXACT_MAX_ROWS} rows)`
              : await planOf(db, set.model, dims, first, qs[0]!, set.force),
      });
    }
    // Lexical: the production query on the normalised transcripts (a scan of the user's scenes, strpos() per
    // needle), for a spaced and a space-free Korean query, an English one and one that matches nothing.
    const lexicalQueries = [
      '바닷가 고기',
      '바닷가에서고기를 구웠다',
      'coffee with friends downtown',
      'zebra',
    ].map((q) => {
      const norm = normalizeForMatch(q);
      return { phrase: phraseOf(norm), needles: needles(matchTerms(norm)) };
    });
    for (const [name, user] of [
      [smallName, smallUser],
      [heavyName, heavyUser],
    ] as const) {
      const ms: number[] = [];
      for (let i = 0; i < QUERIES; i++) {
        const q = lexicalQueries[i % lexicalQueries.length]!;
        ms.push((await inTx(db, () => lexical(db, user(i), q, {}, DEPTH))).ms);
      }
      lexicalRows.push(
        `${engine.padEnd(8)} ${String(n).padStart(8)} ${name.padEnd(30)} ${pct(ms, 50).toFixed(1).padStart(8)} ${pct(ms, 99).toFixed(1).padStart(8)}`,
      );
    }
  } finally {
    await db.end();
  }
  return { rows: out, builds, buildS, lexical: lexicalRows };
}

// ---------- databases ----------
async function withDatabase<T>(adminUrl: string, f: (url: string) => Promise<T>): Promise<T> {
  const name = `bench_search_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const drop = () => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  const onSignal = () => {
    void drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await admin.query(`CREATE DATABASE ${name} LC_CTYPE 'C.UTF-8' TEMPLATE template0`);
    const url = adminUrl.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
    await migrate(url);
    return await f(url);
  } finally {
    await drop();
    await admin.end();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const state = readState();
if (!isUp(state)) throw new Error('the test bed is not up: run `npm run testbed -- up` first');
const adminUrl = state.env.TESTBED_POSTGRES_ADMIN_URL;

const formatRow = (r: Row) =>
  `${r.engine.padEnd(8)} ${String(r.n).padStart(8)} ${String(r.dims).padStart(5)} ${r.type.padEnd(8)} ${r.query.padEnd(30)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.exactP50.toFixed(1).padStart(10)} ${r.recall.toFixed(3).padStart(9)}  ${r.plan}`;
/** Each case's figures go to stderr as soon as it ends, so a long run that is stopped keeps what it measured. */
const early = (r: { rows: Row[]; builds: string[]; lexical: string[] }) => {
  for (const b of r.builds) say(b);
  for (const x of r.rows) say(formatRow(x));
  for (const l of r.lexical) say(`lexical ${l}`);
  lexicalLines.push(...r.lexical);
};
const lexicalLines: string[] = [];
const rows: Row[] = [];
const builds: string[] = [];
const notes: string[] = [];
/** Measured vector-index build seconds at the largest size run so far, per dims: for extrapolation. */
const measured = new Map<number, { n: number; s: number }>();
for (const n of SIZES) {
  for (const dims of DIMS) {
    const prev = measured.get(dims);
    if (n > 100_000 && prev) {
      // HNSW build cost grows about as n log n; model A's index holds most rows, model B's the rest.
      const est = prev.s * (n / prev.n) * (Math.log(n) / Math.log(prev.n));
      if (est > MAX_BUILD_S) {
        notes.push(
          `${n} scenes × ${dims} dims NOT RUN: the index builds extrapolate (n log n from ${prev.n} at ${prev.s.toFixed(0)} s per index) to ~${(est / 60).toFixed(0)} min on this machine, over the ${MAX_BUILD_S / 60} min budget.`,
        );
        continue;
      }
    } else if (n > 100_000 && !prev) {
      notes.push(`${n} scenes × ${dims} dims NOT RUN: no 100k measurement to extrapolate from.`);
      continue;
    }
    const r = await withDatabase(adminUrl, (url) => runCase('postgres', url, n, dims));
    early(r);
    rows.push(...r.rows);
    builds.push(...r.builds);
    measured.set(dims, { n, s: r.buildS });
  }
}
if (args.pglite) {
  const n = Math.min(...SIZES);
  const dims = Math.min(...DIMS);
  const db = await startEmbeddedPostgres({ maxConnections: 4 });
  try {
    await migrate(db.url);
    const r = await runCase('pglite', db.url, n, dims);
    early(r);
    rows.push(...r.rows);
    builds.push(...r.builds);
  } finally {
    await db.close();
  }
}

const { rows: version } = await (async () => {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return await c.query<{ v: string }>(`SELECT version() AS v`);
  } finally {
    await c.end();
  }
})();
console.log(
  `\nScene search ANN benchmark — ${version[0]!.v.split(' on ')[0]}, pgvector 0.8, HNSW m=16 ef_construction=64`,
);
console.log(
  `Synthetic data: ${CLUSTERS}-cluster mixture of unit vectors, ${SCENES_PER_VIDEO} scenes per video, 5 heavy users with 4% of the scenes each, every other user 5 videos; scene_vectors as halfway through a re-embed: model B's vectors for ${(SECOND_SHARE * 100).toFixed(0)}% of the small users' videos, model A's for the rest, one partial HNSW index per model.`,
);
console.log(
  `Each query: the production nearest() (iterative scan relaxed_order, ef_search = 2 × depth) asking for depth ${DEPTH} (the service's default), inside BEGIN READ ONLY … COMMIT; recall@10 = its first 10 against the exact top 10 of the same model's vectors; ${QUERIES} queries per row. "unfiltered" is the same query without the per-user WHERE (the API always filters).`,
);
console.log(
  `Index builds: maintenance_work_mem 3GB, ${WORKERS} parallel worker(s) + leader, on a 2-core machine shared with other work.\n`,
);
console.log('engine     scenes  dims  build');
for (const b of builds) console.log(b);
console.log(
  `\n${'engine'.padEnd(8)} ${'scenes'.padStart(8)} ${'dims'.padStart(5)} ${'type'.padEnd(8)} ${'query'.padEnd(30)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'exact p50'.padStart(10)} ${'recall@10'.padStart(9)}  plan`,
);
for (const r of rows) console.log(formatRow(r));
console.log(
  `\nLexical (the production query, normalised transcripts; 4 queries in turn: two Korean, one English, one matching nothing)\n${'engine'.padEnd(8)} ${'scenes'.padStart(8)} ${'query'.padEnd(30)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
);
for (const l of lexicalLines) console.log(l);
for (const n of notes) console.log(`\n${n}`);
