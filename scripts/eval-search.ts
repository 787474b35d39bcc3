// Evaluation (not a test): search quality on a small labelled set of generated videos (scripts/eval/search-set.ts),
// searched with the real search service, one signal at a time and fused. Queries with right answers: recall@1/@5/
// @10, MRR and precision@1/@5 (of what was returned); near-miss and negative queries, whose right answer is
// nothing: the share answered with an empty list, and how many scenes came back.
// Usage: npm run testbed -- up && npx tsx scripts/eval-search.ts       (ingested through the real pipeline stages
//        into a throwaway database on the test bed)
//        npx tsx scripts/eval-search.ts --direct                        (scenes indexed straight into an embedded
//        database, scripts/eval/direct.ts: no test bed, no shot detection; the figures of docs/benchmarks.md)
//        add --screen=none|text|vectors (--direct: what is on screen is left out, its text only, or its text and
//        screen vectors as ocr and embed-screen store it; the default) and --held-out to search each query with a text calibration fitted without its fold (5 folds by query,
//        scripts/eval/calibration-fit.ts) instead of the one in models/calibration.ts, fitted on every query.
// Models: SEARCH_TEXT_MODEL, SEARCH_VISION_MODEL and MODELS_DIR (default: the tiny random models in models/tiny);
// the same models embed the scenes and the queries. The small profile: MODELS_DIR=~/.cache/heimdex/models
// SEARCH_TEXT_MODEL=multilingual-e5-small SEARCH_VISION_MODEL=tiny-siglip2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { lazyQueryEmbedders } from '../api/search/embedders.js';
import type { Signal } from '../api/search/query.js';
import { search } from '../api/search/service.js';
import { initialStates, propagateSkips, STAGE_NAMES } from '../core/dag.js';
import { migrate } from '../core/db/migrate.js';
import { aUser, aVideo, startMigratedDatabase } from '../core/db/testing.js';
import { createLogger } from '../core/log.js';
import { STAGE_ENV } from '../core/stage-contract.js';
import { LocalStore } from '../core/storage/local.js';
import { keys, type ObjectStore } from '../core/storage/store.js';
import { VECTOR_CALIBRATION, type VectorCalibration } from '../models/calibration.js';
import { modelSpec, TINY_MODELS_DIR } from '../models/manifest.js';
import { loadImageTextEmbedder, loadTextEmbedder } from '../models/runtime/embeddings.js';
import { runStage, storeFor, type TestVideo, uploadVideo } from '../test/support/pipeline-harness.js';
import { isUp, readState } from '../testbed/testbed.js';
import { asCalibration, FOLDS, fitOn, folds, labelledPairs } from './eval/calibration-fit.js';
import { indexDirect } from './eval/direct.js';
import { renderEvalVideo } from './eval/media.js';
import { type EvalQuery, type EvalVideo, QUERIES, type QueryKind, VIDEOS } from './eval/search-set.js';

const MODELS_DIR = process.env.MODELS_DIR ?? TINY_MODELS_DIR;
const TEXT_MODEL = process.env.SEARCH_TEXT_MODEL ?? 'tiny-bge-m3';
const VISION_MODEL = process.env.SEARCH_VISION_MODEL ?? 'tiny-siglip2';
const DIRECT = process.argv.includes('--direct');
const HELD_OUT = process.argv.includes('--held-out');
/** --direct only: what is on screen, as ocr and embed-screen store it (scripts/eval/direct.ts). */
const SCREEN = (process.argv.find((a) => a.startsWith('--screen='))?.slice('--screen='.length) ??
  'vectors') as 'none' | 'text' | 'vectors';
if (!['none', 'text', 'vectors'].includes(SCREEN)) throw new Error('--screen=none|text|vectors');
const say = (s: string) => process.stderr.write(`eval-search: ${s}\n`);
const dir = mkdtempSync(join(tmpdir(), 'heimdex-eval-search-'));

/** The evaluation's library: one user's indexed scenes, each labelled `videoKey/sceneIndex`. */
interface Library {
  pool: pg.Pool;
  store: ObjectStore;
  artifactsBucket: string;
  uploadsBucket: string;
  userId: string;
  /** scene id → label */
  label: Map<string, string>;
  close(): Promise<void>;
}

