// Evaluation (not a test): search quality on a small labelled set of generated videos (scripts/eval/search-set.ts),
// ingested through the real pipeline stages into a throwaway database on the test bed, then searched with the
// real search service, one signal at a time and fused: recall@1/@5/@10 and MRR.
// Usage: npm run testbed -- up && npx tsx scripts/eval-search.ts
// Models: SEARCH_TEXT_MODEL, SEARCH_VISION_MODEL and MODELS_DIR (default: the tiny random models in models/tiny);
// the same models embed the scenes in the pipeline and the queries in search.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { lazyQueryEmbedders } from '../api/search/embedders.js';
import type { Signal } from '../api/search/query.js';
import { search } from '../api/search/service.js';
import { STAGE_NAMES, type StageName } from '../core/dag.js';
import { migrate } from '../core/db/migrate.js';
import { aUser, aVideo } from '../core/db/testing.js';
import { createLogger } from '../core/log.js';
import { STAGE_ENV } from '../core/stage-contract.js';
import { keys } from '../core/storage/store.js';
import { TINY_MODELS_DIR } from '../models/manifest.js';
import { runStage, storeFor, type TestVideo, uploadVideo } from '../test/support/pipeline-harness.js';
import { isUp, readState } from '../testbed/testbed.js';
import { renderEvalVideo } from './eval/media.js';
import { type EvalQuery, type EvalVideo, QUERIES, type QueryKind, VIDEOS } from './eval/search-set.js';

const MODELS_DIR = process.env.MODELS_DIR ?? TINY_MODELS_DIR;
const TEXT_MODEL = process.env.SEARCH_TEXT_MODEL ?? 'tiny-bge-m3';
const VISION_MODEL = process.env.SEARCH_VISION_MODEL ?? 'tiny-siglip2';
const TINY = TEXT_MODEL.startsWith('tiny-') && VISION_MODEL.startsWith('tiny-');
const say = (s: string) => process.stderr.write(`eval-search: ${s}\n`);

