// For unit tests that need a real database: a fresh migrated embedded Postgres and small row builders.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.js';
import { migrate } from './migrate.js';

/** Takes a few seconds (PGlite initializes a cluster); start one per test file, in beforeAll. */
export async function startMigratedDatabase(): Promise<EmbeddedPostgres> {
  const db = await startEmbeddedPostgres();
  try {
    await migrate(db.url);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** A pgvector literal of `dim` dimensions, zero except where `at` says (index → value). */
export function vectorLiteral(dim: number, at: Record<number, number>): string {
  const v = new Array<number>(dim).fill(0);
  for (const [i, x] of Object.entries(at)) v[Number(i)] = x;
  return `[${v.join(',')}]`;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

/** Inserts one row of `fields` into `table`, returning its column `returning`; names come from test code, values are parameters. */
export async function insertRow(
  sql: Queryable,
  table: string,
  fields: Record<string, unknown>,
  returning: string,
): Promise<string> {
  const names = Object.keys(fields);
  const { rows } = await sql.query(
    `insert into ${table} (${names.join(', ')}) values (${names.map((_, i) => `$${i + 1}`).join(', ')})
     returning ${returning}`,
    Object.values(fields),
  );
  return rows[0][returning];
}

export const aUser = (sql: Queryable, fields: Record<string, unknown> = {}) =>
  insertRow(sql, 'users', { auth_user_id: `sub-${randomUUID()}`, ...fields }, 'user_id');

export const aVideo = (sql: Queryable, userId: string, fields: Record<string, unknown> = {}) =>
  insertRow(
    sql,
    'videos',
    { user_id: userId, storage_key: `uploads/${randomUUID()}`, ...fields },
    'video_id',
  );

/** The model name test rows' vectors are written under unless they name one. */
export const TEST_VECTOR_MODEL = 'test-vectors';

/**
 * One vector of a scene in scene_vectors (migration 0010), and video_vectors saying the video has that model's
 * vectors of that kind. `vec` is a pgvector literal.
 */
export async function aSceneVector(
  sql: Queryable,
  sceneId: string,
  v: { vec: string; kind?: 'text' | 'image' | 'screen'; model?: string; idx?: number; atS?: number },
): Promise<void> {
  const kind = v.kind ?? 'text';
  const model = v.model ?? TEST_VECTOR_MODEL;
  await sql.query(
    `insert into scene_vectors (scene_id, video_id, model, kind, idx, at_s, vec)
     select $1, video_id, $2, $3, $4, $5, $6::vector from scenes where scene_id = $1`,
    [sceneId, model, kind, v.idx ?? -1, v.atS ?? null, v.vec],
  );
  await sql.query(
    `insert into video_vectors (video_id, kind, model, dims)
     select video_id, $2, $3, vector_dims($4::vector) from scenes where scene_id = $1
     on conflict (video_id, kind) do update set model = excluded.model, dims = excluded.dims`,
    [sceneId, kind, model, v.vec],
  );
}

/**
 * A scene row; `text_vec` / `image_vec` among the fields (pgvector literals) become its vectors under `text_model` /
 * `image_model` (TEST_VECTOR_MODEL when unset), as the index stage writes them.
 */
export async function aScene(
  sql: Queryable,
  videoId: string,
  idx: number,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const { text_vec, image_vec, text_model, image_model, ...rest } = fields;
  const id = await insertRow(
    sql,
    'scenes',
    { video_id: videoId, idx, start_s: idx, end_s: idx + 1, ...rest },
    'scene_id',
  );
  const name = (m: unknown) => (typeof m === 'string' ? m : undefined);
  if (typeof text_vec === 'string')
    await aSceneVector(sql, id, { vec: text_vec, kind: 'text', model: name(text_model) });
  if (typeof image_vec === 'string')
    await aSceneVector(sql, id, { vec: image_vec, kind: 'image', model: name(image_model) });
  return id;
}