/** Scenes indexed straight into an embedded database (scripts/eval/direct.ts). */
async function directLibrary(): Promise<Library> {
  const db = await startMigratedDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  const userId = await aUser(pool);
  say(`indexing ${VIDEOS.length} videos straight into an embedded database (${TEXT_MODEL}, ${VISION_MODEL})`);
  const [text, vision] = await Promise.all([
    loadTextEmbedder(TEXT_MODEL, { modelsDir: MODELS_DIR }),
    loadImageTextEmbedder(VISION_MODEL, { modelsDir: MODELS_DIR }),
  ]);
  const ids = await indexDirect(pool, userId, dir, VIDEOS, { text, vision }, SCREEN);
  return {
    pool,
    store: new LocalStore({ root: join(dir, 'store'), secret: 'eval', publicUrl: 'http://127.0.0.1:1' }),
    artifactsBucket: 'heimdex-artifacts',
    uploadsBucket: 'heimdex-uploads',
    userId,
    label: new Map([...ids].map(([k, v]) => [v, k])),
    close: async () => {
      await pool.end();
      await db.close();
    },
  };
}

/** Videos ingested through every pipeline stage into a throwaway database on the test bed. */
async function pipelineLibrary(): Promise<Library> {
  const state = readState();
  if (!isUp(state))
    throw new Error('the test bed is not up: run `npm run testbed -- up` first, or pass --direct');
  const adminUrl = state.env.TESTBED_POSTGRES_ADMIN_URL;
  const dbName = `eval_search_${process.pid}_${Date.now()}`;
  const dbUrl = adminUrl.replace(/\/[^/?]+(\?|$)/, `/${dbName}$1`);
  const env: Record<string, string> = { ...state.env, DATABASE_URL: dbUrl };
  const stageEnv = { MODELS_DIR, VISION_MODEL, TEXT_MODEL, ASR_MODEL: 'none' };
  const store = storeFor(env);
  const uploadsBucket = env.S3_BUCKET_UPLOADS ?? 'heimdex-uploads';
  const artifactsBucket = env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName} LC_CTYPE 'C.UTF-8' TEMPLATE template0`);
  const pool = new pg.Pool({ connectionString: dbUrl, max: 4 });
  // DROP DATABASE … WITH (FORCE) at the end terminates whatever connection is left; that is expected.
  pool.on('error', () => {});
  const ingested: TestVideo[] = [];
  const close = async () => {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    for (const v of ingested) {
      await store.deletePrefix(uploadsBucket, keys.uploadsPrefix(v.userId, v.videoId));
      await store.deletePrefix(artifactsBucket, keys.artifactsPrefix(v.userId, v.videoId));
      await store.deletePrefix(artifactsBucket, keys.sidecarsPrefix(v.userId, v.videoId));
    }
  };
  try {
    await migrate(dbUrl);
    const userId = await aUser(pool);
    /** Runs every stage in DAG order, as the operator would, leaving out those a Skipped stage skips. */
    const ingest = async (v: EvalVideo): Promise<TestVideo> => {
      const file = renderEvalVideo(dir, v);
      const video = await uploadVideo(store, env, file, { userId });
      ingested.push(video);
      await aVideo(pool, userId, {
        video_id: video.videoId,
        storage_key: video.sourceKey,
        state: 'processing',
        title: v.title,
      });
      let states = initialStates();
      for (const stage of STAGE_NAMES) {
        // The DAG's own skip rules (core/dag.ts), as both executors apply them.
        states = propagateSkips(states);
        if (states[stage] === 'Skipped') continue;
        const run = await runStage(stage, video, env, { ...stageEnv, [STAGE_ENV.language]: v.language });
        if (run.exitCode !== 0)
          throw new Error(`${v.key}: stage ${stage} failed:\n${run.stdout}${run.stderr}`);
        states = { ...states, [stage]: run.result?.outcome === 'Skipped' ? 'Skipped' : 'Succeeded' };
      }
      return video;
    };
    say(
      `rendering and ingesting ${VIDEOS.length} videos through the pipeline (${TEXT_MODEL}, ${VISION_MODEL})`,
    );
    const t0 = Date.now();
    const videos = new Map<string, TestVideo>();
    // Two videos at a time: each stage is its own process, as in the cluster.
    for (let i = 0; i < VIDEOS.length; i += 2) {
      const pair = VIDEOS.slice(i, i + 2);
      const done = await Promise.all(pair.map((v) => ingest(v)));
      for (const [j, v] of pair.entries()) videos.set(v.key, done[j]!);
    }
    say(`ingested in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const ids = await sceneIds(pool, userId, videos);
    return {
      pool,
      store,
      artifactsBucket,
      uploadsBucket,
      userId,
      label: new Map([...ids].map(([k, v]) => [v, k])),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Labelled `video/idx` → the indexed scene whose middle falls inside the labelled scene's time span. */
async function sceneIds(
  pool: pg.Pool,
  userId: string,
  videos: Map<string, TestVideo>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const v of VIDEOS) {
    const { rows } = await pool.query<{
      scene_id: string;
      start_s: number;
      end_s: number;
      transcript: string;
    }>(
      `SELECT scene_id, start_s, end_s, transcript FROM scenes s JOIN videos USING (video_id)
        WHERE video_id = $1 AND user_id = $2 AND state = 'indexed' ORDER BY idx`,
      [videos.get(v.key)!.videoId, userId],
    );
    if (rows.length !== v.scenes.length)
      say(`${v.key}: ${rows.length} scene(s) detected where ${v.scenes.length} were generated`);
    v.scenes.forEach((s, i) => {
      const [from, to] = [i * v.sceneSeconds, (i + 1) * v.sceneSeconds];
      const hit = rows.find((r) => (r.start_s + r.end_s) / 2 >= from && (r.start_s + r.end_s) / 2 < to);
      if (!hit) say(`${v.key}/${i}: no indexed scene covers ${from}–${to} s`);
      else {
        out.set(`${v.key}/${i}`, hit.scene_id);
        if (hit.transcript !== s.subtitle)
          say(`${v.key}/${i}: transcript "${hit.transcript}" ≠ "${s.subtitle}"`);
      }
    });
  }
  return out;
}