const state = readState();
if (!isUp(state)) throw new Error('the test bed is not up: run `npm run testbed -- up` first');
const adminUrl = state.env.TESTBED_POSTGRES_ADMIN_URL;
const dbName = `eval_search_${process.pid}_${Date.now()}`;
const dbUrl = adminUrl.replace(/\/[^/?]+(\?|$)/, `/${dbName}$1`);
const env: Record<string, string> = { ...state.env, DATABASE_URL: dbUrl };
const stageEnv = { MODELS_DIR, VISION_MODEL, TEXT_MODEL, ASR_MODEL: 'none' };
const store = storeFor(env);
const dir = mkdtempSync(join(tmpdir(), 'heimdex-eval-search-'));
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName} LC_CTYPE 'C.UTF-8' TEMPLATE template0`);
const pool = new pg.Pool({ connectionString: dbUrl, max: 4 });
const ingested: TestVideo[] = [];

/** Runs every stage in DAG order, as the operator would, leaving out those a Skipped stage skips. */
async function ingest(userId: string, v: EvalVideo): Promise<TestVideo> {
  const file = renderEvalVideo(dir, v);
  const video = await uploadVideo(store, env, file, { userId });
  ingested.push(video);
  await aVideo(pool, userId, {
    video_id: video.videoId,
    storage_key: video.sourceKey,
    state: 'processing',
    title: v.title,
  });
  const skipped = new Set<StageName>();
  for (const stage of STAGE_NAMES) {
    if ((stage === 'asr' && skipped.has('audio')) || (stage === 'embed-text' && skipped.has('asr'))) {
      skipped.add(stage);
      continue;
    }
    const run = await runStage(stage, video, env, { ...stageEnv, [STAGE_ENV.language]: v.language });
    if (run.exitCode !== 0) throw new Error(`${v.key}: stage ${stage} failed:\n${run.stdout}${run.stderr}`);
    if (run.result?.outcome === 'Skipped') skipped.add(stage);
  }
  return video;
}

/** Labelled `video/idx` → the indexed scene whose middle falls inside the labelled scene's time span. */
async function sceneIds(userId: string, videos: Map<string, TestVideo>): Promise<Map<string, string>> {
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

interface Scores {
  r1: number;
  r5: number;
  r10: number;
  mrr: number;
  n: number;
}
const CONFIGS: { name: string; weights: Record<Signal, number> }[] = [
  { name: 'lexical only', weights: { lexical: 1, text: 0, vision: 0 } },
  { name: 'text only', weights: { lexical: 0, text: 1, vision: 0 } },
  { name: 'vision only', weights: { lexical: 0, text: 0, vision: 1 } },
  { name: 'fused (RRF, 1/1/1)', weights: { lexical: 1, text: 1, vision: 1 } },
];

try {
  await migrate(dbUrl);
  const userId = await aUser(pool);
  say(
    `rendering and ingesting ${VIDEOS.length} videos through the pipeline (${TEXT_MODEL}, ${VISION_MODEL})`,
  );
  const t0 = Date.now();
  const videos = new Map<string, TestVideo>();
  // Two videos at a time: each stage is its own process, as in the cluster.
  for (let i = 0; i < VIDEOS.length; i += 2) {
    const pair = VIDEOS.slice(i, i + 2);
    const done = await Promise.all(pair.map((v) => ingest(userId, v)));
    for (const [j, v] of pair.entries()) videos.set(v.key, done[j]!);
  }
  say(`ingested in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const ids = await sceneIds(userId, videos);
  const label = new Map([...ids].map(([k, v]) => [v, k]));

  const log = createLogger('eval-search', 'warn');
  const embedders = lazyQueryEmbedders(
    { modelsDir: MODELS_DIR, textModel: TEXT_MODEL, visionModel: VISION_MODEL },
    log,
  );
  const results = new Map<string, Map<QueryKind | 'all', Scores>>();
  const misses: string[] = [];
  for (const config of CONFIGS) {
    const byKind = new Map<QueryKind | 'all', Scores>();
    const add = (kind: QueryKind | 'all', s: Omit<Scores, 'n'>) => {
      const a = byKind.get(kind) ?? { r1: 0, r5: 0, r10: 0, mrr: 0, n: 0 };
      byKind.set(kind, {
        r1: a.r1 + s.r1,
        r5: a.r5 + s.r5,
        r10: a.r10 + s.r10,
        mrr: a.mrr + s.mrr,
        n: a.n + 1,
      });
    };
    for (const query of QUERIES) {
      const r = await search(
        {
          db: pool,
          store,
          embedders,
          weights: config.weights,
          artifactsBucket: env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts',
          uploadsBucket: env.S3_BUCKET_UPLOADS ?? 'heimdex-uploads',
          log,
        },
        userId,
        { q: query.q, limit: 10, filters: {} },
      );
      const ranked = r.items.map((h) => label.get(h.scene_id) ?? h.scene_id);
      const s = score(query, ranked);
      add(query.kind, s);
      add('all', s);
      if (config.name.startsWith('fused') && s.r10 < 1)
        misses.push(
          `  ${JSON.stringify(query.q)} (${query.kind}): wanted ${query.relevant.join(', ')}; got ${ranked.slice(0, 3).join(', ') || 'nothing'}`,
        );
    }
    results.set(config.name, byKind);
  }
  report(results, misses, embedders.unavailable());
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  for (const v of ingested) {
    await store.deletePrefix(
      env.S3_BUCKET_UPLOADS ?? 'heimdex-uploads',
      keys.uploadsPrefix(v.userId, v.videoId),
    );
    await store.deletePrefix(
      env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts',
      keys.artifactsPrefix(v.userId, v.videoId),
    );
    await store.deletePrefix(
      env.S3_BUCKET_ARTIFACTS ?? 'heimdex-artifacts',
      keys.sidecarsPrefix(v.userId, v.videoId),
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Recall@k: the share of the query's correct scenes in the first k; reciprocal rank of the first correct one. */
function score(query: EvalQuery, ranked: string[]): Omit<Scores, 'n'> {
  const want = new Set(query.relevant);
  const at = (k: number) => ranked.slice(0, k).filter((x) => want.has(x)).length / want.size;
  const first = ranked.findIndex((x) => want.has(x));
  return { r1: at(1), r5: at(5), r10: at(10), mrr: first === -1 ? 0 : 1 / (first + 1) };
}

/** What a random ordering of all the user's scenes would score, in expectation: the floor to compare with. */
function chance(scenes: number): Scores {
  const choose = (n: number, k: number) => {
    let x = 1;
    for (let i = 0; i < k; i++) x = (x * (n - i)) / (i + 1);
    return x;
  };
  const out = { r1: 0, r5: 0, r10: 0, mrr: 0, n: QUERIES.length };
  for (const q of QUERIES) {
    const r = q.relevant.length;
    out.r1 += 1 / scenes;
    out.r5 += 5 / scenes;
    out.r10 += 10 / scenes;
    // P(first correct scene at rank i) = C(N − i, r − 1) / C(N, r).
    for (let i = 1; i <= scenes - r + 1; i++) out.mrr += choose(scenes - i, r - 1) / choose(scenes, r) / i;
  }
  return out;
}

function report(
  results: Map<string, Map<QueryKind | 'all', Scores>>,
  misses: string[],
  off: Partial<Record<'text' | 'vision', string>>,
) {
  const scenes = VIDEOS.reduce((a, v) => a + v.scenes.length, 0);
  const f = (x: number, n: number) => (x / n).toFixed(2).padStart(6);
  console.log(
    `\nScene search evaluation — ${VIDEOS.length} generated videos, ${scenes} scenes (Korean and English subtitle tracks, drawn text, one colour per scene), ${QUERIES.length} queries`,
  );
  console.log(
    `Models: text ${TEXT_MODEL}, vision ${VISION_MODEL} (MODELS_DIR ${MODELS_DIR}); ASR_MODEL=none: transcripts come from the subtitle tracks.`,
  );
  for (const [signal, why] of Object.entries(off)) console.log(`  ${signal} signal OFF: ${why}`);
  if (TINY)
    console.log(
      'NOTE: these are tiny RANDOM models: only the lexical signal can score meaningfully. The text and vision rows\n' +
        'measure the wiring, not quality: identical text gives an identical random vector (exact queries), and the\n' +
        'random text model still maps texts sharing sub-word tokens to somewhat similar vectors (a bag-of-tokens\n' +
        'matcher), which is all its partial/paraphrase score is; vision-only is about chance. Set SEARCH_TEXT_MODEL,\n' +
        'SEARCH_VISION_MODEL and MODELS_DIR (npm run models:fetch) to evaluate real models with the same harness.',
    );
  console.log(
    `\n${'signals'.padEnd(24)}${'R@1'.padStart(6)}${'R@5'.padStart(6)}${'R@10'.padStart(6)}${'MRR'.padStart(6)}`,
  );
  for (const [name, byKind] of results) {
    const a = byKind.get('all')!;
    console.log(`${name.padEnd(24)}${f(a.r1, a.n)}${f(a.r5, a.n)}${f(a.r10, a.n)}${f(a.mrr, a.n)}`);
  }
  const c = chance(scenes);
  console.log(
    `${'(chance: random order)'.padEnd(24)}${f(c.r1, c.n)}${f(c.r5, c.n)}${f(c.r10, c.n)}${f(c.mrr, c.n)}`,
  );
  const kinds: QueryKind[] = ['exact', 'partial', 'paraphrase', 'cross-lingual', 'visual'];
  console.log(`\nMRR by query kind (queries per kind in brackets)`);
  console.log(
    `${'signals'.padEnd(24)}${kinds.map((k) => `${k} (${QUERIES.filter((q) => q.kind === k).length})`.padStart(18)).join('')}`,
  );
  for (const [name, byKind] of results)
    console.log(
      `${name.padEnd(24)}${kinds
        .map((k) => {
          const s = byKind.get(k);
          return (s ? (s.mrr / s.n).toFixed(2) : '–').padStart(18);
        })
        .join('')}`,
    );
  if (misses.length) console.log(`\nFused misses (correct scene not in the top 10):\n${misses.join('\n')}`);
}
