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

export const aScene = (sql: Queryable, videoId: string, idx: number, fields: Record<string, unknown> = {}) =>
  insertRow(sql, 'scenes', { video_id: videoId, idx, start_s: idx, end_s: idx + 1, ...fields }, 'scene_id');