/** Sums over queries; `n` counts the queries each sum is over. */
interface Tally {
  answerable: { n: number; r1: number; r5: number; r10: number; mrr: number };
  /** Precision of what came back, over the answerable queries that got anything back. */
  precision: { n: number; p1: number; p5: number };
  /** Queries whose right answer is nothing (near-miss, negative): how many got nothing, and how much came back. */
  empty: Record<'near-miss' | 'negative', { n: number; empty: number; returned: number }>;
  /** Relevance of the first result, where the response has one: right answers vs the rest. */
  topRelevance: { right: number[]; wrong: number[] };
  byKind: Map<QueryKind, { n: number; mrr: number }>;
}
const newTally = (): Tally => ({
  answerable: { n: 0, r1: 0, r5: 0, r10: 0, mrr: 0 },
  precision: { n: 0, p1: 0, p5: 0 },
  empty: { 'near-miss': { n: 0, empty: 0, returned: 0 }, negative: { n: 0, empty: 0, returned: 0 } },
  topRelevance: { right: [], wrong: [] },
  byKind: new Map(),
});

const CONFIGS: { name: string; weights: Record<Signal, number> }[] = [
  { name: 'lexical only', weights: { lexical: 1, text: 0, vision: 0 } },
  { name: 'text only', weights: { lexical: 0, text: 1, vision: 0 } },
  { name: 'vision only', weights: { lexical: 0, text: 0, vision: 1 } },
  { name: 'fused (RRF, 1/1/1)', weights: { lexical: 1, text: 1, vision: 1 } },
];

