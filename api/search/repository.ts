// The SQL of search: one ranked candidate list per signal, always restricted to the caller's indexed videos.

import type pg from 'pg';
import { castVec, SCENE_VECTOR, type VectorKind, vectorPredicate } from '../../core/db/vectors.js';
import type { SceneObject } from '../../core/scene-objects.js';
import { MAX_SCREEN_OBJECTS } from '../../core/screen-passages.js';
import type { Ranked } from './query.js';
import { GRAM_SHARE_FLOOR, GRAM_WEIGHT, type Needles } from './text.js';

export interface SearchFilters {
  videoIds?: string[];
  uploadedFrom?: Date;
  uploadedTo?: Date;
  /** Only scenes at least this long, in seconds. */
  minDurationS?: number;
}

/** The WHERE clause every signal shares; params start at $2 ($1 is the user id). */
function scope(f: SearchFilters, params: unknown[]): string {
  const where = ['v.user_id = $1', "v.state = 'indexed'"];
  if (f.videoIds?.length) where.push(`v.video_id = ANY($${params.push(f.videoIds)}::uuid[])`);
  if (f.uploadedFrom) where.push(`v.created_at >= $${params.push(f.uploadedFrom)}`);
  if (f.uploadedTo) where.push(`v.created_at < $${params.push(f.uploadedTo)}`);
  if (f.minDurationS !== undefined) where.push(`s.end_s - s.start_s >= $${params.push(f.minDurationS)}`);
  return where.join(' AND ');
}

/**
 * Lexical matching on the normalised transcript, on-screen text and object names (migrations 0007, 0009 and 0012;
 * joined by a '|', which normalised text never holds, so no phrase runs from one into the next; the needles and the
 * arithmetic are explained in text.ts, whose lexicalScore() is the same sum in TypeScript). Only scenes with a
 * real match come back: a term found whole, or enough of its n-grams. Per term the best exact hit counts, else the share of its n-grams found
 * (× GRAM_WEIGHT, when the share reaches GRAM_SHARE_FLOOR and the first n-gram is found); the scene's score is the weighted mean over terms, or 1
 * when the whole query without spaces occurs in the transcript without spaces.
 */
export async function lexical(
  db: pg.ClientBase,
  userId: string,
  query: { phrase: string; needles: Needles },
  f: SearchFilters,
  k: number,
): Promise<Ranked[]> {
  const n = query.needles;
  if (n.needle.length === 0 && [...query.phrase].length < 2) return [];
  const params: unknown[] = [userId];
  const where = scope(f, params);
  const [t, nd, c, val, w, pr] = [n.term, n.needle, n.compact, n.value, n.weight, n.probe].map((a) =>
    params.push(a),
  );
  const phrase = params.push(query.phrase);
  const { rows } = await db.query<{ scene_id: string; score: number }>(
    `WITH needles AS (
       SELECT * FROM unnest($${t}::int[], $${nd}::text[], $${c}::bool[], $${val}::float8[], $${w}::float8[],
                            $${pr}::bool[])
                  AS q(term, needle, in_compact, value, weight, probe)),
     all_mine AS (
       SELECT s.scene_id,
              ' ' || s.transcript_norm || ' | ' || s.screen_text_norm || ' | ' || s.object_labels_norm || ' '
                AS spaced,
              replace(s.transcript_norm, ' ', '') || '|' || replace(s.screen_text_norm, ' ', '') || '|' ||
                replace(s.object_labels_norm, ' ', '') AS flat
         FROM scenes s JOIN videos v ON v.video_id = s.video_id
        WHERE ${where} AND (s.transcript_norm <> '' OR s.screen_text_norm <> '' OR s.object_labels_norm <> '')),
     -- Only scenes where a meaningful term is found whole, or its anchoring n-gram is, can score: the rest is
     -- dropped with a few strpos() calls before the per-term arithmetic (a phrase match implies a term match).
     mine AS MATERIALIZED (
       SELECT m.* FROM all_mine m
        WHERE EXISTS (SELECT 1 FROM needles q
                       WHERE q.weight > 0 AND q.probe
                         AND strpos(CASE WHEN q.in_compact THEN m.flat ELSE m.spaced END, q.needle) > 0)),
     per_term AS (
       SELECT m.scene_id, q.term, max(q.weight) AS weight,
              coalesce(max(q.value) FILTER (WHERE q.value > 0 AND hit), 0) AS exact,
              CASE WHEN bool_or(q.value = -2 AND hit)
                   THEN (count(*) FILTER (WHERE q.value < 0 AND hit))::float8
                        / nullif(count(*) FILTER (WHERE q.value < 0), 0) END AS share
         FROM mine m CROSS JOIN needles q
         CROSS JOIN LATERAL (SELECT strpos(CASE WHEN q.in_compact THEN m.flat ELSE m.spaced END, q.needle) > 0
                               AS hit) h
        GROUP BY m.scene_id, q.term),
     -- One pass over per_term grouped by scene (a correlated subquery per scene rescanned it: quadratic).
     per_scene AS (
       SELECT p.scene_id,
              sum(p.weight * greatest(p.exact,
                    CASE WHEN p.share >= ${GRAM_SHARE_FLOOR} THEN p.share * ${GRAM_WEIGHT} ELSE 0 END))
                / nullif(sum(p.weight), 0) AS score
         FROM per_term p GROUP BY p.scene_id),
     scored AS (
       SELECT m.scene_id,
              CASE WHEN length($${phrase}) >= 2 AND strpos(m.flat, $${phrase}) > 0 THEN 1 ELSE t.score END AS score
         FROM mine m JOIN per_scene t USING (scene_id))
     SELECT scene_id, score::float8 AS score FROM scored WHERE score > 0
      ORDER BY score DESC, scene_id
      LIMIT $${params.push(k)}`,
    params,
  );
  return rows.map((r) => ({ sceneId: r.scene_id, score: r.score }));
}

