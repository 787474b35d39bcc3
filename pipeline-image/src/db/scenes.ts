// The index stage's side effects in Postgres: a video's scenes replaced in one transaction, the video marked indexed.
import { createHash } from 'node:crypto';
import type pg from 'pg';

export interface SceneRow {
  idx: number;
  startS: number;
  endS: number;
  transcript: string;
  textVec?: ArrayLike<number> | null;
  imageVec?: ArrayLike<number> | null;
  /** The image vector of every frame the scene was looked at (scene_frames), in time order. */
  frames?: readonly { atS: number; imageVec: ArrayLike<number> }[];
  visionTags?: unknown;
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

/**
 * Replaces the scenes of one video and marks it indexed, all or nothing. Rows at existing positions are
 * updated in place (their ids stay), extra rows from a longer earlier run are deleted.
 */
export async function replaceScenes(
  pool: pg.Pool,
  video: { videoId: string; userId: string; durationS: number },
  scenes: readonly SceneRow[],
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const found = await client.query('SELECT user_id FROM videos WHERE video_id = $1 FOR UPDATE', [
      video.videoId,
    ]);
    if (found.rowCount === 0 || found.rows[0].user_id !== video.userId) {
      throw new VideoGone(`video ${video.videoId} of user ${video.userId} is not in the database (deleted?)`);
    }
    // Frames are replaced whole: a rerun may look at a scene with fewer frames.
    await client.query(
      'DELETE FROM scene_frames f USING scenes s WHERE f.scene_id = s.scene_id AND s.video_id = $1',
      [video.videoId],
    );
    for (const s of scenes) {
      await client.query(
        `INSERT INTO scenes (scene_id, video_id, idx, start_s, end_s, transcript, text_vec, image_vec,
                             vision_tags, thumbnail_key, sidecar_key, screen_text, screen_lines)
         VALUES ($1, $2, $3, $4, $5, $6, $7::vector, $8::vector, $9::jsonb, $10, $11, $12, $13::jsonb)
         ON CONFLICT (video_id, idx) DO UPDATE SET
           start_s = EXCLUDED.start_s, end_s = EXCLUDED.end_s, transcript = EXCLUDED.transcript,
           text_vec = EXCLUDED.text_vec, image_vec = EXCLUDED.image_vec, vision_tags = EXCLUDED.vision_tags,
           thumbnail_key = EXCLUDED.thumbnail_key, sidecar_key = EXCLUDED.sidecar_key,
           screen_text = EXCLUDED.screen_text, screen_lines = EXCLUDED.screen_lines`,
        [
          sceneId(video.videoId, s.idx),
          video.videoId,
          s.idx,
          s.startS,
          s.endS,
          s.transcript.normalize('NFC'),
          vectorLiteral(s.textVec),
          vectorLiteral(s.imageVec),
          s.visionTags === undefined ? null : JSON.stringify(s.visionTags),
          s.thumbnailKey ?? null,
          s.sidecarKey ?? null,
          (s.screenLines ?? []).map((l) => l.text.normalize('NFC')).join('\n'),
          s.screenLines === undefined ? null : JSON.stringify(s.screenLines),
        ],
      );
      if (s.frames?.length)
        await client.query(
          `INSERT INTO scene_frames (scene_id, idx, at_s, image_vec)
           SELECT $1, f.i - 1, f.at, f.vec::vector
             FROM unnest($2::float8[], $3::text[]) WITH ORDINALITY AS f(at, vec, i)`,
          [
            sceneId(video.videoId, s.idx),
            s.frames.map((f) => f.atS),
            s.frames.map((f) => vectorLiteral(f.imageVec)),
          ],
        );
    }
    await client.query('DELETE FROM scenes WHERE video_id = $1 AND idx >= $2', [
      video.videoId,
      scenes.length,
    ]);
    await client.query(
      `UPDATE videos SET state = 'indexed', duration_s = $2, error_text = NULL WHERE video_id = $1`,
      [video.videoId, video.durationS],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