/** With --held-out: each fold's text calibration, fitted on the other folds' queries. */
async function heldOutCalibrations(): Promise<{ fold: Map<EvalQuery, number>; byFold: VectorCalibration[] }> {
  const full = VECTOR_CALIBRATION[TEXT_MODEL];
  if (!full || full.provisional || modelSpec(TEXT_MODEL).tiny)
    throw new Error(`--held-out: ${TEXT_MODEL} has no measured calibration to refit`);
  const pairs = await labelledPairs(await loadTextEmbedder(TEXT_MODEL, { modelsDir: MODELS_DIR }));
  const fold = folds(QUERIES);
  const byFold = Array.from({ length: FOLDS }, (_, k) =>
    asCalibration(
      fitOn(
        pairs.filter((p) => fold.get(p.query) !== k),
        full.criterion ?? 'cosine',
        full.crossLanguage !== undefined,
      ),
      `held out: fold ${k}`,
    ),
  );
  say(
    `held out: ${FOLDS} folds, floors ${byFold
      .map((c) =>
        [c.floor, c.crossLanguage?.floor]
          .filter((x) => x !== undefined)
          .map((x) => x!.toFixed(2))
          .join('/'),
      )
      .join(', ')}`,
  );
  return { fold, byFold };
}
const heldOut = HELD_OUT ? await heldOutCalibrations() : undefined;
const fullCalibration = VECTOR_CALIBRATION[TEXT_MODEL];

const lib = DIRECT ? await directLibrary() : await pipelineLibrary();
try {
  const log = createLogger('eval-search', 'error');
  const embedders = lazyQueryEmbedders(
    { modelsDir: MODELS_DIR, textModel: TEXT_MODEL, visionModel: VISION_MODEL },
    log,
  );
  const results = new Map<string, Tally>();
  const misses: string[] = [];
  let signals: Record<string, string> = {};
  for (const config of CONFIGS) {
    const t = newTally();
    for (const query of QUERIES) {
      // The search service reads the calibration per request: this query's fold's, fitted without it.
      if (heldOut) VECTOR_CALIBRATION[TEXT_MODEL] = heldOut.byFold[heldOut.fold.get(query)!]!;
      const r = await search(
        {
          db: lib.pool,
          store: lib.store,
          embedders,
          weights: config.weights,
          artifactsBucket: lib.artifactsBucket,
          uploadsBucket: lib.uploadsBucket,
          log,
        },
        lib.userId,
        { q: query.q, limit: 10, filters: {} },
      );
      if (config.name.startsWith('fused')) signals = r.signals;
      const ranked = r.items.map((h) => lib.label.get(h.scene_id) ?? h.scene_id);
      const top = (r.items[0] as { relevance?: number } | undefined)?.relevance;
      tally(t, query, ranked, top);
      if (
        config.name.startsWith('fused') &&
        query.relevant.length > 0 &&
        !query.relevant.some((x) => ranked.slice(0, 10).includes(x))
      )
        misses.push(
          `  ${JSON.stringify(query.q)} (${query.kind}): wanted ${query.relevant.join(', ')}; got ${ranked.slice(0, 3).join(', ') || 'nothing'}`,
        );
      if (config.name.startsWith('fused') && query.relevant.length === 0 && ranked.length > 0)
        misses.push(
          `  ${JSON.stringify(query.q)} (${query.kind}): wanted nothing; got ${ranked.length}: ${ranked.slice(0, 3).join(', ')}`,
        );
    }
    results.set(config.name, t);
  }
  report(results, misses, signals);
} finally {
  if (fullCalibration) VECTOR_CALIBRATION[TEXT_MODEL] = fullCalibration;
  await lib.close();
  rmSync(dir, { recursive: true, force: true });
}

function tally(t: Tally, query: EvalQuery, ranked: string[], topRelevance: number | undefined) {
  const want = new Set(query.relevant);
  if (want.size === 0) {
    const e = t.empty[query.kind as 'near-miss' | 'negative'];
    e.n += 1;
    e.empty += ranked.length === 0 ? 1 : 0;
    e.returned += ranked.length;
    if (topRelevance !== undefined) t.topRelevance.wrong.push(topRelevance);
    return;
  }
  const at = (k: number) => ranked.slice(0, k).filter((x) => want.has(x)).length;
  const first = ranked.findIndex((x) => want.has(x));
  const mrr = first === -1 ? 0 : 1 / (first + 1);
  const a = t.answerable;
  a.n += 1;
  a.r1 += at(1) / want.size;
  a.r5 += at(5) / want.size;
  a.r10 += at(10) / want.size;
  a.mrr += mrr;
  if (ranked.length > 0) {
    t.precision.n += 1;
    t.precision.p1 += at(1);
    t.precision.p5 += at(5) / Math.min(5, ranked.length);
  }
  if (topRelevance !== undefined)
    (first === 0 ? t.topRelevance.right : t.topRelevance.wrong).push(topRelevance);
  const k = t.byKind.get(query.kind) ?? { n: 0, mrr: 0 };
  t.byKind.set(query.kind, { n: k.n + 1, mrr: k.mrr + mrr });
}