/**
 * Up to this many candidate rows (the caller's scenes after the filters), nearest() ranks them exactly:
 * ~1–5 ms at 1024 dimensions, and recall 1.0, where the HNSW index would be both slower and, for a small
 * share of a large table, far less exact (a user with 100 scenes among a million: recall@10 0.13 when
 * the iterative scan reaches max_scan_tuples; scripts/bench-search.ts).
 */
export const EXACT_MAX_ROWS = 10_000;

/**
 * Frames one scene may have (the pipeline's KEYFRAME_MAX_PER_SCENE default): the index walk over a model's picture
 * vectors asks for k × (this + the scene's pooled one), so k distinct scenes usually come back without the exact
 * fallback.
 */
export const FRAMES_PER_SCENE = 8;

/** Screen vectors one scene may have (core/screen-passages.ts: its screen text, two names per object). */
export const SCREEN_PASSAGES_PER_SCENE = 1 + 2 * MAX_SCREEN_OBJECTS;

/** The models whose vectors of one kind serve the caller's indexed videos (one; two while a re-embed runs). */
export async function servingModels(
  db: pg.ClientBase | pg.Pool,
  userId: string,
  kind: VectorKind,
  f: Pick<SearchFilters, 'videoIds'> = {},
): Promise<{ model: string; dims: number }[]> {
  const params: unknown[] = [userId, kind];
  const only = f.videoIds?.length ? ` AND v.video_id = ANY($${params.push(f.videoIds)}::uuid[])` : '';
  const { rows } = await db.query<{ model: string; dims: number }>(
    `SELECT w.model, w.dims FROM video_vectors w JOIN videos v ON v.video_id = w.video_id
      WHERE v.user_id = $1 AND v.state = 'indexed' AND w.kind = $2${only}
      GROUP BY w.model, w.dims ORDER BY count(*) DESC, w.model`,
    params,
  );
  return rows;
}

/**
 * Nearest scenes by cosine distance among one model's vectors of one kind (scene_vectors, migration 0010; the
 * query vector must be that model's). Each (model, kind, dimension) has its own partial HNSW index over
 * `vec::vector(dims)` (core/db/vectors.ts), and the query repeats its cast and predicate, so the planner can use
 * it. Pictures are searched frame by frame: a scene's image vectors are those of every frame it was looked at and
 * its pooled one, and a scene ranks by its best one, so something seen only in a long scene's first seconds still
 * finds it (a mean alone dilutes it). A caller with few candidate rows gets them ranked exactly; one with many goes
 * through the HNSW index, where pgvector 0.8's iterative index scan keeps looking past the first ef_search
 * candidates until enough rows pass the per-user filter (relaxed order: re-sorted below). Must run inside a
 * transaction for SET LOCAL.
 */
