// videos, uploads and jobs rows as the API reads and writes them; every query is scoped to the caller.
import type pg from 'pg';
import type { Cursor } from '../cursor.js';

export type VideoState = 'uploading' | 'validating' | 'processing' | 'indexed' | 'failed' | 'deleted';

export interface VideoRow {
  video_id: string;
  user_id: string;
  title: string;
  description: string | null;
  filename: string | null;
  storage_key: string;
  mime_type: string | null;
  size_bytes: string | null;
  duration_s: number | null;
  state: VideoState;
  error_text: string | null;
  error_category: 'BadInput' | 'Transient' | 'Internal' | null;
  created_at: Date;
  updated_at: Date;
}

export interface UploadRow {
  video_id: string;
  multipart_id: string | null;
  part_size: string | null;
  part_count: number | null;
  language: string | null;
  expires_at: Date;
}

type Db = pg.Pool | pg.PoolClient;

export async function insertVideoWithUpload(
  db: pg.Pool,
  v: Pick<
    VideoRow,
    'video_id' | 'user_id' | 'title' | 'description' | 'filename' | 'storage_key' | 'mime_type'
  > & {
    size_bytes: number;
  },
  upload: Omit<UploadRow, 'video_id' | 'part_size'> & { part_size: number | null },
): Promise<VideoRow> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<VideoRow>(
      `INSERT INTO videos (video_id, user_id, title, description, filename, storage_key, mime_type, size_bytes, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'uploading') RETURNING *`,
      [v.video_id, v.user_id, v.title, v.description, v.filename, v.storage_key, v.mime_type, v.size_bytes],
    );
    await client.query(
      `INSERT INTO uploads (video_id, multipart_id, part_size, part_count, language, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        v.video_id,
        upload.multipart_id,
        upload.part_size,
        upload.part_count,
        upload.language,
        upload.expires_at,
      ],
    );
    await client.query('COMMIT');
    return rows[0]!;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** The caller's video; another user's id is indistinguishable from a missing one. */
export async function findVideo(db: Db, userId: string, videoId: string): Promise<VideoRow | undefined> {
  const { rows } = await db.query<VideoRow>('SELECT * FROM videos WHERE video_id = $1 AND user_id = $2', [
    videoId,
    userId,
  ]);
  return rows[0];
}

export async function findUpload(db: Db, videoId: string): Promise<UploadRow | undefined> {
  const { rows } = await db.query<UploadRow>('SELECT * FROM uploads WHERE video_id = $1', [videoId]);
  return rows[0];
}

/**
 * Moves a video from one state to another only if it is still in `from`; returns the row when this
 * call made the move, undefined when someone else already had (so callers can be idempotent).
 */
export async function transition(
  db: Db,
  userId: string,
  videoId: string,
  from: VideoState[],
  to: VideoState,
  error?: { text: string; category: 'BadInput' | 'Transient' | 'Internal' },
): Promise<VideoRow | undefined> {
  const { rows } = await db.query<VideoRow>(
    `UPDATE videos SET state = $4, error_text = $5, error_category = $6
     WHERE video_id = $1 AND user_id = $2 AND state = ANY($3::text[]) RETURNING *`,
    [videoId, userId, from, to, error?.text ?? null, error?.category ?? null],
  );
  return rows[0];
}

export async function deleteUpload(db: Db, videoId: string): Promise<void> {
  await db.query('DELETE FROM uploads WHERE video_id = $1', [videoId]);
}

export async function listVideos(
  db: Db,
  userId: string,
  opts: { state?: VideoState; limit: number; after?: Cursor },
): Promise<VideoRow[]> {
  const params: unknown[] = [userId, opts.limit];
  let where = 'user_id = $1';
  if (opts.state) {
    params.push(opts.state);
    where += ` AND state = $${params.length}`;
  } else {
    where += ` AND state <> 'deleted'`;
  }
  if (opts.after) {
    params.push(opts.after.createdAt, opts.after.id);
    where += ` AND (created_at, video_id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  const { rows } = await db.query<VideoRow>(
    `SELECT * FROM videos WHERE ${where} ORDER BY created_at DESC, video_id DESC LIMIT $2`,
    params,
  );
  return rows;
}

export async function expiredUploads(
  db: Db,
  now: Date,
  limit = 100,
): Promise<(UploadRow & { user_id: string; storage_key: string })[]> {
  const { rows } = await db.query(
    `SELECT u.*, v.user_id, v.storage_key FROM uploads u JOIN videos v USING (video_id)
     WHERE u.expires_at < $1 AND v.state = 'uploading' ORDER BY u.expires_at LIMIT $2`,
    [now, limit],
  );
  return rows;
}