function report(results: Map<string, Tally>, misses: string[], signals: Record<string, string>) {
  const scenes = VIDEOS.reduce((a, v) => a + v.scenes.length, 0);
  const answerable = QUERIES.filter((q) => q.relevant.length > 0).length;
  const f = (x: number, n: number) => (n ? (x / n).toFixed(2) : '–').padStart(7);
  const stand = (m: string) => (modelSpec(m).tiny ? ' (random-weight stand-in)' : '');
  console.log(
    `\nScene search evaluation — ${VIDEOS.length} generated videos, ${scenes} scenes (Korean and English subtitle tracks, drawn text, one colour per scene), ${QUERIES.length} queries: ${answerable} with right answers, ${QUERIES.length - answerable} whose right answer is nothing`,
  );
  console.log(
    `Models: text ${TEXT_MODEL}${stand(TEXT_MODEL)}, vision ${VISION_MODEL}${stand(VISION_MODEL)} (MODELS_DIR ${MODELS_DIR}); ${DIRECT ? 'scenes indexed directly (--direct)' : 'through the pipeline, ASR_MODEL=none'}: transcripts are the subtitle lines; text calibration ${HELD_OUT ? `held out (${FOLDS} folds by query: each query searched with a fit made without it)` : 'in-sample (models/calibration.ts)'}.`,
  );
  for (const [signal, state] of Object.entries(signals)) console.log(`  ${signal}: ${state}`);
  console.log(
    `\n${'signals'.padEnd(22)}${['R@1', 'R@5', 'R@10', 'MRR', 'P@1', 'P@5', '∅ near', '∅ neg', 'n/neg'].map((h) => h.padStart(7)).join('')}`,
  );
  for (const [name, t] of results) {
    const a = t.answerable;
    const p = t.precision;
    const e = t.empty;
    console.log(
      `${name.padEnd(22)}${f(a.r1, a.n)}${f(a.r5, a.n)}${f(a.r10, a.n)}${f(a.mrr, a.n)}${f(p.p1, p.n)}${f(p.p5, p.n)}${f(e['near-miss'].empty, e['near-miss'].n)}${f(e.negative.empty, e.negative.n)}${f(e.negative.returned, e.negative.n)}`,
    );
  }
  console.log(
    'R@k, MRR: over the queries with right answers. P@k: right answers among the first k returned (fewer when fewer came back),\n' +
      'over the queries that got anything back. ∅ near / ∅ neg: share of near-miss / negative queries answered with nothing;\n' +
      'n/neg: scenes returned per negative query (limit 10).',
  );
  const fused = [...results.values()].at(-1)!;
  const mean = (xs: number[]) => (xs.length ? (xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(2) : '–');
  if (fused.topRelevance.right.length + fused.topRelevance.wrong.length > 0)
    console.log(
      `\nFused, relevance of the first result: ${mean(fused.topRelevance.right)} when it is a right answer (${fused.topRelevance.right.length}), ${mean(fused.topRelevance.wrong)} when it is not (${fused.topRelevance.wrong.length})`,
    );
  const kinds = [...new Set(QUERIES.filter((q) => q.relevant.length > 0).map((q) => q.kind))];
  console.log('\nMRR by query kind (queries per kind in brackets)');
  console.log(
    `${'signals'.padEnd(22)}${kinds.map((k) => `${k} (${QUERIES.filter((q) => q.kind === k).length})`.padStart(19)).join('')}`,
  );
  for (const [name, t] of results)
    console.log(
      `${name.padEnd(22)}${kinds
        .map((k) => {
          const s = t.byKind.get(k);
          return (s ? (s.mrr / s.n).toFixed(2) : '–').padStart(19);
        })
        .join('')}`,
    );
  if (misses.length) console.log(`\nFused, wrong answers:\n${misses.join('\n')}`);
}