export async function nearest(
  db: pg.ClientBase,
  vectors: { kind: VectorKind; model: string },
  userId: string,
  vector: Float32Array,
  f: SearchFilters,
  k: number,
  opts: { maxScanTuples?: number; exactMaxRows?: number } = {},
): Promise<Ranked[]> {
  const dims = vector.length;
  if (!Number.isInteger(dims) || dims < 1) throw new RangeError('the query vector is empty');
  const params: unknown[] = [userId];
  const where = scope(f, params);
  const v = params.push(`[${Array.from(vector).join(',')}]`);
  const limit = params.push(k);
  const q = `$${v}::vector(${dims})`;
  const perScene =
    vectors.kind === 'image'
      ? FRAMES_PER_SCENE + 1
      : vectors.kind === 'screen'
        ? SCREEN_PASSAGES_PER_SCENE
        : 1;
  // The scene row only when a filter needs it (its length): the vector row knows its video.
  const scenes = f.minDurationS !== undefined ? 'JOIN scenes s ON s.scene_id = sv.scene_id' : '';
  const candidates = `FROM scene_vectors sv ${scenes}
        JOIN videos v ON v.video_id = sv.video_id
       WHERE ${where} AND ${vectorPredicate('sv', vectors.model, vectors.kind, dims)}`;
  const distance = `${castVec('sv', dims)} <=> ${q}`;
  const exactMax = opts.exactMaxRows ?? EXACT_MAX_ROWS;
  // Counting stops one past the bound, so a heavy user costs a bounded index walk, not a full count.
  const counted = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 ${candidates} LIMIT ${exactMax + 1}) c`,
    params.slice(0, v - 1),
  );
  const few = counted.rows[0]!.n <= exactMax;
  // A scene's distance is its nearest vector's.
  const best = (found: string) =>
    `SELECT scene_id, min(distance)::float8 AS distance FROM (${found}) x
      GROUP BY scene_id ORDER BY distance, scene_id LIMIT $${limit}`;
  if (!few) {
    await db.query(`SET LOCAL hnsw.iterative_scan = relaxed_order`);
    // pgvector stops an iterative scan after 20,000 tuples by default; a user holding 0.1% of 100k
    // scenes then got recall@10 of about 0.6 when the planner walked the index (scripts/bench-search.ts).
    await db.query(`SET LOCAL hnsw.max_scan_tuples = ${Math.trunc(opts.maxScanTuples ?? 200_000)}`);
    await db.query(`SET LOCAL hnsw.ef_search = ${Math.max(40, Math.min(1000, k * 2))}`);
    const { rows } = await db.query<{ scene_id: string; distance: number }>(
      `WITH walk AS MATERIALIZED (
         SELECT sv.scene_id, ${distance} AS distance ${candidates}
          ORDER BY ${distance} LIMIT $${limit} * ${perScene})
       ${best('SELECT * FROM walk')}`,
      params,
    );
    // Fewer than k from the index means the scan gave up early: fall through to the exact ranking.
    if (rows.length === k) return rows.map((r) => ({ sceneId: r.scene_id, score: 1 - r.distance }));
  }
  // Exact: the caller's rows through the videos index, a distance for each; MATERIALIZED keeps the
  // planner from handing the ORDER BY to the HNSW index.
  const { rows } = await db.query<{ scene_id: string; distance: number }>(
    `WITH mine AS MATERIALIZED (SELECT sv.scene_id, ${distance} AS distance ${candidates})
     ${best('SELECT * FROM mine')}`,
    params,
  );
  return rows.map((r) => ({ sceneId: r.scene_id, score: 1 - r.distance }));
}

export interface SceneDetail {
  scene_id: string;
  video_id: string;
  idx: number;
  start_s: number;
  end_s: number;
  transcript: string;
  /** The scene's on-screen text lines, joined by newlines ('' when none were read). */
  screen_text: string;
  /** The objects seen (the objects stage's vision_tags), or null when none were looked for. */
  vision_tags: SceneObject[] | null;
  thumbnail_key: string | null;
  title: string;
  storage_key: string;
  mime_type: string | null;
  filename: string | null;
}

const DETAIL = `SELECT s.scene_id, s.video_id, s.idx, s.start_s, s.end_s, s.transcript, s.screen_text, s.vision_tags,
                       s.thumbnail_key,
                       v.title, v.storage_key, v.mime_type, v.filename
                  FROM scenes s JOIN videos v ON v.video_id = s.video_id`;

export async function details(
  db: pg.ClientBase | pg.Pool,
  userId: string,
  sceneIds: string[],
): Promise<Map<string, SceneDetail>> {
  if (sceneIds.length === 0) return new Map();
  const { rows } = await db.query<SceneDetail>(
    `${DETAIL} WHERE v.user_id = $1 AND s.scene_id = ANY($2::uuid[])`,
    [userId, sceneIds],
  );
  return new Map(rows.map((r) => [r.scene_id, r]));
}

/** One scene of the caller's (indexed or not), or undefined: another user's scene id is not found. */
export async function sceneOf(
  db: pg.Pool,
  userId: string,
  sceneId: string,
): Promise<SceneDetail | undefined> {
  const { rows } = await db.query<SceneDetail>(
    `${DETAIL} WHERE v.user_id = $1 AND s.scene_id = $2 AND v.state <> 'deleted'`,
    [userId, sceneId],
  );
  return rows[0];
}

export async function scenesOfVideo(db: pg.Pool, userId: string, videoId: string): Promise<SceneDetail[]> {
  const { rows } = await db.query<SceneDetail>(
    `${DETAIL} WHERE v.user_id = $1 AND v.video_id = $2 AND v.state <> 'deleted' ORDER BY s.idx`,
    [userId, videoId],
  );
  return rows;
}

/**
 * Some of the caller's scenes' own vectors of one model and kind (pgvector text), with their transcripts: what the
 * text signal's standout reads (relevance.ts).
 */
export async function storedVectorsOf(
  db: pg.ClientBase,
  userId: string,
  vectors: { kind: VectorKind; model: string },
  sceneIds: string[],
): Promise<{ scene_id: string; vec: string; transcript: string }[]> {
  if (sceneIds.length === 0) return [];
  const { rows } = await db.query<{ scene_id: string; vec: string; transcript: string }>(
    `SELECT sv.scene_id, sv.vec::text AS vec, s.transcript
       FROM scene_vectors sv JOIN scenes s ON s.scene_id = sv.scene_id JOIN videos v ON v.video_id = s.video_id
      WHERE v.user_id = $1 AND sv.scene_id = ANY($2::uuid[]) AND sv.model = $3 AND sv.kind = $4
        AND sv.idx = ${SCENE_VECTOR}`,
    [userId, sceneIds, vectors.model, vectors.kind],
  );
  return rows;
}

/**
 * Every screen vector (one per passage: core/screen-passages.ts) of some of the caller's scenes, of one model, with
 * the scene's screen text (whose letters give the screen-text passage's language).
 */
export async function storedScreenVectorsOf(
  db: pg.ClientBase,
  userId: string,
  model: string,
  sceneIds: string[],
): Promise<{ scene_id: string; idx: number; vec: string; screen_text: string }[]> {
  if (sceneIds.length === 0) return [];
  const { rows } = await db.query<{ scene_id: string; idx: number; vec: string; screen_text: string }>(
    `SELECT sv.scene_id, sv.idx, sv.vec::text AS vec, s.screen_text
       FROM scene_vectors sv JOIN scenes s ON s.scene_id = sv.scene_id JOIN videos v ON v.video_id = s.video_id
      WHERE v.user_id = $1 AND sv.scene_id = ANY($2::uuid[]) AND sv.model = $3 AND sv.kind = 'screen'
      ORDER BY sv.scene_id, sv.idx`,
    [userId, sceneIds, model],
  );
  return rows;
}

/** What orders equal scores after relevance: the video's upload time and where the scene starts in it. */
export async function orderKeysOf(
  db: pg.ClientBase | pg.Pool,
  userId: string,
  sceneIds: string[],
): Promise<Map<string, { uploaded: number; start_s: number }>> {
  if (sceneIds.length === 0) return new Map();
  const { rows } = await db.query<{ scene_id: string; created_at: Date; start_s: number }>(
    `SELECT s.scene_id, v.created_at, s.start_s FROM scenes s JOIN videos v ON v.video_id = s.video_id
      WHERE v.user_id = $1 AND s.scene_id = ANY($2::uuid[])`,
    [userId, sceneIds],
  );
  return new Map(rows.map((r) => [r.scene_id, { uploaded: r.created_at.getTime(), start_s: r.start_s }]));
}
