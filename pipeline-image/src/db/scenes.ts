// The index stage's side effects in Postgres: a video's scenes and their vectors replaced in one transaction, the
// video marked indexed.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ensureVectorIndex, SCENE_VECTOR, VECTOR_KINDS, type VectorKind } from '../../../core/db/vectors.js';
import { committing } from '../stop.js';

export interface SceneRow {
  idx: number;
  startS: number;
  endS: number;
  transcript: string;
  textVec?: ArrayLike<number> | null;
  imageVec?: ArrayLike<number> | null;
  /** The text model's vectors of what the scene shows (its screen text, its objects' names), by passage idx. */
  screenVecs?: readonly { idx: number; vec: ArrayLike<number> }[];
  /** The image vector of every frame the scene was looked at (scene_frames), in time order. */
  frames?: readonly { atS: number; imageVec: ArrayLike<number> }[];
  /** The objects seen (the objects stage's, one entry per label), kept whole in vision_tags. */
  visionTags?: unknown;
  /** What lexical search matches those objects by (their names in English and Korean), in object_labels. */
  objectLabels?: string;
  /** The text lines on screen (the ocr stage's), kept whole in screen_lines and joined in screen_text. */
  screenLines?: readonly { text: string }[];
  thumbnailKey?: string | null;
  sidecarKey?: string | null;
}

export class VideoGone extends Error {
  override readonly name = 'VideoGone';
}

/**
 * A scene's id from its video and position (a name-based UUID, version 5 layout): a rerun keeps the ids
 * that previews, bookmarks and scene_people rows refer to.
 */
export function sceneId(videoId: string, idx: number): string {
  const h = createHash('sha1').update(`heimdex:scene:${videoId}:${idx}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

export const vectorLiteral = (v: ArrayLike<number> | null | undefined): string | null =>
  v ? `[${Array.from(v, (x) => (Number.isFinite(x) ? x : 0)).join(',')}]` : null;

/** The model that made each kind of vector the rows carry; a kind without one has no vectors. */
export type VectorModels = Partial<Record<VectorKind, { name: string; dims: number }>>;

/** One kind's vectors of every scene, as unnest() arrays. */
function vectorsOf(videoId: string, scenes: readonly SceneRow[], kind: VectorKind) {
  const out = {
    scene: [] as string[],
    idx: [] as number[],
    at: [] as (number | null)[],
    vec: [] as string[],
  };
  const add = (s: SceneRow, idx: number, at: number | null, v: ArrayLike<number> | null | undefined) => {
    const lit = vectorLiteral(v);
    if (!lit) return;
    out.scene.push(sceneId(videoId, s.idx));
    out.idx.push(idx);
    out.at.push(at);
    out.vec.push(lit);
  };
  for (const s of scenes) {
    if (kind === 'text') add(s, SCENE_VECTOR, null, s.textVec);
    else if (kind === 'screen') for (const p of s.screenVecs ?? []) add(s, p.idx, null, p.vec);
    else {
      add(s, SCENE_VECTOR, null, s.imageVec);
      for (const [i, f] of (s.frames ?? []).entries()) add(s, i, f.atS, f.imageVec);
    }
  }
  return out;
}

/**
 * Replaces the scenes of one video and their vectors and marks it indexed, all or nothing. Rows at existing
 * positions are updated in place (their ids stay), extra rows from a longer earlier run are deleted. Each kind's
 * vectors are replaced whole, whatever model made the old ones: this transaction is the moment a video switches to
 * a new model (search reads video_vectors to know which), and the old model's vectors go with it.
 */
export async function replaceScenes(
  pool: pg.Pool,
  video: { videoId: string; userId: string; durationS: number },
  scenes: readonly SceneRow[],
  models: VectorModels = {},
): Promise<void> {
  // Outside the transaction: the embedded Postgres serializes connections, and an index is built once per model.
  for (const [kind, m] of Object.entries(models) as [VectorKind, { name: string; dims: number }][])
    await ensureVectorIndex(pool, m.name, kind, m.dims);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const found = await client.query('SELECT user_id FROM videos WHERE video_id = $1 FOR UPDATE', [
      video.videoId,
    ]);
    if (found.rowCount === 0 || found.rows[0].user_id !== video.userId) {
      throw new VideoGone(`video ${video.videoId} of user ${video.userId} is not in the database (deleted?)`);
    }
    for (const s of scenes) {
      await client.query(
        `INSERT INTO scenes (scene_id, video_id, idx, start_s, end_s, transcript,
                             vision_tags, thumbnail_key, sidecar_key, screen_text, screen_lines, object_labels)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11::jsonb, $12)
         ON CONFLICT (video_id, idx) DO UPDATE SET
           start_s = EXCLUDED.start_s, end_s = EXCLUDED.end_s, transcript = EXCLUDED.transcript,
           vision_tags = EXCLUDED.vision_tags,
           thumbnail_key = EXCLUDED.thumbnail_key, sidecar_key = EXCLUDED.sidecar_key,
           screen_text = EXCLUDED.screen_text, screen_lines = EXCLUDED.screen_lines,
           object_labels = EXCLUDED.object_labels`,
        [
          sceneId(video.videoId, s.idx),
          video.videoId,
          s.idx,
          s.startS,
          s.endS,
          s.transcript.normalize('NFC'),
          s.visionTags === undefined ? null : JSON.stringify(s.visionTags),
          s.thumbnailKey ?? null,
          s.sidecarKey ?? null,
          (s.screenLines ?? []).map((l) => l.text.normalize('NFC')).join('\n'),
          s.screenLines === undefined ? null : JSON.stringify(s.screenLines),
          (s.objectLabels ?? '').normalize('NFC'),
        ],
      );
    }
    await client.query('DELETE FROM scenes WHERE video_id = $1 AND idx >= $2', [
      video.videoId,
      scenes.length,
    ]);
    for (const kind of VECTOR_KINDS) await writeVectors(client, video.videoId, scenes, kind, models);
    await client.query(
      `UPDATE videos SET state = 'indexed', duration_s = $2, error_text = NULL WHERE video_id = $1`,
      [video.videoId, video.durationS],
    );
    // From here the video is indexed, whatever stops the program: a SIGTERM now lets the run finish (stop.ts).
    committing();
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** One kind's vectors of the video, replaced whole (every model's), and video_vectors saying whose they are now. */
async function writeVectors(
  client: pg.PoolClient,
  videoId: string,
  scenes: readonly SceneRow[],
  kind: VectorKind,
  models: VectorModels,
): Promise<void> {
  await client.query('DELETE FROM scene_vectors WHERE video_id = $1 AND kind = $2', [videoId, kind]);
  const model = models[kind];
  const rows = vectorsOf(videoId, scenes, kind);
  if (!model || rows.vec.length === 0) {
    await client.query('DELETE FROM video_vectors WHERE video_id = $1 AND kind = $2', [videoId, kind]);
    return;
  }
  await client.query(
    `INSERT INTO scene_vectors (scene_id, video_id, model, kind, idx, at_s, vec)
     SELECT r.scene, $7, $1, $2, r.idx, r.at, r.vec::vector
       FROM unnest($3::uuid[], $4::int[], $5::float8[], $6::text[]) AS r(scene, idx, at, vec)`,
    [model.name, kind, rows.scene, rows.idx, rows.at, rows.vec, videoId],
  );
  await client.query(
    `INSERT INTO video_vectors (video_id, kind, model, dims) VALUES ($1, $2, $3, $4)
     ON CONFLICT (video_id, kind) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims, written_at = now()`,
    [videoId, kind, model.name, model.dims],
  );
}
